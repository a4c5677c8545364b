"""How sure a number is: intervals for accuracies measured on a finite test set."""

from __future__ import annotations

from scipy.stats import binomtest


def wilson_interval(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of a proportion of ``k`` in ``n`` (scipy's ``binomtest``)."""
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"a proportion needs 0 <= k <= n and n > 0, got k={k}, n={n}")
    ci = binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    return float(ci.low), float(ci.high)


def accuracy_interval(accuracy: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """The Wilson interval of an accuracy measured on ``n`` faces."""
    return wilson_interval(round(accuracy * n), n, level)


def interval_text(accuracy: float, n: int) -> str:
    """``59.4% (95% CI 57.5-61.3%)``: an accuracy with its 95% Wilson interval."""
    return ci_text(accuracy, *accuracy_interval(accuracy, n))


def paired_difference_interval(both: int, a_only: int, b_only: int, n: int, level: float = 0.95) -> tuple[float, float, float]:
    """Accuracy of classifier A minus B on the same ``n`` faces, with Newcombe's (1998) score
    interval for paired proportions (his method 10, square-and-add): each accuracy's Wilson
    interval, combined through the correlation of the two classifiers' right answers (with
    Newcombe's continuity correction of the correlation). ``both``, ``a_only`` and
    ``b_only`` count the faces both, only A and only B got right. Returns (difference, low, high)."""
    import math

    neither = n - both - a_only - b_only
    if n <= 0 or min(both, a_only, b_only, neither) < 0:
        raise ValueError(f"paired counts must be non-negative and add up to at most n={n}: both={both}, a_only={a_only}, b_only={b_only}")
    p1, p2 = (both + a_only) / n, (both + b_only) / n
    (l1, u1), (l2, u2) = wilson_interval(both + a_only, n, level), wilson_interval(both + b_only, n, level)
    margins = (both + a_only) * (b_only + neither) * (both + b_only) * (a_only + neither)
    cross = both * neither - a_only * b_only
    phi = 0.0 if not margins or 0 <= cross <= n / 2 else (cross - n / 2 if cross > 0 else cross) / math.sqrt(margins)
    below = math.sqrt(max((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0.0))
    above = math.sqrt(max((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2, 0.0))
    return p1 - p2, p1 - p2 - below, p1 - p2 + above


def mcnemar(right_a, right_b) -> dict:
    """The exact McNemar test of two classifiers on the same faces: of the faces exactly one
    of them got right (``a_only``, ``b_only``), is the split further from even than chance
    allows? Returns the counts and the two-sided p-value (scipy's exact binomial test)."""
    import numpy as np

    a, b = np.asarray(right_a, bool), np.asarray(right_b, bool)
    if a.shape != b.shape:
        raise ValueError(f"McNemar needs both classifiers on the same faces, got {a.shape} and {b.shape}")
    a_only, b_only = int((a & ~b).sum()), int((~a & b).sum())
    p = 1.0 if a_only + b_only == 0 else float(binomtest(a_only, a_only + b_only, 0.5).pvalue)
    return {"n": int(a.size), "a_only": a_only, "b_only": b_only, "p": p}


def precision_interval(confusion, c: int, level: float = 0.95) -> tuple[float, float]:
    """The Wilson interval of class ``c``'s precision: of the faces predicted ``c`` (column ``c``
    of a confusion matrix with true classes in rows), the share that are ``c``."""
    import numpy as np

    cm = np.asarray(confusion, dtype=int)
    return wilson_interval(int(cm[c, c]), int(cm[:, c].sum()), level)


def precision_intervals(confusion, classes) -> dict:
    """Each class's precision interval (:func:`precision_interval`), None for a class never predicted."""
    import numpy as np

    cm = np.asarray(confusion, dtype=int)
    return {c: precision_interval(cm, i) if cm[:, i].sum() else None for i, c in enumerate(classes)}


def ci_range(lo: float, hi: float) -> str:
    """``57.5-61.3%``: the ends of an interval of a share."""
    return f"{lo * 100:.1f}-{hi:.1%}"


def ci_text(value: float, lo: float, hi: float, what: str = "") -> str:
    """``59.4% (95% CI 57.5-61.3%)``, or with ``what="macro"`` ``59.4% macro (95% CI 57.5-61.3%)``: a share with its 95% interval."""
    return f"{value:.1%}{' ' + what if what else ''} (95% CI {ci_range(lo, hi)})"


def f1_scores(confusion) -> tuple:
    """Macro and weighted F1 of confusion matrices (true classes in rows), one or a stack of them;
    a class never predicted nor present scores 0, as in scikit-learn."""
    import numpy as np

    cm = np.asarray(confusion, dtype=float)
    tp, predicted, true = np.diagonal(cm, axis1=-2, axis2=-1), cm.sum(-2), cm.sum(-1)
    f1 = np.divide(2 * tp, predicted + true, out=np.zeros_like(tp), where=predicted + true > 0)
    return f1.mean(-1), (f1 * true).sum(-1) / true.sum(-1)


def f1_intervals(confusion, level: float = 0.95, resamples: int = 2000, seed: int = 0) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap intervals of the macro and weighted F1: the test faces resampled
    with replacement (a multinomial draw over the confusion matrix's cells), seeded."""
    import numpy as np

    cm = np.asarray(confusion, dtype=int)
    n = int(cm.sum())
    if n <= 0:
        raise ValueError("an F1 interval needs a confusion matrix with at least one face")
    draws = np.random.default_rng(seed).multinomial(n, cm.ravel() / n, size=resamples).reshape(resamples, *cm.shape)
    tail = (1 - level) / 2 * 100
    return {name: tuple(float(v) for v in np.percentile(scores, [tail, 100 - tail]))
            for name, scores in zip(("macro", "weighted"), f1_scores(draws))}


def balanced_accuracy(y, pred, n_classes: int) -> float:
    """The mean of the per-class recalls over the classes present in ``y``."""
    import numpy as np

    y, pred = np.asarray(y), np.asarray(pred)
    support = np.bincount(y, minlength=n_classes)
    right = np.bincount(y[pred == y], minlength=n_classes)
    return float((right[support > 0] / support[support > 0]).mean())


def paired_balanced_difference(y, pred_a, pred_b, n_classes: int, level: float = 0.95, resamples: int = 2000,
                               seed: int = 0) -> tuple[float, float, float]:
    """The balanced accuracy of predictions ``pred_a`` minus that of ``pred_b`` on the same faces ``y``,
    with a percentile bootstrap interval: the faces resampled with replacement (the same draw for
    both, so the interval is paired), seeded."""
    import numpy as np

    y, pred_a, pred_b = np.asarray(y), np.asarray(pred_a), np.asarray(pred_b)
    n = len(y)
    if n == 0:
        raise ValueError("a balanced-accuracy interval needs at least one face")
    counts = np.random.default_rng(seed).multinomial(n, np.full(n, 1 / n), size=resamples)  # how often each face is drawn
    of_class = np.eye(n_classes)[y]  # n x classes
    support = counts @ of_class

    def balanced(pred):
        recall = np.divide(counts @ (of_class * (pred == y)[:, None]), support, out=np.full(support.shape, np.nan), where=support > 0)
        return np.nanmean(recall, axis=1)

    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(balanced(pred_a) - balanced(pred_b), [tail, 100 - tail])
    return balanced_accuracy(y, pred_a, n_classes) - balanced_accuracy(y, pred_b, n_classes), float(lo), float(hi)
