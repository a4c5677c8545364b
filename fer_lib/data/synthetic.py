"""Synthetic 48x48 grey faces: the embedded default data set.

Faces are drawn from facial action units (FACS AUs): brow raise (AU1, AU2), brow
lowering (AU4), eye opening (AU5) and tightening (AU6/AU7), nose wrinkle (AU9),
upper-lip raise (AU10), lip corners up (AU12), one-sided (AU14) and down (AU15),
lip stretch (AU20), lip press (AU24) and jaw drop (AU26). Each expression is a
prototype mix of AUs; each face scales it by a random intensity and adds noise.
Identity (face shape, skin tone, feature placement), pose, lighting, occlusion and
label noise vary, so the task is learnable but not trivial, and classes that share
AUs (fear and surprise, anger and disgust, sadness and neutral) get confused.

Everything is seeded: the same arguments give the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fer_lib.data.classes import CKPLUS_CLASSES, FER_CLASSES
from fer_lib.data.faceset import FaceSet

AUS: tuple[str, ...] = ("AU1", "AU2", "AU4", "AU5", "AU6", "AU7", "AU9", "AU10", "AU12", "AU14", "AU15", "AU20", "AU24", "AU26")

# Prototype AU intensities per expression (0 = absent, 1 = typical apex).
PROTOTYPES: dict[str, dict[str, float]] = {
    "neutral": {},
    "happy": {"AU6": 0.8, "AU12": 1.0, "AU26": 0.25},
    "sad": {"AU1": 0.9, "AU4": 0.45, "AU15": 0.9, "AU7": 0.2},
    "angry": {"AU4": 1.0, "AU7": 0.7, "AU24": 0.8, "AU5": 0.15},
    "disgust": {"AU9": 1.0, "AU10": 0.8, "AU4": 0.45, "AU15": 0.35, "AU7": 0.3},
    "fear": {"AU1": 0.9, "AU2": 0.55, "AU4": 0.5, "AU5": 0.9, "AU20": 0.9, "AU26": 0.45},
    "surprise": {"AU1": 1.0, "AU2": 1.0, "AU5": 0.8, "AU26": 1.0},
    "contempt": {"AU14": 1.0},
}

# FER-2013's class sizes (all splits), in FER_CLASSES order: the imbalance to mimic.
FER2013_COUNTS: tuple[int, ...] = (4953, 547, 5121, 8989, 6077, 4002, 6198)
# CK+48's sequences per class (frames / 3), in CKPLUS_CLASSES order.
CKPLUS_SEQUENCES: tuple[int, ...] = (45, 59, 25, 69, 28, 83, 18)


GENERATED_SCENES = "generated scenes (synthetic faces pasted into noise)"  # where posed photos come from when no real ones are found

def _proportions(counts: tuple[int, ...]) -> np.ndarray:
    p = np.asarray(counts, dtype=np.float64)
    return p / p.sum()


def _identities(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Per-identity face parameters."""
    u = rng.uniform
    return {
        "skin": u(0.45, 0.82, n),
        "face_w": u(0.62, 0.78, n),
        "face_h": u(0.86, 1.0, n),
        "eye_x": u(0.26, 0.34, n),
        "eye_y": u(-0.18, -0.08, n),
        "eye_w": u(0.11, 0.15, n),
        "eye_open": u(0.4, 0.7, n),
        "brow_y": u(-0.42, -0.32, n),
        "brow_t": u(0.03, 0.06, n),
        "brow_d": u(0.3, 0.6, n),
        "mouth_y": u(0.45, 0.58, n),
        "mouth_w": u(0.2, 0.28, n),
        "mouth_c": u(-0.03, 0.03, n),
        "hair": u(-0.95, -0.55, n),
        "hair_v": u(0.05, 0.35, n),
        "bg": u(0.1, 0.9, n),
    }


def _au_matrix(rng: np.random.Generator, expressions: list[str], intensity: np.ndarray) -> np.ndarray:
    """AU intensities (N x len(AUS)) for the given expressions and apex intensities."""
    n = len(expressions)
    au = np.abs(rng.normal(0.0, 0.07, (n, len(AUS))))  # everyday facial motion
    proto = np.array([[PROTOTYPES[e].get(a, 0.0) for a in AUS] for e in expressions])
    jitter = rng.lognormal(0.0, 0.25, (n, len(AUS)))
    au += proto * intensity[:, None] * jitter
    happy = np.array([e == "happy" for e in expressions])
    au[happy, AUS.index("AU26")] *= rng.uniform(0.0, 2.5, happy.sum())  # open or closed smile
    return au.astype(np.float32)


def _soft(d: np.ndarray, edge: float = 6.0) -> np.ndarray:
    """Soft inside mask from a normalised distance (1 at the boundary)."""
    return np.clip((1.0 - d) * edge, 0.0, 1.0)


def _segment(u, v, ax, ay, bx, by, thick):
    """Soft mask of a thick segment from (ax, ay) to (bx, by)."""
    dx, dy = bx - ax, by - ay
    t = np.clip(((u - ax) * dx + (v - ay) * dy) / (dx * dx + dy * dy + 1e-9), 0.0, 1.0)
    dist = np.hypot(u - ax - t * dx, v - ay - t * dy)
    return _soft(dist / thick, edge=2.5)


def render(params: dict[str, np.ndarray], au: np.ndarray, noise: np.ndarray, size: int = 48) -> np.ndarray:
    """Render faces (N x size x size uint8) from per-face parameters, AU intensities and a noise field."""
    n = len(au)
    A = {name: au[:, i, None, None] for i, name in enumerate(AUS)}
    P = {k: np.asarray(v, dtype=np.float32)[:, None, None] for k, v in params.items()}
    g = np.linspace(-1.0, 1.0, size, dtype=np.float32)
    x, y = g[None, None, :], g[None, :, None]

    # Image -> face coordinates (pose: shift, scale, roll); yaw shifts the features.
    c, s = np.cos(P["roll"]), np.sin(P["roll"])
    xs, ys = x - P["cx"], y - P["cy"]
    u = (xs * c + ys * s) / P["scale"]
    v = (-xs * s + ys * c) / P["scale"]
    uf = u - 0.18 * P["yaw"]

    img = P["bg"] + 0.15 * (y * P["bg_tilt"]) + np.zeros((n, size, size), np.float32)
    face = _soft(np.hypot(u / P["face_w"], v / P["face_h"]), edge=8.0)
    skin = P["skin"] * (1.0 - 0.12 * (np.hypot(uf, v) ** 2))  # a little shading toward the rim
    img = img * (1 - face) + skin * face
    hair = face * np.clip((P["hair"] - v) * 10.0 + 1.0, 0.0, 1.0) * np.clip((P["hair"] + 0.45 - v) * 6, 0, 1)
    img = img * (1 - hair) + P["hair_v"] * hair

    def darken(mask, depth):
        nonlocal img
        img = img - depth * mask * face

    # Eyes: opening from AU5 (wider) and AU6/AU7 (narrower).
    eye_h = np.clip(P["eye_open"] * 0.1 + 0.06 * A["AU5"] - 0.035 * (A["AU6"] + A["AU7"]), 0.012, 0.16)
    for side in (-1.0, 1.0):
        ex = uf - side * P["eye_x"]
        ey = v - P["eye_y"]
        darken(_soft(np.hypot(ex / P["eye_w"], ey / eye_h), 5.0), 0.45)
        darken(_soft(np.hypot(ex, ey) / np.minimum(eye_h, 0.055), 3.0), 0.25)

    # Brows: AU1 raises the inner ends, AU2 the outer ends, AU4 pulls them down and in.
    for side in (-1.0, 1.0):
        inner_x = side * (0.12 - 0.03 * A["AU4"])
        outer_x = side * (P["eye_x"] + 0.15)
        inner_y = P["brow_y"] - 0.13 * A["AU1"] + 0.12 * A["AU4"] - 0.03 * A["AU2"]
        outer_y = P["brow_y"] - 0.13 * A["AU2"] + 0.03 * A["AU4"] + 0.02
        darken(_segment(uf, v, inner_x, inner_y, outer_x, outer_y, P["brow_t"]), P["brow_d"])
    # AU4 furrows between the brows; AU1+AU2 wrinkle the forehead.
    for side in (-1.0, 1.0):
        darken(_segment(uf, v, side * 0.045, P["brow_y"] + 0.02, side * 0.045, P["brow_y"] + 0.15, 0.02), 0.35 * A["AU4"])
    for k in range(2):
        fy = P["brow_y"] - 0.2 - 0.09 * k
        darken(_segment(uf, v, -0.3, fy, 0.3, fy, 0.018), 0.18 * np.minimum(A["AU1"], A["AU2"] + 0.3))

    # Nose: nostrils rise and widen with AU9/AU10; AU9 creases the bridge.
    nose_y = 0.26 - 0.05 * A["AU9"] - 0.02 * A["AU10"]
    for side in (-1.0, 1.0):
        nx = uf - side * (0.075 + 0.025 * A["AU9"])
        darken(_soft(np.hypot(nx / 0.045, (v - nose_y) / 0.028), 3.0), 0.35)
    darken(_segment(uf, v, 0.0, -0.05, 0.0, nose_y - 0.05, 0.03), 0.08)
    for k in range(3):
        wy = -0.08 + 0.06 * k
        darken(_segment(uf, v, -0.09, wy, 0.09, wy, 0.018), 0.32 * A["AU9"])

    # Nasolabial folds deepen with AU6/AU12 (smile) and AU10 (disgust).
    fold = 0.3 * np.clip(0.7 * A["AU12"] + A["AU10"] + 0.3 * A["AU6"], 0.0, 1.2)
    for side in (-1.0, 1.0):
        darken(_segment(uf, v, side * 0.14, nose_y, side * (P["mouth_w"] + 0.07), P["mouth_y"] + 0.02, 0.022), fold)

    # Mouth: a bent lip line; corners up (AU12), down (AU15), one side up (AU14);
    # stretched (AU20), pressed (AU24), upper lip raised (AU10), jaw dropped (AU26).
    mw = P["mouth_w"] + 0.07 * A["AU20"] + 0.04 * A["AU12"] - 0.05 * A["AU24"]
    corner_l = P["mouth_c"] - 0.13 * A["AU12"] + 0.11 * A["AU15"] - 0.02 * A["AU20"]
    corner_r = corner_l - 0.13 * A["AU14"]
    uu = uf / mw
    inside = np.clip(1.0 - uu * uu, 0.0, 1.0)
    corner = np.where(uf < 0, corner_l, corner_r)
    centre = P["mouth_y"] + corner * (uu * uu) - 0.035 * A["AU10"] * inside
    opening = (0.2 * A["AU26"] + 0.05 * A["AU10"]) * np.sqrt(inside)
    lip = 0.028 - 0.012 * np.clip(A["AU24"], 0.0, 1.0)
    half = lip + 0.5 * opening
    mouth = _soft(np.abs(v - centre - 0.5 * opening) / (half + 1e-3), 2.0) * (np.abs(uu) < 1.0)
    darken(mouth, 0.55)
    teeth = _soft(np.abs(v - centre - 0.25 * opening) / (0.22 * opening + 1e-3), 2.0) * (np.abs(uu) < 0.7)
    img = img + 0.45 * teeth * np.clip(A["AU12"] * A["AU26"] * 3.0, 0.0, 1.0) * face

    # Occlusion: a hand-like blob or a band (hair, glasses), on some faces.
    ox, oy, orad = P["occ_x"], P["occ_y"], P["occ_r"]
    blob = _soft(np.hypot((x - ox) / orad, (y - oy) / (orad * 1.4)), 4.0)
    band = _soft(np.abs(y - oy) / (0.5 * orad), 4.0)
    occ = np.where(P["occ_kind"] == 1, blob, np.where(P["occ_kind"] == 2, band, 0.0))
    img = img * (1 - occ) + P["occ_v"] * occ

    # Lighting: a linear gradient in a random direction, gain and gamma; sensor noise.
    light = 1.0 + P["light"] * (x * np.cos(P["light_dir"]) + y * np.sin(P["light_dir"]))
    img = np.clip(img * light * P["gain"], 0.0, 1.0) ** P["gamma"]
    img = img + P["noise"] * noise
    return np.clip(img * 255.0 + 0.5, 0, 255).astype(np.uint8)


def _pose_and_scene(rng: np.random.Generator, n: int, size: int, spread: float, occlusion: float) -> dict[str, np.ndarray]:
    """Per-image pose, lighting, occlusion and noise parameters."""
    u = rng.uniform
    occ_kind = np.where(u(0, 1, n) < occlusion, rng.integers(1, 3, n), 0)
    return {
        "cx": rng.normal(0, 0.05 * spread, n),
        "cy": rng.normal(0.02, 0.05 * spread, n),
        "scale": u(1 - 0.15 * spread, 1.0 + 0.05 * spread, n),
        "roll": rng.normal(0, np.deg2rad(8) * spread, n),
        "yaw": u(-0.35, 0.35, n) * spread,
        "bg_tilt": u(-1, 1, n),
        "light": u(0, 0.4, n) * spread,
        "light_dir": u(0, 2 * np.pi, n),
        "gain": u(0.75, 1.2, n),
        "gamma": u(0.8, 1.25, n),
        "noise": u(0.01, 0.05, n),
        "occ_kind": occ_kind,
        "occ_x": u(-0.7, 0.7, n),
        "occ_y": u(-0.5, 0.8, n),
        "occ_r": u(0.2, 0.45, n),
        "occ_v": u(0.05, 0.9, n),
    }


def _render_chunks(params: dict[str, np.ndarray], au: np.ndarray, rng: np.random.Generator, size: int, chunk: int = 512) -> np.ndarray:
    """Render in chunks to bound memory; the noise is drawn once so chunking never changes pixels."""
    n = len(au)
    out = np.empty((n, size, size), np.uint8)
    noise = rng.standard_normal((n, size, size), dtype=np.float32)
    for lo in range(0, n, chunk):
        part = {k: v[lo : lo + chunk] for k, v in params.items()}
        out[lo : lo + chunk] = render(part, au[lo : lo + chunk], noise[lo : lo + chunk], size)
    return out


def generate_faces(
    n: int = 6000,
    seed: int = 0,
    *,
    class_counts: tuple[int, ...] = FER2013_COUNTS,
    n_identities: int | None = None,
    label_noise: float = 0.08,
    occlusion: float = 0.15,
    size: int = 48,
) -> FaceSet:
    """A FER-2013-like synthetic set: ``n`` faces of the 7 FER classes, seeded.

    Class frequencies follow ``class_counts`` (FER-2013's imbalance by default).
    Each face belongs to one of ``n_identities`` identities (default ``n // 15``),
    recorded as its ``subject``. A fraction ``label_noise`` of the labels is
    replaced by another class, as in-the-wild annotation errs; ``info`` keeps the
    true expression of each face for analysis.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    rng = np.random.default_rng(seed)
    n_ids = n_identities or max(1, n // 15)
    true = rng.choice(len(FER_CLASSES), size=n, p=_proportions(class_counts))
    ids = rng.integers(0, n_ids, n)
    ident = {k: v[ids] for k, v in _identities(rng, n_ids).items()}
    au = _au_matrix(rng, [FER_CLASSES[t] for t in true], rng.uniform(0.45, 1.15, n))
    params = ident | _pose_and_scene(rng, n, size, spread=1.0, occlusion=occlusion)
    images = _render_chunks(params, au, rng, size)

    labels = true.copy()
    flip = rng.uniform(0, 1, n) < label_noise
    labels[flip] = (true[flip] + rng.integers(1, len(FER_CLASSES), flip.sum())) % len(FER_CLASSES)
    meta = pd.DataFrame(
        {
            "file": [f"synthetic_{seed}_{i:06d}" for i in range(n)],
            "split": "",
            "subject": [f"id{j:05d}" for j in ids],
        }
    )
    info = {"seed": seed, "true_labels": true, "label_noise": label_noise, "n_identities": n_ids}
    return FaceSet(images, labels.astype(np.int64), FER_CLASSES, meta, source="synthetic", info=info)


def generate_ckplus_like(n_subjects: int = 40, seed: int = 0, *, frames: int = 3, size: int = 48) -> FaceSet:
    """A CK+48-like synthetic set: posed sequences in a lab, ``frames`` per sequence.

    Classes are CK+'s (contempt in place of neutral) with CK+'s sequence
    frequencies; each subject poses one to four expressions; the frames of a
    sequence are near-identical with rising intensity, as CK+48 keeps the last
    three frames before the apex. Subject, sequence and frame are in ``meta``.
    """
    rng = np.random.default_rng(seed)
    ident_all = _identities(rng, n_subjects)
    per_subject = rng.integers(1, 5, n_subjects)
    p = _proportions(CKPLUS_SEQUENCES)
    rows = []
    for s in range(n_subjects):
        classes = rng.choice(len(CKPLUS_CLASSES), size=min(per_subject[s], 7), replace=False, p=p)
        for q, cls in enumerate(classes):
            apex = rng.uniform(0.8, 1.15)
            for f in range(frames):
                rows.append((s, q + 1, f, cls, apex * (1.0 - 0.08 * (frames - 1 - f))))
    subj, seq, frame, cls, inten = (np.array(c) for c in zip(*rows))
    n = len(rows)
    au = _au_matrix(rng, [CKPLUS_CLASSES[c] for c in cls], inten)
    scene = _pose_and_scene(rng, len(np.unique(subj * 100 + seq)), size, spread=0.3, occlusion=0.0)
    seq_index = np.unique(subj * 100 + seq, return_inverse=True)[1]
    params = {k: v[subj] for k, v in ident_all.items()} | {k: v[seq_index] for k, v in scene.items()}
    params["cx"] = params["cx"] + rng.normal(0, 0.005, n)  # small head motion between frames
    images = _render_chunks(params, au, rng, size)
    meta = pd.DataFrame(
        {
            "file": [f"S{s + 1:03d}_{q:03d}_{f + 1:08d}.png" for s, q, f in zip(subj, seq, frame)],
            "split": "",
            "subject": [f"S{s + 1:03d}" for s in subj],
            "sequence": seq,
            "frame": frame + 1,
        }
    )
    info = {"seed": seed, "n_subjects": n_subjects}
    return FaceSet(images, cls.astype(np.int64), CKPLUS_CLASSES, meta, source="synthetic-ckplus", info=info)


def synthetic_scenes(folder: str | Path, n: int = 4) -> list[Path]:
    """Photo-like scenes (536x356 colour PNGs) with one upscaled synthetic face each, for the
    photo pipeline when no real photos are at hand; returns their paths."""
    import cv2

    faces = generate_faces(60, seed=0, occlusion=0.0, label_noise=0.0).images
    rng = np.random.default_rng(0)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(n):
        img = rng.normal(128, 20, (536, 356, 3)).clip(0, 255).astype(np.uint8)
        img[120:420, 28:328] = cv2.resize(faces[k], (300, 300), interpolation=cv2.INTER_CUBIC)[..., None]
        paths.append(folder / f"scene_{k}.png")
        cv2.imwrite(str(paths[-1]), img)
    return paths
