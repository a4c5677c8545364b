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


def split_sizes_figure(sizes: dict[str, int], title: str = "Faces per split") -> Figure:
    """A bar chart of the train, validation and test sizes, with their shares (the paper's Figure 4)."""
    fig, ax = plt.subplots(figsize=(5, 2.6))
    names, values = list(sizes), list(sizes.values())
    bars = ax.barh(names, values, color=["#4c72b0", "#dd8452", "#55a868"][: len(names)])
    total = sum(values)
    for bar, value in zip(bars, values):
        ax.annotate(f" {value:,} ({value / total:.0%})", (value, bar.get_y() + bar.get_height() / 2), va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, max(values) * 1.3)
    ax.set_xlabel("faces")
    ax.set_title(title)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def history_figure(history: list[dict], title: str = "Training history", *, planned: int | None = None, best_epoch: int | None = None,
                   restarts: tuple[int, ...] = (), paper: dict | None = None, weighted: bool = False) -> Figure:
    """Accuracy and loss per epoch, training against validation (the paper's Figures 6-8).

    ``planned`` sets the x-axis to the planned epochs; ``best_epoch`` is marked (the
    network the results use); ``restarts`` marks the epochs after which a training went on
    without its saved state; ``paper`` (see ``fer_lib.paper.PAPER_CURVES``) draws where the
    paper's curves ended at its epoch 100, and the epoch after which it says its network
    stopped generalising (its validation loss flat while the training loss fell). With ``weighted`` the training loss is labelled class-weighted
    (the validation loss is not, so the two are not on one scale).
    """
    epochs = [r["epoch"] + 1 for r in history]
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    end = max(planned or 0, epochs[-1] if epochs else 1)
    for ax, metric in zip(axes, ("accuracy", "loss")):
        ax.plot(epochs, [r[metric] for r in history], marker="o", markersize=3, label="training")
        ax.plot(epochs, [r[f"val_{metric}"] for r in history], marker="s", markersize=3, label="validation")
        if paper:
            # black, thick and on top: at epoch 100 they sit on our curves' last points, in our curves' colours they vanished;
            # drawn half an epoch either side of 100, so that two close values (75% and 73.7%) stay two marks
            ax.plot([99.5], [paper[metric]], marker="x", color="black", markersize=10, markeredgewidth=2, linestyle="none", zorder=5,
                    clip_on=False, label="paper, training, epoch 100")
            ax.plot([100.5], [paper[f"val_{metric}"]], marker="+", color="black", markersize=13, markeredgewidth=2, linestyle="none", zorder=5,
                    clip_on=False, label="paper, validation, epoch 100")
            if paper.get("stops_generalising_epoch"):
                ax.axvline(paper["stops_generalising_epoch"], color="0.5", linestyle=":", linewidth=1,
                           label=f"paper: validation loss flat from epoch {paper['stops_generalising_epoch']}")
        if best_epoch:
            ax.axvline(best_epoch, color="C2", linestyle="--", linewidth=1, label=f"best epoch ({best_epoch})")
        for i, epoch in enumerate(restarts):
            ax.axvline(epoch + 0.5, color="C3", linestyle="-.", linewidth=1, label="restart, fresh optimizer" if i == 0 else None)
        ax.set_xlim(0, end + 1)
        ax.set_xlabel(f"epoch (of {planned} planned)" if planned else "epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
    axes[1].set_ylim(bottom=0)  # a loss is never negative; the paper's 0.2 stays off the axis line
    if weighted:
        axes[1].set_ylabel("loss (training: class-weighted;\nvalidation: not)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.suptitle(title)
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=7.5, frameon=False, bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.08 + 0.05 * ((len(labels) - 1) // 4), 1, 1))
    return fig


def record_history_figure(r, title: str, paper: dict | None = None) -> Figure:
    """:func:`history_figure` of a training record: its planned epochs, best epoch, restarts and weighting; the
    title tagged while the training has not finished."""
    from fer_lib.report.words import labelled

    return history_figure(r.history, labelled(title, r), planned=r.config["epochs"], best_epoch=r.training.best_epoch,
                          restarts=tuple(x.epoch for x in r.restarts), paper=paper, weighted=r.config.get("class_weights") == "balanced")


def confusion_figure(cm, class_names: tuple[str, ...], title: str = "Confusion matrix", ax=None) -> Figure:
    """Row-normalised confusion matrix (each row: where the faces of one true class went), counts in brackets."""
    import seaborn as sns

    cm = np.asarray(cm, dtype=float)
    rows = cm.sum(axis=1, keepdims=True)
    share = np.divide(cm, rows, out=np.zeros_like(cm), where=rows > 0)
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.2, 4.4))
    else:
        fig = ax.figure
    labels = np.array([[f"{s:.2f}\n({int(c)})" for s, c in zip(srow, crow)] for srow, crow in zip(share, cm)])
    sns.heatmap(share, annot=labels, fmt="", cmap="Blues", vmin=0, vmax=1, cbar=False, xticklabels=class_names, yticklabels=class_names, ax=ax, annot_kws={"fontsize": 9})
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.tick_params(axis="x", labelrotation=30)
    ax.tick_params(axis="y", labelrotation=0)
    plt.setp(ax.get_xticklabels(), ha="right", rotation_mode="anchor")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def per_class_bars(values: dict[str, dict[str, float]], ylabel: str = "recall", title: str = "") -> Figure:
    """Grouped bars: one group per class, one bar per series (e.g. with and without class weights)."""
    series = list(values)
    classes = list(next(iter(values.values())))
    x = np.arange(len(classes))
    width = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(8, 3))
    for i, name in enumerate(series):
        ax.bar(x + (i - (len(series) - 1) / 2) * width, [values[name][c] for c in classes], width, label=name)
    ax.set_xticks(x, classes)
    ax.set_ylim(0, 1)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def gradcam_figure(images: np.ndarray, cams: np.ndarray, titles: list[str]) -> Figure:
    """Faces (top row) and their Grad-CAM heat maps over them (bottom row), with the colour scale."""
    n = len(images)
    fig, axes = plt.subplots(2, n, figsize=(1.45 * n + 0.8, 3.6), squeeze=False)
    heat = None
    for i in range(n):
        axes[0, i].imshow(images[i], cmap="gray", vmin=0, vmax=255)
        axes[1, i].imshow(images[i], cmap="gray", vmin=0, vmax=255)
        heat = axes[1, i].imshow(cams[i], cmap="jet", alpha=0.45, vmin=0, vmax=1)
        if not np.any(cams[i] > 0):  # nothing to scale to a peak: say so rather than show a flat colour as a map
            axes[1, i].text(0.5, 0.5, "no positive\nevidence at\nthis layer", ha="center", va="center", fontsize=8,
                            transform=axes[1, i].transAxes, bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})
        axes[0, i].set_title(titles[i], fontsize=9)
        for ax in axes[:, i]:
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_ylabel("face", fontsize=9)
    axes[1, 0].set_ylabel("Grad-CAM", fontsize=9)
    fig.tight_layout(rect=(0, 0, 0.93, 1))
    if heat is not None:
        bar = fig.colorbar(heat, cax=fig.add_axes((0.945, 0.08, 0.015, 0.38)))
        bar.set_label("evidence\n(scaled per face)", fontsize=8)
        bar.ax.tick_params(labelsize=8)
    return fig


def confusion_pair(left, right, class_names: tuple[str, ...], titles: tuple[str, str]) -> Figure:
    """Two row-normalised confusion matrices side by side (the paper's Figure 5); ``right`` may be None."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6))
    confusion_figure(left, class_names, title=titles[0], ax=axes[0])
    if right is not None:
        confusion_figure(right, class_names, title=titles[1], ax=axes[1])
    else:
        axes[1].set_axis_off()
        axes[1].text(0.5, 0.5, f"{titles[1]}: not run in this run folder", ha="center", va="center")
    fig.tight_layout()
    return fig


def posed_figure(rows: list[dict]) -> Figure:
    """One row per photo: the photo with the face box, then each model's class probabilities.

    ``rows`` items: ``{"photo": RGB array, "box": (x, y, w, h) or None, "title": str,
    "probs": {model label: {class: p}}}``.
    """
    models = list(rows[0]["probs"]) if rows else []
    n = len(rows)
    fig, axes = plt.subplots(n, 1 + len(models), figsize=(3.2 + 3.6 * len(models), 2.9 * n), squeeze=False,
                             gridspec_kw={"width_ratios": [1.1] + [1.4] * len(models)})
    for i, row in enumerate(rows):
        ax = axes[i, 0]
        ax.imshow(row["photo"])
        if row["box"] is not None:
            x, y, w, h = row["box"]
            ax.add_patch(plt.Rectangle((x, y), w, h, fill=False, edgecolor="#e4572e", linewidth=2))
        ax.set_title(row["title"], fontsize=10)
        ax.set_axis_off()
        for j, model in enumerate(models):
            bars = axes[i, 1 + j]
            probs = row["probs"].get(model)
            if not probs:
                bars.set_axis_off()
                bars.text(0.5, 0.5, "no face found", ha="center", va="center", fontsize=10)
                continue
            names = list(probs)
            values = np.array([probs[c] for c in names])
            top = names[int(values.argmax())]
            bars.barh(names, values, color=["#e4572e" if c == top else "#9aa5b1" for c in names])
            for k, v in enumerate(values):
                bars.text(min(v + 0.02, 0.86), k, f"{v:.0%}", va="center", fontsize=9)
            bars.set_xlim(0, 1)
            bars.invert_yaxis()
            bars.tick_params(labelsize=10)
            bars.set_xlabel("probability", fontsize=9)
            bars.set_title(f"{model}: {top} ({probs[top]:.0%})", fontsize=10)
            bars.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig

