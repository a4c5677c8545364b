"""Reader's words for the identifiers records hold: how a training stopped, a split, a
precision, a data source, a count of sessions. Records and commands keep the identifiers;
pages and tables show these."""

from __future__ import annotations

import re

from fer_lib.pipeline import registry

STATUS = {"completed": "all planned epochs run", "early_stopped": "stopped early by EarlyStopping",
          "paused": "paused: an interim result", "diverged": "diverged (loss not finite)",
          "interrupted": "ended without writing its record (killed); the next session resumed from its saved state"}
PRECISION = {"float32": "float32", "mixed_bfloat16": "bfloat16 mixed precision"}
DATASETS = registry.DATASETS


def status(code: str) -> str:
    """``early_stopped`` -> ``stopped early by EarlyStopping``."""
    return STATUS.get(code, code.replace("_", " "))


def split(protocol: str | None) -> str:
    """``random`` -> ``random 90/5/5``; ``subject-fold-3`` -> ``subject fold 3 as test``."""
    if protocol == registry.RANDOM_SPLIT:
        return "random 90/5/5, stratified by class"
    if protocol == registry.OFFICIAL_SPLIT:
        return "the official Training / PublicTest / PrivateTest split"
    k = registry.fold_of(protocol)
    return f"subject fold {k} as test, the next as validation (no person on both sides)" if k is not None else str(protocol)


def precision(policy: str) -> str:
    return PRECISION.get(policy, policy)


def sessions(n: int) -> str:
    return count(n, "session")


def interim(epochs_run: int, planned: int) -> str:
    """``interim: 28 of 100 epochs``: the tag of a training that has not finished."""
    return f"interim: {epochs_run} of {planned} epochs"


def labelled(label: str, r) -> str:
    """``label``, with ``(interim: 28 of 100 epochs)`` when training ``r`` (a TrainingRecord, or None) has not
    finished: for titles, legends, table columns and sentences that set it beside finished ones."""
    return f"{label} ({interim(r.training.epochs_run, r.config['epochs'])})" if r is not None and r.interim else label


def held_out_count(values: dict) -> str | None:
    """``with the person held out of training (interim: 22 of 100 epochs): 3 of 4 right`` from the posed page's values; None before it ran."""
    if (held := values.get("n_right_heldout")) is None:
        return None
    tag = f" ({interim(*values['heldout_epochs'])})" if values.get("heldout_epochs") else ""
    return f"with the person held out of training{tag}: {held} right"


def posed_overlap(sides: dict[str, int] | None, n_photos: int) -> str:
    """Where the posed photos' 48x48 versions lie in the paper's split (counts by side, from
    ``pages.posed_sides``): ``2 of the 4 photos' 48x48 versions are among the paper-split network's
    training faces, 2 among its validation faces``; without counts, that it may have trained on them."""
    if not sides:
        return "the paper-split network's training faces may include the person's 48x48 faces"
    train = sides.get("train", 0)
    text = f"{train} of the {n_photos} photos' 48x48 versions {'is' if train == 1 else 'are'} among the paper-split network's training faces"
    names = {"val": "validation", "test": "test"}
    text += "".join(f", {sides[s]} among its {names[s]} faces" for s in names if sides.get(s))
    text += f", {sides['none']} on no side of its split" if sides.get("none") else ""
    return text + (f"; {sides['unmatched']} {'matches' if sides['unmatched'] == 1 else 'match'} no FERGIT face by file name" if sides.get("unmatched") else "")


def times(n: int) -> str:
    """``0`` -> ``never``; ``1`` -> ``once``; ``4`` -> ``4 times``."""
    return "never" if n == 0 else "once" if n == 1 else f"{n} times"


def count(n: int, thing: str, things: str | None = None) -> str:
    """``count(0, "blank image")`` -> ``no blank images``; 1 -> ``1 blank image``; 2,000 -> ``2,000 blank images``."""
    many = things or thing + "s"
    return f"no {many}" if n == 0 else f"1 {thing}" if n == 1 else f"{n:,} {many}"


def device(label: str | None) -> str:
    """A recorded device label in a sentence's words: ``CPU: AMD EPYC`` -> ``AMD EPYC CPU``; JAX's
    ``CPU: AMD EPYC (AVX2-only)`` -> ``AMD EPYC CPU (AVX2-only)``; ``gpu:NVIDIA H100 (x2)`` -> ``2x NVIDIA H100 GPU``, ``cpu:cpu (x1)`` -> ``CPU`` and ``CPU: Intel(R) Xeon(R)
    Processor`` -> ``Intel Xeon CPU``; anything else as recorded."""
    if not label:
        return "an unrecorded device"
    kind = re.search(r"\s*\((bfloat16-native|AVX-512|AVX2-only|pre-AVX2)\)$", label)  # the CPU's kind (fer_lib.train.precision.cpu_kind)
    if kind:
        return f"{device(label[:kind.start()])} ({kind.group(1)})"
    m = re.fullmatch(r"(cpu|gpu|tpu):\s*(.+?)(?:\s*\(x(\d+)\))?", label.strip(), flags=re.IGNORECASE)
    if not m:
        return label
    kind, count = m.group(1).upper(), int(m.group(3) or 1)
    name = re.sub(r"\s*\((?:R|TM)\)", "", m.group(2))  # Intel(R) Xeon(R) Processor -> Intel Xeon
    name = re.sub(r"\s+(?:Processor|CPU)$", "", name, flags=re.IGNORECASE) or kind
    said = re.search(rf"\b{kind}\b", name, flags=re.IGNORECASE)  # "Intel Xeon CPU @ 2.20GHz" names its kind already
    return (f"{count}x " if count > 1 else "") + (kind if name.upper() == kind else name if said else f"{name} {kind}")


def devices(used: dict[str, tuple[int, float]]) -> str:
    """``{"CPU: A": (5, ...), "CPU: B": (1, ...)}`` -> ``A CPU (5 sessions) and B CPU (1 session)``."""
    return join([f"{device(label)} ({sessions(n)})" for label, (n, _) in used.items()])


def join(parts: list[str]) -> str:
    """``["a", "b", "c"]`` -> ``a, b and c``."""
    return " and ".join(parts) if len(parts) < 3 else ", ".join(parts[:-1]) + " and " + parts[-1]


def minutes(m: float) -> str:
    """``0.3`` -> ``under a minute``; ``1.2`` -> ``1 minute``; ``14.6`` -> ``15 minutes``."""
    if m < 0.5:
        return "under a minute"
    return "1 minute" if m < 1.5 else f"{m:.0f} minutes"


def source(text: str) -> str:
    """``fergit($FER_DATA_ROOT/fer2013 + $FER_DATA_ROOT/muxspace)`` -> ``FERGIT, from $FER_DATA_ROOT/fer2013 + ...``."""
    m = re.fullmatch(r"([a-z0-9+-]+)\((.*)\)", text)
    if m:
        return f"{DATASETS.get(m.group(1), m.group(1))}, from `{m.group(2)}`"
    return DATASETS[text] if text in DATASETS else f"`{text}`"


def dataset(name: str | None) -> str:
    return DATASETS.get(name or "", name or "an unnamed set")


def augmented(config: dict) -> bool:
    """Whether a training's recipe (its record's ``config``) augments its batches."""
    return (config.get("augment") or {}).get("enabled", True)


def recipe_departures(config: dict) -> str:
    """What a training's recipe takes away from the paper's networks and augmentation, as
    ", at width 0.25, no augmentation" (empty when it keeps both)."""
    parts = []
    if config.get("width", 1.0) != 1.0:
        parts.append(f"at width {config['width']:g}")
    if not augmented(config):
        parts.append("no augmentation")
    return "".join(f", {p}" for p in parts)


def training_batches(config: dict) -> str:
    """What a training's accuracy and loss were measured on, as its recipe prepared them."""
    return "augmented training batches with dropout on" if augmented(config) else "training batches (not augmented) with dropout on"


def cpu(env: dict) -> str:
    """A record's CPU in words: its name, kind, the speed features it has, oneDNN's state and its cores
    (``AMD EPYC, AVX2-only (avx2, fma), oneDNN on, 2 cores``); records older than the CPU's kind say so."""
    cores = f"{env['cpu_count']} cores" if env.get("cpu_count") else "cores not recorded"
    if "cpu_kind" not in env:
        return f"{env.get('cpu', 'an unrecorded CPU')} (its kind and features not recorded), {cores}"
    has = [f for f, on in (env.get("cpu_features") or {}).items() if on]
    onednn = {True: ", oneDNN on", False: ", oneDNN off"}.get(env.get("onednn"), "")
    return f"{env.get('cpu')}, {env['cpu_kind']} ({', '.join(has) or 'none of avx2, avx512f, bf16'}){onednn}, {cores}"
