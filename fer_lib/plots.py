"""Figures shared by the notebooks. Each function returns a matplotlib Figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def class_count_figure(counts: pd.Series, title: str = "Faces per class") -> Figure:
    """A bar chart of faces per class, each bar labelled with its count and share."""
    fig, ax = plt.subplots(figsize=(7, 3.2))
    bars = ax.bar(counts.index, counts.values, color="#4c72b0")
    total = counts.sum()
    for bar, value in zip(bars, counts.values):
        ax.annotate(f"{value:,}\n{value / total:.1%}", (bar.get_x() + bar.get_width() / 2, value), ha="center", va="bottom", fontsize=8)
    ax.set_ylabel("faces")
    ax.set_title(title)
    ax.set_ylim(0, counts.max() * 1.25)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def sample_grid_figure(images: np.ndarray, labels: np.ndarray, class_names: tuple[str, ...], per_class: int = 8, seed: int = 0) -> Figure:
    """A grid of randomly chosen faces, one row per class (rows stay blank for empty classes)."""
    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(len(class_names), per_class, figsize=(per_class * 0.9, len(class_names) * 0.95))
    axes = np.atleast_2d(axes)
    for row, name in enumerate(class_names):
        members = np.flatnonzero(labels == row)
        chosen = rng.choice(members, size=min(per_class, len(members)), replace=False) if len(members) else []
        for col in range(per_class):
            ax = axes[row, col]
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if col < len(chosen):
                ax.imshow(images[chosen[col]], cmap="gray", vmin=0, vmax=255)
        axes[row, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    fig.subplots_adjust(wspace=0.05, hspace=0.05, left=0.12, right=0.99, top=0.99, bottom=0.01)
    return fig
