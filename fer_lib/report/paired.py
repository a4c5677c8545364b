"""Two networks on the same test faces: is their difference real (McNemar's exact test), and
what does each score without the test faces that have an identical copy in training?"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from fer_lib.data.audit import leaked_test_faces
from fer_lib.data.faceset import FaceSet
from fer_lib.data.splits import Split
from fer_lib.pipeline import registry
from fer_lib.pipeline.records import TrainingRecord, read_page
from fer_lib.report.claims import pp
from fer_lib.report.stats import balanced_accuracy, interval_text, mcnemar, paired_balanced_difference, paired_difference_interval


def same_network_faces(n: int) -> float:
    """On how many of ``n`` test faces a network may differ from its record and still be that training's.
    Run on other kernels than its record's (a float32 copy of a bfloat16 network; oneDNN's kernels, or another
    CPU kind's bfloat16 rounding) it may flip a face or two, or a few in a thousand: 3 of 2,478 for the
    reference residual CNN, recorded on a bfloat16-native CPU and rerun with oneDNN on an AVX2-only one.
    Another network or other test faces differ on many more."""
    return max(2.5, 0.00225 * n)


def paired_comparison(runs: dict[str, tuple[TrainingRecord, object | None]], faces: FaceSet, split: Split) -> dict:
    """``runs`` maps a label to (training record, its network); the first two are compared. A
    network of None: the record's own per-face test predictions stand for it (:func:`recorded_predictions`).

    Each network's accuracy on these test faces must be the one its record holds (else the
    network is not that training's: a ValueError). Returns the number of test faces, those
    without a copy in training or validation (``n_clean``), each network's accuracy on all
    and on the clean ones, where each one's answers came from (``answers``: "record" or "network")
    McNemar's test of the first against the second, and each one's balanced accuracy with the first's
    minus the second's and its paired bootstrap interval (``balanced_difference``: difference, low, high)."""
    from fer_lib.train.evaluate import predict_proba

    y = faces.labels[split.test]
    clean = ~np.isin(split.test, leaked_test_faces(faces.images, split))
    right, preds = {}, {}
    for label, (record, model) in runs.items():
        pred = recorded_predictions(record, split) if model is None else predict_proba(model, faces.images[split.test]).argmax(1)
        if pred is None:
            raise ValueError(f"{label}: neither a network nor per-face test predictions for these {len(y):,} test faces")
        right[label], preds[label] = pred == y, pred
        if abs(right[label].mean() - record.test.accuracy) * len(y) > same_network_faces(len(y)):
            source = "network" if model is not None else "record's per-face predictions"
            raise ValueError(f"{label}: its {source} score {right[label].mean():.4f} on these test faces, its record {record.test.accuracy:.4f}: "
                             "not the network of that training, or not its test faces")
    (a, ra), (b, rb) = list(right.items())[:2]
    k = int(max(y.max(initial=0), *(p.max(initial=0) for p in preds.values()))) + 1  # classes absent from y do not count
    return {"labels": [a, b], "n": int(len(y)), "n_clean": int(clean.sum()),
            "epochs": {label: int(record.training.epochs_run) for label, (record, _) in runs.items()},
            "answers": {label: "network" if model is not None else "record" for label, (_, model) in runs.items()},
            "accuracy": {k: float(v.mean()) for k, v in right.items()},
            "clean_accuracy": {k: float(v[clean].mean()) if clean.any() else None for k, v in right.items()},
            "mcnemar": mcnemar(ra, rb),
            "balanced_accuracy": {label: balanced_accuracy(y, p, k) for label, p in preds.items()},
            "balanced_difference": list(paired_balanced_difference(y, preds[a], preds[b], k))}


def recorded_predictions(record: TrainingRecord, split: Split) -> np.ndarray | None:
    """Each test face's predicted class as the training's record holds it, when the record holds
    them for this very split (same split hash and number of test faces); else None."""
    from fer_lib.pipeline.experiment import split_sha256
    from fer_lib.train.evaluate import decode_predictions

    test = record.test
    if test is None or test.predictions is None or test.n != len(split.test) or record.data.split_sha256 != split_sha256(split):
        return None
    where = f"training {record.name}, test.predictions"
    if len(test.predictions) != test.n:
        raise ValueError(f"{where}: {len(test.predictions):,} predictions for {test.n:,} test faces (a damaged record)")
    try:
        return decode_predictions(test.predictions, len(record.data.classes))
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def compare_trainings(run_dir: str | Path, faces: FaceSet, split: Split, pairs: dict[str, tuple[registry.Entry, TrainingRecord]]) -> dict | str:
    """:func:`paired_comparison` of the trainings' per-face test predictions, from each one's record
    where it holds them, else from its exported network; when neither is there (the run folder and
    ``models/`` lack the network of an older record), a sentence that says which."""
    from fer_lib.model.files import ModelNotFound
    from fer_lib.pipeline import trainings

    nets = {}
    for label, (entry, record) in pairs.items():
        if recorded_predictions(record, split) is not None:
            nets[label] = (record, None)
            continue
        try:
            nets[label] = (record, trainings.network(entry, run_dir))
        except ModelNotFound:
            return (f"{entry.title}: its network is in neither this run folder nor `models/`, and its record holds no per-face test "
                    "predictions, so the two cannot be compared face by face.")
    return paired_comparison(nets, faces, split)


def paired_sentence(result: dict | str) -> str:
    """The comparison in words: who alone was right how often, the p-value, and the leak-free accuracies
    (a sentence from :func:`compare_trainings` saying why there is no comparison is returned as it is)."""
    if isinstance(result, str):
        return result
    a, b = result["labels"]
    m = result["mcnemar"]
    verdict = "a difference chance alone rarely gives (p < 0.05)" if m["p"] < 0.05 else "**not significant** at the 5% level"
    n_leaked = result["n"] - result["n_clean"]
    if not n_leaked:
        leak = "No test face has an identical copy in training or validation."
    elif not result["n_clean"]:
        leak = "Every test face has an identical copy in training or validation."
    else:
        clean = "; ".join(f"the {k} {interval_text(v, result['n_clean'])}" for k, v in result["clean_accuracy"].items())
        leaked = "the 1 test face that has" if n_leaked == 1 else f"the {n_leaked:,} test faces that have"
        leak = f"Without {leaked} an identical copy in training or validation, on the other {result['n_clean']:,}: {clean}."
    epochs = result.get("epochs", {})
    budget = (f" The two trained for different numbers of epochs ({epochs[a]} and {epochs[b]}), so this compares budgets as much as networks."
              if epochs and epochs.get(a) != epochs.get(b) else "")
    diff, lo, hi = difference_interval(result)
    balanced = ""
    if "balanced_difference" in result:  # comparisons stored before it was computed lack it
        d, blo, bhi = result["balanced_difference"]
        balanced = (f" In balanced accuracy (the mean of the per-class recalls) the {a} minus the {b} is {pp(d)}, 95% CI {span(blo, bhi)} "
                    "(a bootstrap of the same test faces for both).")
    return (f"On the same {result['n']:,} test faces, only the {a} was right on {m['a_only']:,} and only the {b} on {m['b_only']:,}: "
            f"McNemar's exact test gives p = {m['p']:.2g}, {verdict}. The {a} minus the {b} is {pp(diff)}, 95% CI "
            f"{span(lo, hi)} (Newcombe's interval for paired proportions).{balanced}{budget} {leak}")


def span(lo: float, hi: float) -> str:
    """``-2.1 to +0.7 pp``: the ends of an interval of a difference, signed."""
    return f"{lo * 100:+.1f} to {pp(hi)}"


class Gain(NamedTuple):
    """The residual-minus-basic test accuracy with its 95% interval over ``n`` test faces; ``p``,
    McNemar's, when the interval is paired over the same faces (None when unpaired)."""

    diff: float
    low: float
    high: float
    n: int
    p: float | None


def difference_interval(result: dict) -> tuple[float, float, float]:
    """The first network's accuracy minus the second's on the compared faces, with Newcombe's paired 95% interval."""
    m, (a, b) = result["mcnemar"], result["labels"]
    right = {k: round(result["accuracy"][k] * m["n"]) for k in (a, b)}
    both = right[a] - m["a_only"]  # right by the first, less those it alone got right
    if both + m["b_only"] != right[b]:
        raise ValueError(f"paired comparison: {a} right on {right[a]} faces, {m['a_only']} of them alone, and {b} right on {right[b]}, "
                         f"{m['b_only']} alone: the counts do not add up")
    return paired_difference_interval(both, m["a_only"], m["b_only"], m["n"])


def gain_interval(run_dir: str | Path, res: TrainingRecord, basic: TrainingRecord) -> Gain:
    """The residual-minus-basic test accuracy with a 95% interval: paired over the same test faces
    (Newcombe's, from the face-by-face comparison the residual page stored for these very trainings),
    else unpaired, the two accuracies taken as independent (wider: the networks agree on most faces).
    A stored comparison whose counts do not add up is a damaged record: a ValueError names it."""
    found = stored(run_dir)
    if of_these(found, res, basic) and found["labels"] == [registry.label(res.name), registry.label(basic.name)]:
        return Gain(*difference_interval(found), n=found["n"], p=found["mcnemar"]["p"])
    diff = res.test.accuracy - basic.test.accuracy
    se = float(np.sqrt(sum(t.test.accuracy * (1 - t.test.accuracy) / t.test.n for t in (res, basic))))
    return Gain(diff, diff - 1.96 * se, diff + 1.96 * se, n=res.test.n, p=None)


def gain_text(g: Gain) -> str:
    """:func:`gain_interval`'s result in words, with McNemar's p when the interval is paired."""
    ci = f"{pp(g.diff)} (95% CI {span(g.low, g.high)}"
    if g.p is None:
        return ci + ", unpaired: the two networks' test results taken as independent)"
    return ci + f", paired over the same {g.n:,} test faces); McNemar's exact test, p = {g.p:.2g}"


def stored(run_dir: str | Path) -> dict | None:
    """The residual page's stored comparison of the two FERGIT networks, when that page ran."""
    page = read_page(run_dir, registry.RESIDUAL.page)
    return page.values.get("paired") if page is not None else None


def of_these(paired: dict | None, *records: TrainingRecord) -> bool:
    """Whether a stored comparison is of these very trainings: the same number of test faces, the
    same epochs run, and each network right on as many faces as its record says, to a few faces (:func:`same_network_faces`)
    :func:`paired_comparison` allows a float32 copy."""
    return bool(paired) and all(_holds(paired, registry.label(t.name), t) for t in records)


def _holds(paired: dict, label: str, t: TrainingRecord) -> bool:
    """Whether a stored comparison's network ``label`` is training ``t``'s (see :func:`of_these`)."""
    return (paired.get("n") == t.test.n and paired.get("epochs", {}).get(label) == t.training.epochs_run
            and (acc := paired.get("accuracy", {}).get(label)) is not None and abs(acc - t.test.accuracy) * t.test.n <= same_network_faces(t.test.n))


def stored_pair(run_dir: str | Path, page: str, first: TrainingRecord, second: TrainingRecord) -> dict | None:
    """Page ``page``'s stored comparison (``values.paired``) when it compared ``first`` against ``second``,
    in that order, under whatever labels the page gave them; else None."""
    record = read_page(run_dir, page)
    found = record.values.get("paired") if record is not None else None
    if not found or len(found.get("labels", [])) != 2:
        return None
    return found if all(_holds(found, label, t) for label, t in zip(found["labels"], (first, second))) else None


def leak_free_accuracy(paired: dict, label: str) -> float | None:
    """A network's accuracy without the test faces that have a copy in training or validation;
    None when there are no such copies (the accuracy is the same) or no other faces."""
    if not 0 < paired.get("n_clean", 0) < paired.get("n", 0):
        return None
    return paired.get("clean_accuracy", {}).get(label)
