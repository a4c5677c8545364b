"""The canonical class orders used throughout the project.

FER-2013 numbers its emotions 0-6 in this order, and the paper's FERGIT keeps it.
CK+ has contempt but no neutral; its order keeps the six shared emotions at the
same indices and puts contempt where neutral is, so one 7-way model head fits both.
"""

from __future__ import annotations

FER_CLASSES: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
CKPLUS_CLASSES: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "contempt")

# Spellings found in the published data sets, mapped to the canonical names.
ALIASES: dict[str, str] = {
    "anger": "angry",
    "angry": "angry",
    "disgust": "disgust",
    "disgusted": "disgust",
    "fear": "fear",
    "fearful": "fear",
    "happy": "happy",
    "happiness": "happy",
    "sad": "sad",
    "sadness": "sad",
    "surprise": "surprise",
    "surprised": "surprise",
    "neutral": "neutral",
    "contempt": "contempt",
}


def canonical_name(raw: str) -> str:
    """Map a label as spelled in a data set (any case) to its canonical name.

    Raises KeyError naming the label and the accepted spellings when it is unknown.
    """
    key = raw.strip().lower()
    if key not in ALIASES:
        raise KeyError(f"unknown emotion label {raw!r}; expected one of {sorted(ALIASES)}")
    return ALIASES[key]
