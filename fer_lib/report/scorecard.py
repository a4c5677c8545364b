"""The scorecard: each number of the paper beside ours, read from a run folder's typed records.

One row per number in :data:`fer_lib.paper.PAPER_NUMBERS`: the paper's value, ours
(the mean over run folders when there are several seeds), the difference, the protocol
behind ours and a reason, specific to the row and read from the records that produced
it, why the two differ. A number whose training or page has not run in the folder is
left empty and says so; a record that does not match its schema stops with an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from fer_lib.paper import PAPER, PAPER_DEVICE, PAPER_EPOCHS, PAPER_NUMBERS, PAPER_POSED_ERROR, total_time_note
from fer_lib.pipeline import registry
from fer_lib.pipeline.records import PageRecord, TrainingRecord, read_ck_seeds, read_folds, read_page, read_training, read_trainings
from fer_lib.report import claims, paired, words
from fer_lib.report.claims import pp, share
from fer_lib.report.stats import ci_text, f1_intervals, interval_text, precision_intervals

SYNTHETIC = "Synthetic faces: shows that the pipeline runs; not comparable to the paper."
NOT_COMPARED = "synthetic stand-in"  # the difference cell of a number from synthetic faces


@dataclass
class RunView:
    """The records of one run folder, read once each."""

    run_dir: Path
    _trainings: dict = field(default_factory=dict)
    _pages: dict = field(default_factory=dict)

    def training(self, name: str) -> TrainingRecord | None:
        if name not in self._trainings:
            self._trainings[name] = read_training(self.run_dir, name)
        return self._trainings[name]

    def page(self, page: str) -> PageRecord | None:
        if page not in self._pages:
            self._pages[page] = read_page(self.run_dir, page)
        return self._pages[page]


# ---- reading one number -------------------------------------------------------------

def best_row(r: TrainingRecord) -> dict:
    """The history row of the best epoch (the exported network's)."""
    return r.history[r.training.best_epoch - 1] if r.training.best_epoch else {}


def minutes_per_epoch(r: TrainingRecord) -> float | None:
    times = [h["epoch_time_s"] for h in r.history if "epoch_time_s" in h]
    return float(np.median(times)) / 60 if times else None


def ran_the_paper_epochs(r: TrainingRecord) -> bool:
    """Whether a training ran all of the paper's epochs, so its time is measured, not extrapolated."""
    return r.finished and r.training.epochs_run >= PAPER_EPOCHS and bool(r.training.train_wall_s)


HOW_TIMED = f"measured where a training ran its {PAPER_EPOCHS} epochs, else its median epoch times {PAPER_EPOCHS}"  # minutes_for_100


def how_timed(records: list[TrainingRecord]) -> str:
    """How :func:`minutes_for_100` timed these trainings: the general rule only when they mix both ways."""
    if not records:
        raise ValueError("how_timed needs at least one training")
    ran = [ran_the_paper_epochs(r) for r in records]
    if all(ran):
        return f"measured over their {PAPER_EPOCHS} epochs"
    return f"their median epoch times {PAPER_EPOCHS}" if not any(ran) else HOW_TIMED


def minutes_for_100(r: TrainingRecord) -> float | None:
    """The training minutes of the paper's 100 epochs: measured when the training ran them all,
    else the median epoch times 100."""
    if ran_the_paper_epochs(r):
        return r.training.train_wall_s / 60
    m = minutes_per_epoch(r)
    return None if m is None else m * PAPER_EPOCHS


def _test(name: str, read: Callable) -> Callable:
    return lambda v: (read(t), t) if (t := v.training(name)) is not None and t.test is not None else None


def _training(name: str, read: Callable) -> Callable:
    return lambda v: (read(t), t) if (t := v.training(name)) is not None else None


RESIDUAL, BASIC, CK_RANDOM = registry.RESIDUAL.name, registry.BASIC.name, registry.CK_RANDOM.name


def _gain(v: RunView):
    res, basic = v.training(RESIDUAL), v.training(BASIC)
    if res is None or basic is None or res.test is None or basic.test is None:
        return None
    return res.test.accuracy - basic.test.accuracy, res


TOTAL_PARTS = (BASIC, RESIDUAL, CK_RANDOM)  # the trainings the paper's total time covers


def _total(v: RunView):
    parts = [v.training(n) for n in TOTAL_PARTS]
    minutes = [minutes_for_100(p) for p in parts if p is not None]
    if len(minutes) < len(parts) or None in minutes:  # a part missing or untimed: no total
        return None
    return sum(minutes), parts[1]


def _posed(key: str) -> Callable:
    def read(v: RunView):
        page = v.page("06_posed_images")
        if page is None or page.values.get(key) is None:
            return None
        return page.value(key), page
    return read


def _page_value(page: str, key: str) -> Callable:
    return lambda v: (p.value(key), p) if (p := v.page(page)) is not None else None


def _min_precision(t: TrainingRecord) -> float:
    return min(c["precision"] for c in t.test.per_class.values())


READERS: dict[str, Callable[[RunView], tuple | None]] = {
    "fergit_faces": _page_value("01_data_exploration", "n_faces"),
    "fergit_train": _training(RESIDUAL, lambda t: t.data.split_sizes["train"]),
    "fergit_val": _training(RESIDUAL, lambda t: t.data.split_sizes["val"]),
    "fergit_test": _training(RESIDUAL, lambda t: t.data.split_sizes["test"]),
    "posed_right": _posed("n_right"),
    "posed_confidence": _posed("confidence_right"),
    "posed_wrong_confidence": _posed("confidence_wrong"),
    "residual_gain": _gain,
    "total_run_time_min": _total,
    "ckplus_test_accuracy": _test(CK_RANDOM, lambda t: t.test.accuracy),
    "ckplus_run_time_min": _training(CK_RANDOM, minutes_for_100),
}
for net in (n.name for n in registry.FERGIT_NETWORKS):  # the paper's keys are "<network>_...", as the trainings are named
    READERS |= {
        f"{net}_test_accuracy": _test(net, lambda t: t.test.accuracy),
        f"{net}_train_accuracy": _training(net, lambda t: best_row(t).get("accuracy")),
        f"{net}_val_accuracy": _training(net, lambda t: t.val.accuracy if t.val else None),
        f"{net}_train_loss": _training(net, lambda t: best_row(t).get("loss")),
        f"{net}_val_loss": _training(net, lambda t: t.val.loss if t.val else None),
        f"{net}_test_loss": _test(net, lambda t: t.test.loss),
        f"{net}_f1": _test(net, lambda t: t.test.macro_f1),
        f"{net}_happy_recall": _test(net, lambda t: t.test.per_class["happy"]["recall"]),
        f"{net}_fear_recall": _test(net, lambda t: t.test.per_class["fear"]["recall"]),
        f"{net}_min_precision": _test(net, _min_precision),
        f"{net}_run_time_min": _training(net, minutes_for_100),
    }


# ---- protocol and reason ------------------------------------------------------------



def device(t: TrainingRecord) -> str:
    """The device(s) a training's sessions ran on."""
    return words.join([words.device(d) for d in t.session_devices()])


def protocol(t: TrainingRecord) -> str:
    """Data, split, epochs run of planned, batch, precision, seed and device of a training."""
    c, d = t.config, t.data
    split = words.split(d.split_protocol)
    held = f", {len(d.holdout)} faces held out" if d.holdout else ""
    return (f"{words.dataset(t.params.get('dataset'))}, {split}{held}; {t.training.epochs_run}/{c['epochs']} epochs ({words.status(t.stop_status)}), "
            f"batch {c['batch_size']}{words.recipe_departures(c)}, {words.precision(c['precision'])}, seed {c['seed']}; {device(t)}")


def budget(t: TrainingRecord, full: bool = False) -> str:
    """Epochs run of the paper's, and the best epoch; ``full`` adds how the training stopped, said once per training
    (its test accuracy's row): the protocol column beside every row already gives its status."""
    if full:  # how it stopped gives the epochs run
        stopped = t.how_it_stopped
        return f"{stopped[0].upper()}{stopped[1:]}, best epoch {t.training.best_epoch}"
    return f"{t.training.epochs_run} of the paper's {PAPER_EPOCHS} epochs, best epoch {t.training.best_epoch}"


def _class_share(t: TrainingRecord, cls: str) -> float:
    support = {k: v["support"] for k, v in t.test.per_class.items()}
    return support[cls] / max(sum(support.values()), 1)


def _top_confusion(t: TrainingRecord, cls: str) -> str:
    classes = list(t.test.per_class)
    row = np.asarray(t.test.confusion_matrix[classes.index(cls)], float)
    row[classes.index(cls)] = -1
    j = int(row.argmax())
    total = sum(t.test.confusion_matrix[classes.index(cls)])
    return f"{classes[j]} ({row[j] / max(total, 1):.0%} of the {cls} faces)"


def _worst_precision(t: TrainingRecord) -> str:
    worst = min(t.test.per_class, key=lambda c: t.test.per_class[c]["precision"])
    return f"{budget(t)}; lowest for {worst} ({int(t.test.per_class[worst]['support'])} test faces)."


def _best(t: TrainingRecord) -> str:
    return f"the best epoch ({t.training.best_epoch} of {t.training.epochs_run})"


def _at_last(t: TrainingRecord, key: str) -> str:
    """``; 86.1% at the last epoch (100)``: the history's value at the last epoch run, when that is not the best
    (the paper's train and validation accuracies may be either: it does not say)."""
    if not t.history or t.training.best_epoch == len(t.history) or key not in t.history[-1]:
        return ""
    return f"; {t.history[-1][key]:.1%} at the last epoch ({len(t.history)})"


# (key suffix, reason) for the numbers read from one training, checked in this order
_TRAINING_REASONS = [
    ("run_time_min", lambda t: (f"Measured: the {t.training.epochs_run} epochs' training time on {device(t)}" if ran_the_paper_epochs(t) else
                                f"{minutes_per_epoch(t):.2f} min per epoch on {device(t)} (median of {t.training.epochs_run} epochs) times "
                                f"{PAPER_EPOCHS}: an extrapolation") + f"; the paper's {PAPER_EPOCHS} epochs ran on {PAPER_DEVICE}."),
    ("ckplus_test_accuracy", lambda t: f"{budget(t, full=True)}; random split of frames (the paper does not state its CK+ split; a random one, as for its FERGIT, is our reading): near-identical frames of one sequence fall on both sides."),
    ("train_accuracy", lambda t: f"Ours on {words.training_batches(t.config)}, at {_best(t)}{_at_last(t, 'accuracy')}; "
                                 f"the paper's {claims.paper_budget(t.name)}."),
    ("train_loss", lambda t: f"Class-weighted cross-entropy of the {words.training_batches(t.config)} at {_best(t)}, falling while training goes on."),
    ("val_accuracy", lambda t: f"The validation faces chose {_best(t)}, so unlike the test faces they are not independent of it"
                               f"{_at_last(t, 'val_accuracy')}."),
    ("val_loss", lambda t: f"Unweighted cross-entropy, on the {t.val.n:,} validation faces, of the network of {_best(t)}."),
    ("test_loss", lambda t: f"Unweighted cross-entropy on the {t.test.n:,} test faces; {budget(t)}."),
    ("happy_recall", lambda t: f"{budget(t)}; happy is the largest class, {_class_share(t, 'happy'):.0%} of our test faces."),
    ("fear_recall", lambda t: f"{budget(t)}; fear is most often taken for {_top_confusion(t, 'fear')}."),
    ("min_precision", _worst_precision),
    ("_f1", lambda t: f"{budget(t)}; the paper does not say which average its F1 is. The difference is from our macro average: a "
                      f"weighted F1 follows the accuracy (here {t.test.weighted_f1:.1%} against {t.test.accuracy:.1%}), so an F1 of 65% beside "
                      "the paper's 74-75% accuracy is most likely a macro one."),
]


def why(key: str, source, value) -> str:
    """Why our number for ``key`` differs from the paper's, read from the record behind it."""
    data = getattr(source, "data", None)
    if data is not None and data.synthetic:
        return SYNTHETIC
    if key.startswith("residual_params_"):
        kind = key.removeprefix("residual_params_").replace("_", "-")
        return f"The {kind} parameters counted from the model built layer by layer after Table 1: equal."
    if key == "fergit_faces":
        return "Our FERGIT is all of FER-2013 and muxspace minus contempt and one muxspace image its legend labels twice, differently; the paper's make-up is unpublished."
    if key.startswith("fergit_"):
        share = {"fergit_train": "90% training", "fergit_val": "5% validation", "fergit_test": "5% test"}[key]
        return f"The paper's {share} share of our {data.n:,} faces, stratified by class; the paper's total differs."
    if key.startswith("posed"):
        v = source.values
        held = words.held_out_count(v)
        elsewhere = v.get("heldout_without_network")
        held_text = (f"W{held[1:]}." if held is not None else
                     f"The training with the person held out ran {elsewhere[0]} of {elsewhere[1]} epochs, but its network is not in this run "
                     "folder, so it labels no photo here." if elsewhere else "The training with the person held out has not run yet.")
        return f"{v.get('n_photos')} photos of one person; {words.posed_overlap(v.get('posed_sides'), v.get('n_photos'))}. {held_text}"
    if key == "total_run_time_min":
        note = total_time_note()
        return (f"Ours: each training's {PAPER_EPOCHS} epochs on {device(source)}; the paper's on {PAPER_DEVICE}. "
                f"The paper's text gives {PAPER['total_run_time_min']} min" + (f"; {note}." if note else "."))
    t: TrainingRecord = source
    for suffix, reason in _TRAINING_REASONS:
        if key.endswith(suffix):
            return reason(t)
    return f"{budget(t, full=True)}; the paper's {claims.paper_budget(t.name)}."


def build_scorecard(run_dirs: list[str | Path]) -> pd.DataFrame:
    """One row per paper number: paper, ours (mean over run folders), sd, difference, unit, protocol, why."""
    from fer_lib.model.networks import build_model, parameter_counts  # Keras, only when a scorecard is built

    views = [RunView(Path(d)) for d in run_dirs]
    counted = parameter_counts(build_model("residual"))
    rows = []
    for entry in PAPER_NUMBERS:
        key = entry["key"]
        found = []
        if key.startswith("residual_params_"):
            found = [(counted[key.removeprefix("residual_params_")], None)]
        else:
            found = [got for v in views if (got := READERS[key](v)) is not None and got[0] is not None]
        synthetic = any(getattr(getattr(src, "data", None), "synthetic", False) for _, src in found)  # any of the folders averaged
        if synthetic and key.endswith("run_time_min"):  # minutes on a few thousand generated faces say nothing of a FERGIT epoch
            found = []
        values = [float(v) for v, _ in found]
        ours = float(np.mean(values)) if values else None
        source = found[0][1] if found else None
        if key == "residual_gain" and source is not None:
            proto = _gain_protocol(views)
        elif key == "total_run_time_min" and source is not None:
            view = next(v for v in views if v.training(RESIDUAL) is source)  # the folder the total came from
            proto = (f"the residual and basic CNNs on FERGIT and the residual CNN on CK+'s random split, each at its own pace "
                     f"({how_timed([view.training(n) for n in TOTAL_PARTS])}); {device(source)}")
        elif key.startswith("residual_params_"):
            proto = "fer_lib.model.networks.build_model('residual')"
        elif isinstance(source, TrainingRecord):
            proto = protocol(source)
        elif isinstance(source, PageRecord):
            proto = source.values.get("protocol", source.page)
        elif synthetic:
            proto = "synthetic faces"
        elif (posed := views[0].page("06_posed_images")) is not None and key.startswith("posed"):
            proto = posed.values.get("protocol", posed.page)
        else:
            proto = "not run in this run folder"
        ours_text = _ours_text(key, ours, source, views[0]) if len(values) == 1 else None
        rows.append({
            "key": key, "what": entry["what"], "paper": entry["value"], "paper_text": entry.get("paper_text"), "ours": ours, "ours_text": ours_text,
            "sd": float(np.std(values, ddof=1)) if len(values) > 1 else None, "synthetic": synthetic,
            # a number from synthetic faces stands in for the paper's, it is not compared with it
            "difference": (ours - entry["value"]) if ours is not None and entry["value"] is not None and not synthetic else None,
            "unit": entry["unit"], "paper's source": entry["where"], "our protocol": proto,
            "why they differ": (_gain_reason(views) if key == "residual_gain" else why(key, source, ours)) if found else _not_found(key, views, synthetic),
        })
    return pd.DataFrame(rows)


def _ours_text(key: str, ours: float, source, view: RunView) -> str | None:
    """One run's number as the scorecard shows it, with its uncertainty where it has one: a 95%
    Wilson interval for an accuracy or a recall (over the faces it was measured on), an interval
    and McNemar's p for the residual-minus-basic gap, F1 as both averages, the posed photos as "k of n"."""
    if key == "posed_right":
        return f"{ours:.0f} of {source.value('n_photos')}"
    if key in ("posed_confidence", "posed_wrong_confidence"):  # a mean over a handful of photos, set beside the paper's one example
        scored_wrong = [e for e in source.values.get("errors") or [] if e.get("probability") is not None]  # a photo without a face has none
        k = int(source.value("n_right")) if key == "posed_confidence" else len(scored_wrong)
        return f"{ours:.0%} (mean over the {k} photo{'s' if k != 1 else ''} labelled {'right' if key == 'posed_confidence' else 'wrong'})"
    if key == "residual_gain":
        return paired.gain_text(paired.gain_interval(view.run_dir, view.training(RESIDUAL), view.training(BASIC)))
    if not isinstance(source, TrainingRecord):
        return None
    if key.endswith("_f1"):  # the paper does not say which average its F1 is: both, each with its bootstrap interval
        ci = f1_intervals(source.test.confusion_matrix)
        return "; ".join(ci_text(v, *ci[k], what=k) for k, v in (("macro", source.test.macro_f1), ("weighted", source.test.weighted_f1)))
    if key.endswith("_min_precision"):  # its Wilson interval over the faces predicted as the class
        worst = min(source.test.per_class, key=lambda c: source.test.per_class[c]["precision"])
        ci = precision_intervals(source.test.confusion_matrix, source.test.per_class)[worst]
        return ci_text(ours, *ci) if ci else f"{ours:.1%} ({worst} never predicted)"
    n = (source.test.n if key.endswith("_test_accuracy") else source.val.n if key.endswith("_val_accuracy") and source.val else
         int(source.test.per_class[key.split("_")[-2]]["support"]) if key.endswith("_recall") else None)
    return interval_text(ours, n) if n else None


def _not_found(key: str, views: list[RunView], synthetic: bool) -> str:
    """Why a paper number has no counterpart in these run folders."""
    if synthetic:
        return "Synthetic faces: a training time on them is not extrapolated to the paper's 100 epochs."
    posed = next((p for v in views if key.startswith("posed") and (p := v.page("06_posed_images")) is not None), None)
    if posed is not None:
        return f"The posed-photo page ran on {posed.values.get('photos', 'photos')} without expression labels: nothing to score."
    return "Not run in this run folder."


def _pair(v: RunView):
    res, basic = v.training(RESIDUAL), v.training(BASIC)
    return (res, basic) if res is not None and basic is not None else None


def _gain_protocol(views: list[RunView]) -> str:
    res, basic = next(p for v in views if (p := _pair(v)) is not None)
    return f"residual: {protocol(res)} | basic: {basic.training.epochs_run}/{basic.config['epochs']} epochs"


def _gain_reason(views: list[RunView]) -> str:
    res, basic = next(p for v in views if (p := _pair(v)) is not None)
    if res.data.synthetic:
        return SYNTHETIC
    er, eb = res.training.epochs_run, basic.training.epochs_run
    same = res.data.split_sha256 == basic.data.split_sha256 and res.config["seed"] == basic.config["seed"]
    where = "on the same split and seed" if same else "on different splits or seeds"
    budgets = (f"Equal budgets: both networks ran {er} epochs {where}" if er == eb else
               f"Unequal budgets ({er} epochs for the residual, {eb} for the basic) {where}: not a fair comparison")
    return f"{budgets}; one seed: how far another seed would move the gap is not measured in this run."


def _records(run_dirs: list[str | Path]):
    """(run folder, training record) for every training of the folders."""
    for d in map(Path, run_dirs):
        for t in read_trainings(d):
            yield d, t


def describe_sources(run_dirs: list[str | Path]) -> str:
    """A Markdown admonition: which data and code the collected trainings come from (grouped), flagging synthetic data."""
    groups: dict[tuple, list[str]] = {}
    synthetic = False
    for d, t in _records(run_dirs):
        synthetic |= t.data.synthetic
        key = (d.name, t.data.source, t.data.sha256[:12], str(t.environment.get("git_commit")))
        groups.setdefault(key, []).append(t.name)
    lines = [f"- run folder `{run}`, {words.source(source)} (sha256 `{sha}`), code `{commit}`: {', '.join(names)}" for (run, source, sha, commit), names in groups.items()]
    head = ("**Synthetic data.** Some or all of the numbers below come from synthetic faces: they show that the "
            "pipeline works and are **not comparable** to the paper's.") if synthetic else "**Real data.**"
    body = "\n".join(lines) if lines else "- no trainings in this run folder"
    return f":::{{admonition}} Provenance of this page\n:class: {'warning' if synthetic else 'tip'}\n\n{head} Trainings read:\n\n{body}\n:::\n"


def coverage_sentence(card: pd.DataFrame) -> str:
    """How many of the paper's numbers the scorecard matches, and which of its rows set ours beside words, not a number."""
    numbered, ours = card["paper"].notna(), card["ours"].notna()
    n, matched = int(numbered.sum()), int((numbered & ours).sum())
    head = f"All {n} of the paper's numbers have" if matched == n else f"{matched} of the paper's {n} numbers {'has' if matched == 1 else 'have'}"
    worded = [w[0].lower() + w[1:] if w[1:2].islower() else w for w in card.loc[~numbered & ours, "what"]]  # "CK+ ..." keeps its case
    tail = (f"; {words.count(len(worded), 'more row', 'more rows')} ({words.join(worded)}) "
            f"{'sets' if len(worded) == 1 else 'set'} ours beside what the paper says without a number") if worded else ""
    return f"{head} a counterpart in this run{tail}."


def scorecard_reading(run_dirs: list[str | Path]) -> str:
    """How to read the scorecard's columns for these run folders: seeds, the difference, the times."""
    n = len(run_dirs)
    seeds = ("One seed ran." if n == 1 else f"{n} seeds ran; *ours* is the mean ± the standard deviation over seeds.")
    drawn = [t for t in read_ck_seeds(run_dirs[0]) if t.finished] if n == 1 else []
    if len(drawn) > 1:
        seeds = (f"One seed ran, but for the CK+ random split: its row gives seed {drawn[0].config['seed']}'s number, and over random splits "
                 f"drawn with each seed it gives {claims.spread_text(drawn)}.")
    if any(t.data.synthetic for _, t in _records(run_dirs)):
        return (f"{seeds} This run is on synthetic faces: its numbers stand in for the paper's to show the pipeline runs, so the "
                f"*difference* column says *{NOT_COMPARED}* instead of subtracting, and no training time is extrapolated.")
    return (f"{seeds} *Difference* is ours minus the paper's, in percentage points (pp) for shares. Training times compare the "
            f"paper's 100 epochs with ours: {HOW_TIMED}, on the device the protocol names.")


def _fmt(value, unit: str, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    sign = "+" if signed else ""
    if unit == "pp":  # a difference of accuracies, in percentage points
        return pp(value)
    if unit in ("accuracy", "recall", "precision", "F1", "probability"):
        return f"{value * 100:{sign}.1f}" + (" pp" if signed else "%")
    if unit in ("faces", "parameters"):
        return f"{value:{sign},.0f}"
    if unit == "minutes":
        return f"{value:{sign},.0f} min" if abs(value) >= 100 else f"{value:{sign}.1f} min"
    if unit == "photos":
        return f"{value:{sign}.0f}"
    return f"{value:{sign}.2f}"


def _paper_fmt(value, unit: str) -> str:
    """A number of the paper as precise as the paper gives it: ``74%``, ``73.7%``, ``+1 pp``, ``44 min``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if unit in ("accuracy", "recall", "precision", "F1", "probability"):
        return share(value)
    if unit == "pp":
        return f"{round(value * 100, 2):+g} pp"
    if unit == "minutes":
        return f"{value:g} min"
    if unit == "loss":  # the paper prints its losses with a percent sign ("0.48% on the train set"); read as plain cross-entropy
        return f"{value:g} (printed {value:g}%)"
    return _fmt(value, unit)


def display_table(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard written for reading: numbers in their units; the protocol behind ours and the reason they differ."""
    rows = []
    for r in card.to_dict("records"):
        ours = r.get("ours_text") if isinstance(r.get("ours_text"), str) else _fmt(r["ours"], r["unit"])
        if r["sd"] is not None and not pd.isna(r["sd"]) and ours:
            ours += f" ± {_fmt(r['sd'], r['unit']).rstrip('%')}"
        paper = r["paper_text"] if isinstance(r.get("paper_text"), str) else _paper_fmt(r["paper"], r["unit"])
        difference = NOT_COMPARED if r.get("synthetic") and ours else _fmt(r["difference"], r["unit"], signed=True)
        why = "" if r["why they differ"] == SYNTHETIC else r["why they differ"]  # the paragraph above the table says it once
        rows.append({"what": r["what"], "paper": paper, "ours": ours, "difference": difference, "our protocol": r["our protocol"], "why they differ": why})
    return pd.DataFrame(rows)


def styled_scorecard(shown: pd.DataFrame):
    """The display table as one HTML table that fits a page: the protocol (in italics) and the
    reason share the last column."""
    table = shown[["what", "paper", "ours", "difference"]].copy()
    protocols, reasons = list(shown["our protocol"]), list(shown["why they differ"])
    said = ["as in the row above" if i and p and p == protocols[i - 1] else p for i, p in enumerate(protocols)]
    why = ["the same reason as the row above" if i and w and w == reasons[i - 1] else w for i, w in enumerate(reasons)]
    table["our protocol, and why they differ"] = [f"<i>{p}</i>" + (f"<br>{w}" if w else "") for p, w in zip(said, why)]
    widths = {"what": "18%", "paper": "9%", "ours": "14%", "difference": "11%", "our protocol, and why they differ": "48%"}
    styles = [{"selector": f"th.col{i}, td.col{i}", "props": [("width", w)]} for i, w in enumerate(widths.values())]
    return table.style.hide(axis="index").set_table_styles(
        [{"selector": "", "props": [("table-layout", "fixed"), ("width", "100%")]},
         {"selector": "td, th", "props": [("text-align", "left"), ("vertical-align", "top"), ("white-space", "normal"), ("font-size", "0.9em")]}] + styles)


def other_protocols(run_dirs: list[str | Path]) -> pd.DataFrame:
    """Our results under protocols the paper did not use: FER-2013's official split (beside
    published PrivateTest results) and CK+'s subject-independent folds (mean ± sd)."""
    from fer_lib.paper import FER2013_PUBLISHED

    rows = []
    for d in map(Path, run_dirs):
        v = RunView(d)
        official = next((t for p in sorted((d / "training").glob("*/run.json")) if registry.is_official(p.parent.name) and (t := v.training(p.parent.name))), None)
        if official is not None and official.test is not None:
            best = max(FER2013_PUBLISHED, key=FER2013_PUBLISHED.get)
            rows.append({"what": f"Residual CNN, {words.dataset(official.params.get('dataset'))} PrivateTest accuracy", "ours": interval_text(official.test.accuracy, official.test.n),
                         "published": f"{FER2013_PUBLISHED[best]:.1%} ({best})", "our protocol": protocol(official)})
        stored = paired.stored(d)
        for e in registry.FERGIT_NETWORKS:
            t = v.training(e.name)
            if t is None or t.test is None or not paired.of_these(stored, t) or (acc := paired.leak_free_accuracy(stored, e.label)) is None:
                continue
            rows.append({"what": f"{e.title}, FERGIT test accuracy on the {stored['n_clean']:,} of {stored['n']:,} test faces without a copy in "
                                 f"training or validation", "ours": interval_text(acc, stored["n_clean"]), "published": "none (the paper tests on its random split, copies included)",
                         "our protocol": f"the network of the paper's split, {t.training.epochs_run} epochs run; the copies the data page's audit finds"})
        folds = [t for t in read_folds(d) if t.test]
        if folds:
            acc = np.array([t.test.accuracy for t in folds])
            sd = f" ± {acc.std(ddof=1):.1%}" if len(acc) > 1 else ""
            planned = folds[0].params.get("n_folds") or len(folds)
            epochs = ", ".join(str(t.training.epochs_run) for t in folds)
            pooled = claims.pooled_confusion(folds)
            _, largest, share = claims.largest_class(dict(zip(folds[0].test.per_class, pooled.sum(axis=1))))
            rows.append({"what": f"Residual CNN, CK+ subject-independent folds, accuracy (mean ± sd over the {len(folds)} of {planned} folds run)",
                         "ours": f"{acc.mean():.1%}{sd} (always answering {largest}: {share:.1%} of the pooled test faces)", "published": "none comparable (the peers' protocols are random or unstated)",
                         "our protocol": f"folds grouped by subject; epochs run per fold {epochs} (of {folds[0].config['epochs']} planned); {device(folds[0])}"})
    return pd.DataFrame(rows)


def compute_table(run_dir: str | Path) -> pd.DataFrame:
    """One row per training of ``run_dir``: data, split, epochs run of planned, how it stopped,
    best epoch, minutes of training, minutes per epoch, images per second, compiled, device."""
    rows = []
    for t in read_trainings(run_dir):
        rows.append({
            "training": registry.label(t.name), "data": words.dataset(t.params.get("dataset")), "split": words.split(t.data.split_protocol),
            "epochs": f"{t.training.epochs_run}/{t.config['epochs']}", "status": words.status(t.stop_status), "best epoch": t.training.best_epoch,
            "sessions": len(t.sessions), "train min": (t.training.train_wall_s or 0) / 60, "median min/epoch": minutes_per_epoch(t),
            "median images/s": t.images_per_s, "device": device(t),
        })
    return pd.DataFrame(rows)


def styled_costs(costs: pd.DataFrame):
    """The compute table for reading: wrapped to the page's width, minutes per epoch to two significant digits."""
    from fer_lib.report.pages import wide_table

    shown = costs.drop(columns=["run"]) if "run" in costs and costs["run"].nunique() == 1 else costs
    return wide_table(shown).format({"train min": "{:.1f}", "median min/epoch": "{:.2g}", "median images/s": "{:.0f}"}, na_rep="")


def posed_paper_error() -> str:
    posed, predicted = PAPER_POSED_ERROR
    return f"{posed} taken for {predicted}"
