"""Test-set metrics as the paper reports them: accuracy, loss, per-class precision,
recall and F1 (scikit-learn's classification report) and the confusion matrix."""

from __future__ import annotations

import keras
import numpy as np
from sklearn.metrics import classification_report, confusion_matrix, log_loss

from fer_lib.model.preprocess import preprocess


def predict_proba(model: keras.Model, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Class probabilities (N x classes) for uint8 faces."""
    return np.asarray(model.predict(preprocess(images), batch_size=batch_size, verbose=0), dtype=np.float64)


def evaluate(model: keras.Model, images: np.ndarray, labels: np.ndarray, class_names: tuple[str, ...], batch_size: int = 256) -> dict:
    """Accuracy, cross-entropy loss, per-class report and confusion matrix of ``model`` on a set."""
    if len(labels) == 0:
        raise ValueError("cannot evaluate on an empty set")
    return metrics_from_proba(predict_proba(model, images, batch_size), labels, class_names)


def metrics_from_proba(proba: np.ndarray, labels: np.ndarray, class_names: tuple[str, ...]) -> dict:
    """The metrics of class probabilities ``proba`` (N x classes) against true ``labels``:
    accuracy, balanced accuracy, cross-entropy, per-class precision/recall/F1/support,
    macro and weighted F1, the confusion matrix (rows: true, columns: predicted) and how
    many classes the predictions fall in, and each face's predicted class (:func:`encode_predictions`)."""
    labels = np.asarray(labels)
    if len(labels) == 0:
        raise ValueError("cannot evaluate on an empty set")
    proba = np.clip(np.asarray(proba, np.float64), 1e-7, 1.0)
    proba = proba / proba.sum(axis=1, keepdims=True)  # float32/bfloat16 softmax rows can miss 1 by ~1e-7
    pred = proba.argmax(1)
    k = range(len(class_names))
    report = classification_report(labels, pred, labels=list(k), target_names=list(class_names), output_dict=True, zero_division=0)
    return {
        "n": int(len(labels)),
        "accuracy": float(np.mean(pred == labels)),
        "balanced_accuracy": float(report["macro avg"]["recall"]),
        "loss": float(log_loss(labels, proba, labels=list(k))),
        "per_class": {name: {m: float(report[name][m]) for m in ("precision", "recall", "f1-score", "support")} for name in class_names},
        "macro_f1": float(report["macro avg"]["f1-score"]),
        "weighted_f1": float(report["weighted avg"]["f1-score"]),
        "confusion_matrix": confusion_matrix(labels, pred, labels=list(k)).tolist(),
        "n_predicted_classes": int(len(np.unique(pred))),
        "predictions": encode_predictions(pred, len(class_names)),
    }


def encode_predictions(pred: np.ndarray, n_classes: int) -> str | None:
    """Predicted class indices as one digit a face, in the faces' order ("3051..."), so that a
    record can be compared face by face with another without its network; None beyond 10 classes."""
    return "".join(map(str, np.asarray(pred, int).tolist())) if n_classes <= 10 else None


def decode_predictions(text: str, n_classes: int) -> np.ndarray:
    """The class indices :func:`encode_predictions` wrote; a ValueError names the first character that is not one."""
    pred = np.fromiter(map(ord, text), np.int64, len(text)) - ord("0")
    bad = np.flatnonzero((pred < 0) | (pred >= n_classes))
    if bad.size:
        raise ValueError(f"{text[bad[0]]!r} at face {bad[0]} is not a class index 0-{n_classes - 1}")
    return pred
