"""Tables the pages show, each a pandas object ready to display (rounded, percentages where they read better)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fer_lib.pipeline import registry
from fer_lib.pipeline.records import Metrics, TrainingRecord
from fer_lib.report import words


def classification_table(m: Metrics) -> pd.DataFrame:
    """Per-class precision, recall, F1 and support, then accuracy and the macro average (the paper's Tables 2-4)."""
    table = pd.DataFrame(m.per_class).T.rename(columns={"f1-score": "f1"})[["precision", "recall", "f1", "support"]]
    table["support"] = table["support"].astype(int)
    table.loc["accuracy"] = [np.nan, np.nan, m.accuracy, m.n]
    table.loc["macro avg"] = [table.iloc[:-1]["precision"].mean(), m.balanced_accuracy, m.macro_f1, m.n]
    table["support"] = table["support"].astype(int)
    return table


def styled(table: pd.DataFrame, digits: int = 3, percent: tuple = (), percent_digits: int = 1):
    """A Styler with numbers rounded, chosen columns as percentages (``percent_digits`` decimals) and empty cells blank."""
    styler = table.style.format(precision=digits, na_rep="", thousands=",").set_table_styles(
        [{"selector": "", "props": "font-size: 0.85em"},  # seven or eight columns fit the page's width
         {"selector": "th, td", "props": "padding: 0.2em 0.45em; text-align: right"},  # columns apart, numbers aligned
         {"selector": "th.row_heading", "props": "text-align: left; overflow-wrap: anywhere"}])  # a long file name wraps
    fmt = {c: f"{{:.{percent_digits}%}}" for c in percent if c in table.columns}
    return styler.format(fmt, na_rep="", subset=list(fmt)) if fmt else styler  # subset: the other columns keep their rounding


def posed_table(table: pd.DataFrame, names: dict[str, str] | None = None) -> pd.DataFrame:
    """:func:`fer_lib.infer.posed.label_photos`'s table for reading: under each network (named by
    ``names``, e.g. with an interim tag), the faces it found, its label and that label's probability
    (columns ``NETWORK: faces found``, ``NETWORK``, ``NETWORK: probability`` become one group)."""
    names = names or {}

    def column(c: str) -> tuple[str, str]:
        for suffix, short in ((": faces found", "faces"), (": probability", "probability")):
            if c.endswith(suffix):
                return names.get(c.removesuffix(suffix), c.removesuffix(suffix)), short
        return ("", c) if c == "posed" else (names.get(c, c), "label")

    out = table.copy()
    out.columns = pd.MultiIndex.from_tuples([column(c) for c in table.columns])
    return out


def peer_table(accuracies: dict[str, float], column: str = "accuracy") -> pd.DataFrame:
    """Accuracies by method, best first."""
    return pd.Series(accuracies, name=column).sort_values(ascending=False).to_frame()


def comparison_table(records: dict[str, TrainingRecord]) -> pd.DataFrame:
    """Trainings side by side: test accuracy, balanced accuracy, macro F1, epochs run, best epoch, how each stopped."""
    rows = {}
    for label, r in records.items():
        rows[label] = {"test accuracy": r.test.accuracy, "balanced accuracy": r.test.balanced_accuracy, "macro F1": r.test.macro_f1,
                       "classes predicted": r.test.n_predicted_classes, "epochs run": r.training.epochs_run,
                       "best epoch": r.training.best_epoch, "status": words.status(r.stop_status)}
    return pd.DataFrame(rows).T.infer_objects()  # numbers stay numbers (rounded by `styled`), not objects


def recall_table(records: dict[str, TrainingRecord]) -> pd.DataFrame:
    """Test recall per class (rows) for each training (columns), with each class's share of the test faces."""
    first = next(iter(records.values()))
    support = pd.Series({c: v["support"] for c, v in first.test.per_class.items()})
    table = pd.DataFrame({label: {c: v["recall"] for c, v in r.test.per_class.items()} for label, r in records.items()})
    table.insert(0, "share of test faces", support / support.sum())
    return table


def fold_number(r: TrainingRecord) -> int:
    """The fold a subject-fold training tested on, from its split protocol ``subject-fold-K``."""
    k = registry.fold_of(r.data.split_protocol)
    if k is None:
        raise ValueError(f"training {r.name!r} has split {r.data.split_protocol!r}, not a subject fold ({registry.FOLD_SPLIT_FORM})")
    return k


FOLD_COLUMNS = ["fold", "test faces", "test accuracy", "balanced accuracy", "classes predicted", "best epoch", "epochs run", "status"]


def fold_table(records: list[TrainingRecord]) -> pd.DataFrame:
    """One row per subject-independent fold (numbered as planned): test faces, accuracy, balanced
    accuracy, classes predicted, best epoch, epochs run, status."""
    return pd.DataFrame([{"fold": fold_number(r), "test faces": r.test.n, "test accuracy": r.test.accuracy, "balanced accuracy": r.test.balanced_accuracy,
                          "classes predicted": r.test.n_predicted_classes, "best epoch": r.training.best_epoch,
                          "epochs run": r.training.epochs_run, "status": words.status(r.stop_status)} for r in records], columns=FOLD_COLUMNS).set_index("fold")


SEED_COLUMNS = ["seed", "test faces", "test accuracy", "balanced accuracy", "best epoch", "epochs run", "status"]


def seed_table(records: list[TrainingRecord]) -> pd.DataFrame:
    """One row per seed of the same split protocol: test faces, accuracy, balanced accuracy, best epoch, epochs run, status."""
    return pd.DataFrame([{"seed": r.config["seed"], "test faces": r.test.n, "test accuracy": r.test.accuracy,
                          "balanced accuracy": r.test.balanced_accuracy, "best epoch": r.training.best_epoch,
                          "epochs run": r.training.epochs_run, "status": words.status(r.stop_status)} for r in records],
                        columns=SEED_COLUMNS).set_index("seed")


def accuracy_by_group(y_true: np.ndarray, y_pred: np.ndarray, groups: np.ndarray, class_names: tuple[str, ...]) -> pd.DataFrame:
    """Test faces and accuracy per group (e.g. FERGIT's origin: FER-2013 or muxspace), and overall, each
    with the accuracy's 95% Wilson interval (``ci low``, ``ci high``) and its largest class and that
    class's share (what always answering it would score)."""
    from fer_lib.report.stats import wilson_interval

    rows = {}
    for g, mask in [(g, groups == g) for g in sorted(set(groups.tolist()))] + [("all", np.ones(len(y_true), bool))]:
        counts = np.bincount(y_true[mask], minlength=len(class_names))
        right = int(np.sum(y_true[mask] == y_pred[mask]))
        low, high = wilson_interval(right, int(mask.sum()))
        rows[g] = {"test faces": int(mask.sum()), "accuracy": right / mask.sum(), "ci low": low, "ci high": high,
                   "largest class": class_names[int(counts.argmax())], "its share": float(counts.max() / mask.sum())}
    return pd.DataFrame(rows).T.astype({"test faces": int, "accuracy": float, "ci low": float, "ci high": float, "its share": float})
