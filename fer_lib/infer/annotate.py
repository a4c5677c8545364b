"""Annotated photos like the paper's Figures 9-10: the photo with each face's box and label,
and beside it a bar chart of each face's class probabilities."""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from fer_lib.infer.detect import Photo, load_photo_rgb

COLOURS = ("#e4572e", "#17bebb", "#ffc914", "#76b041", "#9c6ade", "#2e86ab", "#f18f01")


def annotate_photo(photo: Photo, faces: list[dict], out: str | PathLike, *, title: str | None = None, dpi: int = 100) -> Path:
    """Draw ``faces`` (records from :func:`fer_lib.infer.predict.predict_photos`) on ``photo`` and save a PNG to ``out``."""
    rgb = load_photo_rgb(photo)
    n = max(1, len(faces))
    fig = Figure(figsize=(10, max(4.0, 2.2 * n)), dpi=dpi)
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(n, 2, width_ratios=(1.2, 1))
    ax = fig.add_subplot(grid[:, 0])
    ax.imshow(rgb)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=9)
    for k, face in enumerate(faces):
        colour = COLOURS[k % len(COLOURS)]
        x, y, w, h = face["box"]
        ax.add_patch(Rectangle((x, y), w, h, fill=False, edgecolor=colour, linewidth=2))
        p = face["probs"][face["label"]]
        ax.text(x, max(0, y - 4), f"{k + 1}: {face['label']} {p:.0%}", color="white", fontsize=9, va="bottom",
                bbox={"facecolor": colour, "edgecolor": "none", "pad": 1.5})
        bars = fig.add_subplot(grid[k, 1])
        names = list(face["probs"])
        values = np.array([face["probs"][c] for c in names])
        bars.barh(names, values, color=[colour if c == face["label"] else "#b0b0b0" for c in names])
        bars.set_xlim(0, 1)
        bars.invert_yaxis()
        bars.tick_params(labelsize=8)
        bars.set_title(f"face {k + 1}", fontsize=9)
    if not faces:
        ax_none = fig.add_subplot(grid[0, 1])
        ax_none.set_axis_off()
        ax_none.text(0.5, 0.5, "no face detected", ha="center", va="center")
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    return out
