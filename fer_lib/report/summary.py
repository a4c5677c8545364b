"""The reproducibility summary: each claim of the paper, quoted, with our number from a run's
records and a verdict from one written rule (:data:`RULE`), applied by :func:`claim_rows`.

The first page of the book and the README's results table both render :func:`claim_rows`,
so the two cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fer_lib.paper import PAPER, PAPER_CURVES, PAPER_EPOCHS, PAPER_PARAMS, total_time_note
from fer_lib.pipeline import registry
from fer_lib.pipeline.records import TrainingRecord, read_ck_seeds, read_folds, read_page, read_training, read_trainings
from fer_lib.report import claims, paired, words
from fer_lib.report.claims import pp
from fer_lib.report.stats import accuracy_interval, f1_intervals, interval_text, precision_intervals

REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE, NOT_TESTED = "reproduced", "not reproduced", "inconclusive", "not tested"
VERDICTS = (REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE, NOT_TESTED)

STABLE_LOSS_SHARE = 0.05  # a validation loss that falls less than this share after an epoch is "stable" from it
OVERFIT_TAIL = 10  # the last epochs whose median validation loss is set against the lowest (the basic's "no overfitting")
NEAR_THRESHOLD = 0.01  # a curve rule's measure this close to its threshold is called a close call beside its verdict
RULE = (f"A claim is **{REPRODUCED}** when the paper's value lies within our 95% interval or below it, at the paper's full budget "
        f"(a training planned for {PAPER_EPOCHS} epochs that ran them, or that EarlyStopping ended); **{NOT_REPRODUCED}** when the paper's "
        f"value lies above our interval at that budget; **{INCONCLUSIVE}** while a training behind it is unfinished or short of that budget "
        f"(an interim result can only be inconclusive), diverged, or when the evidence cannot decide; **{NOT_TESTED}** when no training of "
        f"this run tests it, its training is on synthetic faces, or it needs the paper's hardware (its training times); the parameter count "
        f"needs no training. The residual blocks' gain is judged by its sign, as the paper states it (the blocks help; its {PAPER['residual_gain'] * 100:+.0f} pp is the "
        f"difference of two rounded percents): reproduced when our interval lies above zero, not reproduced when below, inconclusive "
        f"when it holds zero; so is the class weights' effect on balanced accuracy, for which the paper gives no number. The accuracies and F1 these claims test are whole percents in the paper, so each stands for any value within half "
        f"a point of it: where the paper's value lies above our interval but that half point reaches into it, the claim is inconclusive. "
        f"The two claims about training curves are judged on the validation loss, by rules their rows restate: the residual CNN's "
        f"\"stable\" when its lowest after epoch {PAPER_CURVES['residual']['stops_generalising_epoch']} is less than {STABLE_LOSS_SHARE:.0%} below its "
        f"lowest up to that epoch, the basic CNN's \"no overfitting\" when the median of its last {OVERFIT_TAIL} epochs is less than "
        f"{STABLE_LOSS_SHARE:.0%} above its lowest; a measure within {NEAR_THRESHOLD * 100:.0f} pp of {STABLE_LOSS_SHARE:.0%} is named a close call.")
WHOLE_PERCENT = 0.005  # half a point: the paper's accuracies and F1 are whole percents


@dataclass(frozen=True)
class ClaimRow:
    """One claim of the paper and where this run stands on it."""

    what: str  # a short label
    claim: str  # what the paper says, quoted
    where: str  # where it says it
    paper: str
    ours: str
    verdict: str
    why: str  # the reason for the verdict, in a sentence
    page: str | tuple[str, ...]  # the book page(s) with the evidence (MyST reference labels)
    trainings: tuple[str, ...] = ()  # what `trainings --only` runs to test it


def at_budget(t: TrainingRecord) -> bool:
    """Whether a training ran the paper's budget: planned for its epochs, and ran them or was ended by EarlyStopping."""
    return t.stop_status in ("completed", "early_stopped") and t.config["epochs"] >= PAPER_EPOCHS


def _interim(t: TrainingRecord) -> str:
    if t.training.status == "diverged":
        return f"diverged in epoch {t.training.diverged_epoch}"
    if t.finished:
        return f"planned for {t.config['epochs']} epochs, short of the paper's {PAPER_EPOCHS}"
    return f"{words.interim(t.training.epochs_run, t.config['epochs'])} run"


def _missing(*names: str) -> str:
    return f"not run in this run folder ({', '.join(names)})"


def _leak_free(run_dir: Path, t: TrainingRecord, entry: registry.Entry) -> str:
    p = paired.stored(run_dir)
    if not paired.of_these(p, t) or (acc := paired.leak_free_accuracy(p, entry.label)) is None:
        return ""
    return f"; {interval_text(acc, p['n_clean'])} on the {p['n_clean']:,} test faces without a copy in training or validation"


def _accuracy_claim(run_dir: Path, what: str, claim: str, where: str, paper: float, entry: registry.Entry, page: str, note: str = "") -> ClaimRow:
    t = read_training(run_dir, entry.name)
    base = {"what": what, "claim": claim, "where": where, "paper": f"{paper:.0%}", "page": page, "trainings": (entry.name,)}
    if t is None or t.test is None:
        return ClaimRow(ours="not run", verdict=NOT_TESTED, why=_missing(entry.name), **base)
    ours = interval_text(t.test.accuracy, t.test.n) + _leak_free(run_dir, t, entry)
    if t.data.synthetic:
        return ClaimRow(ours=ours, verdict=NOT_TESTED, why="synthetic faces: not comparable with the paper", **base)
    if not at_budget(t):
        return ClaimRow(ours=ours, verdict=INCONCLUSIVE, why=_interim(t), **base)
    lo, hi = accuracy_interval(t.test.accuracy, t.test.n)
    place, floor = _place(paper, lo, hi), paper - WHOLE_PERCENT  # floor: the lowest value that rounds to the paper's
    if place == "above":
        return ClaimRow(ours=ours, verdict=NOT_REPRODUCED, **base, why=f"the paper's {paper:.0%} is above our interval, and so is "
                        f"{floor:.1%}, the lowest value that rounds to it; the training {t.how_it_stopped}{note}")
    if place == "rounds into":
        return ClaimRow(ours=ours, verdict=INCONCLUSIVE, **base, why=f"the paper's {paper:.0%}, a whole percent, stands for "
                        f"{floor * 100:.1f}-{(paper + WHOLE_PERCENT):.1%}, which overlaps our interval ({lo * 100:.1f}-{hi:.1%}) "
                        f"by {(hi - floor) * 100:.2g} pp: the evidence cannot decide; the training {t.how_it_stopped}{note}")
    return ClaimRow(ours=ours, verdict=REPRODUCED, why=f"the paper's {paper:.0%} is {place} our interval{note}", **base)


def _place(paper: float, lo: float, hi: float) -> str:
    """Where a number the paper gives as a whole percent lies against our interval: below, within,
    above, or above but within half a point of it (``rounds into``: a value that rounds to it lies within)."""
    if paper < lo:
        return "below"
    if paper <= hi:
        return "within"
    return "above" if paper - WHOLE_PERCENT > hi else "rounds into"


def _gain_claim(run_dir: Path) -> ClaimRow:
    res, basic = read_training(run_dir, registry.RESIDUAL.name), read_training(run_dir, registry.BASIC.name)
    base = {"what": "Residual minus basic CNN, FERGIT test accuracy", "claim": "we used residual blocks, which proved to be efficient [...] we finally got an accuracy of 75% on the test set",
            "where": "Section 3.1, Tables 2-3; the basic CNN: 74%",
            "paper": f"{PAPER['residual_gain'] * 100:+.0f} pp", "page": ("residual-cnn", "basic-cnn"), "trainings": (registry.RESIDUAL.name, registry.BASIC.name)}
    if res is None or basic is None or res.test is None or basic.test is None:
        return ClaimRow(ours="not run", verdict=NOT_TESTED, why=_missing(registry.RESIDUAL.name, registry.BASIC.name), **base)
    gain = paired.gain_interval(run_dir, res, basic)
    ours = paired.gain_text(gain)
    if res.data.synthetic:
        return ClaimRow(ours=ours, verdict=NOT_TESTED, why="synthetic faces: not comparable with the paper", **base)
    unfinished = [t for t in (res, basic) if not at_budget(t)]
    if unfinished:
        return ClaimRow(ours=ours, verdict=INCONCLUSIVE, why="; ".join(f"{t.name} {_interim(t)}" for t in unfinished), **base)
    if gain.high < 0:
        return ClaimRow(ours=ours, verdict=NOT_REPRODUCED, why="our interval lies below zero: the residual CNN scores lower than the basic", **base)
    if gain.low <= 0:  # the claim is that the residual blocks help: an interval that holds no gain cannot confirm it
        return ClaimRow(ours=ours, verdict=INCONCLUSIVE, **base, why=f"{_against_paper(gain)}: the evidence cannot decide")
    return ClaimRow(ours=ours, verdict=REPRODUCED, why="our interval lies above zero: the residual blocks help, as the paper says", **base)


def _weighting_claim(run_dir: Path) -> ClaimRow:
    """The paper weights the loss "to deal with" FERGIT's imbalance and says the weights alleviate it, without a
    measure: judged by the sign of what they change in balanced accuracy (the mean of the per-class recalls, which
    weighting rare classes up exists to raise), paired over the same test faces, as the residual blocks' gain is."""
    w, u = read_training(run_dir, registry.RESIDUAL.name), read_training(run_dir, registry.UNWEIGHTED.name)
    base = {"what": "Class weights against the imbalance, residual CNN", "claim": "the very imbalanced training data that is alleviated with "
            "class-weighting loss", "where": "Section 3.1; the aim: Section 1, contribution 4", "paper": "no measure given",
            "page": "class-weighting", "trainings": (registry.RESIDUAL.name, registry.UNWEIGHTED.name)}
    if w is None or u is None or w.test is None or u.test is None:
        return ClaimRow(ours="not run", verdict=NOT_TESTED, why=_missing(registry.RESIDUAL.name, registry.UNWEIGHTED.name), **base)
    found = paired.stored_pair(run_dir, registry.UNWEIGHTED.page, w, u)
    interval = found.get("balanced_difference") if found else None
    if interval:  # the comparison's own balanced accuracies, those its interval is of
        with_w, without = found["balanced_accuracy"].values()
        ours = (f"balanced accuracy {with_w:.1%} with the weights, {without:.1%} without: {pp(interval[0])} "
                f"(95% CI {paired.span(*interval[1:])}, paired over the same {found['n']:,} test faces)")
    else:
        why_not = ("the class-weighting page compared these two before it gave this interval: run it again" if found else
                   "the class-weighting page has not compared these two face by face")
        ours = (f"balanced accuracy {w.test.balanced_accuracy:.1%} with the weights, {u.test.balanced_accuracy:.1%} without: "
                f"{pp(w.test.balanced_accuracy - u.test.balanced_accuracy)} (no interval: {why_not})")
    if w.data.synthetic:
        return ClaimRow(ours=ours, verdict=NOT_TESTED, why="synthetic faces: not comparable with the paper", **base)
    unfinished = [t for t in (w, u) if not at_budget(t)]
    if unfinished:
        return ClaimRow(ours=ours, verdict=INCONCLUSIVE, why="; ".join(f"{t.name} {_interim(t)}" for t in unfinished), **base)
    if interval is None:
        return ClaimRow(ours=ours, verdict=INCONCLUSIVE, why="no paired interval: run the class-weighting page on these trainings", **base)
    if interval[2] < 0:
        return ClaimRow(ours=ours, verdict=NOT_REPRODUCED, why="our interval lies below zero: the weights lowered balanced accuracy", **base)
    if interval[1] <= 0:
        return ClaimRow(ours=ours, verdict=INCONCLUSIVE, why="our interval holds zero: the evidence cannot decide whether the weights help", **base)
    return ClaimRow(ours=ours, verdict=REPRODUCED, why="our interval lies above zero: the weights raise balanced accuracy, as the paper says they help", **base)


def _against_paper(gain: paired.Gain) -> str:
    """An interval that holds no difference against the paper's gain, with the range its two rounded accuracies allow."""
    said = PAPER["residual_gain"]
    if gain.low <= said <= gain.high:
        return f"our interval holds both zero and the paper's {said * 100:+.0f} pp, so the sign is undecided"
    res, basic = PAPER["residual_test_accuracy"], PAPER["basic_test_accuracy"]
    ends = ["0" if round(x * 100) == 0 else f"{x * 100:+.0f}" for x in (res - basic - 2 * WHOLE_PERCENT, res - basic + 2 * WHOLE_PERCENT)]
    return (f"our interval holds zero, so the sign is undecided; it lies below the paper's {said * 100:+.0f} pp, but that is {res:.0%} minus "
            f"{basic:.0%}, two whole percents, so the paper's own gain could be anything between {ends[0]} and {ends[1]} pp")


def _precision_f1_claim(run_dir: Path) -> ClaimRow:
    nets = [(e, read_training(run_dir, e.name)) for e in registry.FERGIT_NETWORKS]
    base = {"what": "Per-class precision and F1, both networks",
            "claim": "for the two models the precisions of all the labels are over 50% [...] The value of the f1-score in both cases is 65%",
            "where": "Section 3, after Table 5", "paper": "every class > 50%; F1 65%", "page": ("residual-cnn", "basic-cnn"),
            "trainings": tuple(e.name for e in registry.FERGIT_NETWORKS)}
    missing = [e.name for e, t in nets if t is None or t.test is None]
    if missing:
        return ClaimRow(ours="not run", verdict=NOT_TESTED, why=_missing(*missing), **base)

    # each computed once: the F1 bootstrap draws 2,000 resamples
    precision_cis = {e.name: precision_intervals(t.test.confusion_matrix, t.test.per_class) for e, t in nets}
    f1_cis = {e.name: f1_intervals(t.test.confusion_matrix) for e, t in nets}

    def said(e, t):
        name = min(t.test.per_class, key=lambda c: t.test.per_class[c]["precision"])
        ci, f1 = precision_cis[e.name][name], f1_cis[e.name]
        lowest = (f"lowest precision {t.test.per_class[name]['precision']:.0%} ({name}, 95% CI {ci[0] * 100:.0f}-{ci[1]:.0%})" if ci else
                  f"{name} never predicted")
        return (f"{e.label}: {lowest}, F1 {t.test.macro_f1:.0%} macro ({f1['macro'][0] * 100:.0f}-{f1['macro'][1]:.0%}), "
                f"{t.test.weighted_f1:.0%} weighted ({f1['weighted'][0] * 100:.0f}-{f1['weighted'][1]:.0%})")

    ours = "; ".join(said(e, t) for e, t in nets)
    if any(t.data.synthetic for _, t in nets):
        return ClaimRow(ours=ours, verdict=NOT_TESTED, why="synthetic faces: not comparable with the paper", **base)
    short = [f"{t.name} {_interim(t)}" for _, t in nets if not at_budget(t)]
    if short:
        return ClaimRow(ours=ours, verdict=INCONCLUSIVE, why="; ".join(short), **base)
    # the rule's "within our interval or below it": a precision claimed over 50% fails where a class's interval lies at or
    # below 50% (or the class is never predicted); the F1 claimed at 65% where both averages' intervals lie below 65%
    low = [f"{e.label}'s {c} ({f'up to {ci[1]:.0%}' if ci else 'never predicted'})" for e, _ in nets for c, ci in precision_cis[e.name].items()
           if ci is None or ci[1] <= 0.5]
    f1_place = {e.label: {_place(0.65, *ci) for ci in f1_cis[e.name].values()} for e, _ in nets}
    f1_low = [label for label, places in f1_place.items() if places == {"above"}]
    if low or f1_low:
        return ClaimRow(ours=ours, verdict=NOT_REPRODUCED, **base,
                        why="; ".join(([f"a precision interval at or below 50%: {', '.join(low)}"] if low else [])
                                      + ([f"both F1 intervals under 64.5%: {', '.join(f1_low)}"] if f1_low else [])))
    f1_edge = [label for label, places in f1_place.items() if not places & {"within", "below"}]
    if f1_edge:
        return ClaimRow(ours=ours, verdict=INCONCLUSIVE, **base,
                        why=f"both F1 intervals under the paper's 65% but not under 64.5%, which rounds to it ({', '.join(f1_edge)}): the evidence cannot decide")
    points = {f"{e.label}'s {c}": t.test.per_class[c]["precision"] for e, t in nets for c in t.test.per_class if t.test.per_class[c]["precision"] <= 0.5}
    under = [f"{name} {p:.0%}" for name, p in points.items()]
    at = "at or below" if 0.5 in points.values() else "below"
    caveat = (f" (though the point {'estimate' if len(under) == 1 else 'estimates'} of {words.join(under)} {'is' if len(under) == 1 else 'are'} "
              f"{at} 50%, {'its interval reaches' if len(under) == 1 else 'their intervals reach'} above it)") if under else ""
    return ClaimRow(ours=ours, verdict=REPRODUCED, **base,
                    why=f"both networks: every class's precision interval reaches above 50%{caveat}, and the paper's 65% F1 lies within or below "
                        "the interval of our macro or weighted F1 (the paper does not say which); precision intervals are Wilson "
                        "intervals over the faces predicted as the class, F1 intervals a bootstrap of the test faces")


def _curve_claim(run_dir: Path, entry: registry.Entry, what: str, claim: str, where: str, paper: str, page: str, holds) -> ClaimRow:
    """A claim about a training's curves; ``holds(t)`` gives (verdict, why, what ours shows)."""
    t = read_training(run_dir, entry.name)
    base = {"what": what, "claim": claim, "where": where, "paper": paper, "page": page, "trainings": (entry.name,)}
    if t is None or not t.history:
        return ClaimRow(ours="not run", verdict=NOT_TESTED, why=_missing(entry.name), **base)
    ok, reason, ours = holds(t)
    if t.data.synthetic:
        return ClaimRow(ours=ours, verdict=NOT_TESTED, why="synthetic faces: not comparable with the paper", **base)
    if not at_budget(t):
        return ClaimRow(ours=ours, verdict=INCONCLUSIVE, why=_interim(t), **base)
    if t.restarts:  # a fresh optimizer (Nadam's moments reset) may bend the curves where an unbroken training's would not
        reason += (f"; the training restarted with a fresh optimizer after {'epoch' if len(t.restarts) == 1 else 'epochs'} "
                   f"{words.join([str(r.epoch) for r in t.restarts])}, which may shape these curves")
    return ClaimRow(ours=ours, verdict=REPRODUCED if ok else NOT_REPRODUCED, why=reason, **base)


def _close_call(measure: float) -> str:
    """`` (0.4 pp from it: a close call)`` when a curve rule's measure lies within ``NEAR_THRESHOLD`` of its threshold."""
    gap = abs(measure - STABLE_LOSS_SHARE)
    return f" ({gap * 100:.1f} pp from it: a close call)" if gap < NEAR_THRESHOLD else ""


def _stops_generalising(t: TrainingRecord) -> tuple[bool, str, str]:
    """The paper: after epoch 35 "the training loss rapidly decreased while the validation loss was stable". The rule:
    the lowest validation loss after that epoch is less than ``STABLE_LOSS_SHARE`` below the lowest up to it."""
    paper, h = PAPER_CURVES[registry.RESIDUAL.name]["stops_generalising_epoch"], t.history  # one row an epoch, from the first
    low = min(range(len(h)), key=lambda i: h[i]["val_loss"]) + 1
    by = min(r["val_loss"] for r in h[:paper])
    gain = (by - h[low - 1]["val_loss"]) / by
    fell = f"; the training loss went from {h[min(paper, len(h)) - 1]['loss']:.3f} at epoch {min(paper, len(h))} to {h[-1]['loss']:.3f} at epoch {len(h)}"
    return (gain < STABLE_LOSS_SHARE,
            f"validation loss at best {by:.3f} up to epoch {paper}, {h[low - 1]['val_loss']:.3f} at epoch {low}: {gain:.1%} lower{fell}; "
            f"the rule: stable, less than {STABLE_LOSS_SHARE:.0%} lower after epoch {paper}" + _close_call(gain),
            f"validation loss {gain:.1%} lower after epoch {paper} (lowest at epoch {low} of {len(h)} run)")


def _does_not_overfit(t: TrainingRecord) -> tuple[bool, str, str]:
    """The paper: "there was no overfitting during 100 training epochs" (Figure 6). Overfitting shows as a validation
    loss that climbs back from its lowest while the training loss falls. The rule: the median validation loss of the
    last ``OVERFIT_TAIL`` epochs is less than ``STABLE_LOSS_SHARE`` above the lowest."""
    h = t.history
    low = min(range(len(h)), key=lambda i: h[i]["val_loss"]) + 1
    tail = h[-OVERFIT_TAIL:]
    end = float(np.median([r["val_loss"] for r in tail]))
    rise = end / h[low - 1]["val_loss"] - 1
    span = f"epochs {len(h) - len(tail) + 1}-{len(h)}"
    return (rise < STABLE_LOSS_SHARE,
            f"validation loss lowest {h[low - 1]['val_loss']:.3f} at epoch {low}, median {end:.3f} over {span}: "
            f"{rise:.1%} higher, while the training loss went from {h[0]['loss']:.3f} at epoch 1 to {h[-1]['loss']:.3f} at epoch {len(h)}; "
            f"the rule: less than {STABLE_LOSS_SHARE:.0%} higher at the end" + _close_call(rise),
            f"median validation loss over {span}: {rise:.1%} above its lowest ({h[low - 1]['val_loss']:.3f}, epoch {low})")


def curve_claims(run_dir: str | Path) -> dict[str, ClaimRow]:
    """What the paper says of its two networks' training curves (Figures 6-7), each judged on ours, by training name."""
    run_dir, curves = Path(run_dir), PAPER_CURVES
    return {
        registry.RESIDUAL.name: _curve_claim(
            run_dir, registry.RESIDUAL, "Residual CNN, training curves", "after 35 epochs, the model was not generalizing well anymore [...] the "
            "training loss rapidly decreased while the validation loss was stable", curves["residual"]["where"],
            "validation loss stable after ~35 epochs while the training loss falls", "residual-cnn", _stops_generalising),
        registry.BASIC.name: _curve_claim(
            run_dir, registry.BASIC, "Basic CNN, training curves", "there was no overfitting during 100 training epochs", curves["basic"]["where"],
            "no overfitting in 100 epochs", "basic-cnn", _does_not_overfit),
    }


def curve_verdict(run_dir: str | Path, entry: registry.Entry) -> str:
    """The summary's verdict on what the paper says of ``entry``'s curves, with its reason, for that training's page."""
    row = curve_claims(run_dir)[entry.name]
    return f"Judged by the summary's rule, what the paper says of these curves is **{row.verdict}** here: {row.why}."


def _parameters_claim() -> ClaimRow:
    from fer_lib.model.networks import build_model, parameter_counts  # Keras, only here

    paper = PAPER_PARAMS[registry.RESIDUAL.name]["total"]
    counted = parameter_counts(build_model("residual"))["total"]
    return ClaimRow(what="Residual CNN parameters", claim="Total params: 9, 773, 111", where="Table 1", paper=f"{paper:,}", ours=f"{counted:,}",
                    verdict=REPRODUCED if counted == paper else NOT_REPRODUCED,
                    why="the network rebuilt layer by layer from Table 1 has " + ("the same count" if counted == paper else "another count"),
                    page="residual-cnn")


def _posed_claim(run_dir: Path) -> ClaimRow:
    page = read_page(run_dir, registry.HOLDOUT.page)
    base = {"what": "Posed photos", "claim": "the model did very well with a high percentage of confidentiality (86%) [...] the individual was asked to pose "
                     "disgust, but the model predicted neutral", "where": "Section 3, Figures 9-10", "paper": "one right at 86%; some wrong at 40%, e.g. disgust taken for neutral",
            "page": "posed", "trainings": (registry.RESIDUAL.name, registry.HOLDOUT.name)}
    if page is None:
        return ClaimRow(ours="not run", verdict=NOT_TESTED, why="the posed-photo page has not run", **base)
    residual = read_training(run_dir, registry.RESIDUAL.name)
    synthetic = page.data is not None and page.data.synthetic or residual is not None and residual.data.synthetic
    if page.values.get("n_right") is None:
        if synthetic:
            return ClaimRow(ours=f"{page.value('n_photos')} {page.values.get('photos', 'photos')}, not scored (no expression labels)", verdict=NOT_TESTED,
                            why="synthetic faces and generated scenes: not comparable with the paper", **base)
        return ClaimRow(ours="not scored", verdict=NOT_TESTED, why="the posed-photo page ran without labelled photos", **base)
    conf, wrong = page.values.get("confidence_right"), page.values.get("confidence_wrong")
    ours = (f"{page.value('n_right')} of {page.value('n_photos')} right" + (f", {conf:.0%} when right" if conf is not None else "")
            + (f", {wrong:.0%} when wrong" if wrong is not None else ""))
    if synthetic:
        return ClaimRow(ours=ours, verdict=NOT_TESTED, why="synthetic faces and generated scenes: not comparable with the paper", **base)
    if (held := words.held_out_count(page.values)) is not None:
        ours += f"; {held}"
    return ClaimRow(ours=ours, verdict=INCONCLUSIVE, why="other photos than the paper's (the paper's are not published), of one person: "
                    + words.posed_overlap(page.values.get("posed_sides"), page.value("n_photos")), **base)


def _time_claim(run_dir: Path) -> ClaimRow:
    from fer_lib.report.scorecard import how_timed, minutes_for_100

    names = (registry.RESIDUAL, registry.BASIC, registry.CK_RANDOM)
    records = {e.label: t for e in names if (t := read_training(run_dir, e.name)) is not None}
    timed = {label: (m, t) for label, t in records.items() if (m := minutes_for_100(t)) is not None}
    ours = "; ".join(f"{label} {m:.0f} min" for label, (m, _) in timed.items())
    device = words.join(list(dict.fromkeys(words.device(d) for _, t in timed.values() for d in t.session_devices()))) if ours else None
    ours = ours or "not run"
    why = "different hardware: the paper's times are on a K80 GPU"
    if any(t.data.synthetic for t in records.values()):  # minutes on a few thousand generated faces say nothing of a FERGIT epoch
        ours, device, why = "synthetic stand-in, not extrapolated", None, "synthetic faces: not comparable with the paper"
    return ClaimRow(what="Training time for 100 epochs", claim="took 48 minutes [...] The traditional CNN on the other hand took 44 minutes to run 100 epochs",
                    where="Section 3; Table 4: 29 min on CK+",
                    paper="48, 44, 29 min", ours=ours + (f" ({device}; {how_timed([t for _, t in timed.values()])})" if device else ""), verdict=NOT_TESTED,
                    why=why, page="scorecard", trainings=tuple(e.name for e in names))


UNTESTED = [
    ClaimRow(what="1x1 shortcuts", claim="using the shortcut branch of 1 \u00d7 1 convolution is not suitable as it does not help to reduce the overfitting",
             where="Section 2.1.7, Figure 1", paper="identity shortcuts", ours="not run", verdict=NOT_TESTED,
             why="testing it takes a second residual CNN with 1x1 projection shortcuts, trained with the same recipe and split", page="method"),
    ClaimRow(what="Where the residual blocks go", claim="we located the best positions to use the residual blocks by trial and error means", where="Section 2.1",
             paper="three blocks, placed as in Table 1", ours="not run", verdict=NOT_TESTED,
             why="testing it takes trainings with the blocks at other depths, each to 100 epochs", page="method"),
]


def _folds_note(run_dir: Path) -> str:
    """The CK+ claim's protocol, and what other seeds of its split and the subject-independent folds give."""
    note = ", on a random split of the frames (the paper does not state its split)"
    seeds = [t for t in read_ck_seeds(run_dir) if t.finished]
    if len(seeds) > 1:
        note += f"; over random splits drawn with each seed: {claims.spread_text(seeds)}"
    folds = [t for t in read_folds(run_dir) if t.finished and t.test is not None]  # an interim fold is not evidence yet
    if folds:
        acc = np.array([t.test.accuracy for t in folds])
        note += (f"; our {len(folds)} subject-independent folds, where no person is on both sides, average {acc.mean():.1%} ± {acc.std(ddof=1):.1%} "
                 "(mean ± standard deviation over folds)" if len(folds) > 1 else
                 f"; our one subject-independent fold run, where no person is on both sides, scores {acc.mean():.1%}")
    return note


def claim_rows(run_dir: str | Path) -> list[ClaimRow]:
    """Every claim of the paper this book sets against a run, with our number and its verdict."""
    run_dir = Path(run_dir)
    return [
        _accuracy_claim(run_dir, "Residual CNN, FERGIT test accuracy", "the accuracy obtained on the test set of FERGIT [...] was 75%", "Abstract, Table 3",
                        PAPER["residual_test_accuracy"], registry.RESIDUAL, "residual-cnn"),
        _accuracy_claim(run_dir, "Basic CNN, FERGIT test accuracy", "the model gave a 74% success rate on the test set", "Section 3.1, Table 2",
                        PAPER["basic_test_accuracy"], registry.BASIC, "basic-cnn"),
        _gain_claim(run_dir),
        _weighting_claim(run_dir),
        _parameters_claim(),
        _accuracy_claim(run_dir, "Residual CNN, CK+ test accuracy", "its output accuracy was 97% on the test set [of CK+]", "Abstract, Table 4",
                        PAPER["ckplus_test_accuracy"], registry.CK_RANDOM, "ckplus",
                        note=_folds_note(run_dir)),
        _precision_f1_claim(run_dir),
        *curve_claims(run_dir).values(),
        _posed_claim(run_dir),
        _time_claim(run_dir),
        *UNTESTED,
    ]


def verdict_counts(rows: list[ClaimRow]) -> dict[str, int]:
    return {v: sum(r.verdict == v for r in rows) for v in VERDICTS}


def _refs(page: str | tuple[str, ...]) -> str:
    """``("residual-cnn", "basic-cnn")`` -> ``{ref}`residual-cnn`, {ref}`basic-cnn```: a MyST reference to each page."""
    return ", ".join(f"{{ref}}`{p}`" for p in ((page,) if isinstance(page, str) else page))


def claims_markdown(rows: list[ClaimRow]) -> str:
    """The claims as the book's first page shows them: the quote and where it stands, the
    paper's value, ours, the verdict with its reason, and the page with the evidence."""
    lines = ["| the paper's claim | paper | ours | verdict | evidence |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| **{r.what}**: \u201c{r.claim}\u201d ({r.where}) | {r.paper} | {r.ours} | **{r.verdict}**: {r.why} | {_refs(r.page)} |")
    return "\n".join(lines)


def status_sentence(rows: list[ClaimRow], synthetic: bool) -> str:
    """How many claims got each verdict, in a sentence (and, on synthetic faces, that none of them says anything about the paper)."""
    counts = verdict_counts(rows)
    text = (f"Of the paper's {len(rows)} claims set against this run, " +
            ", ".join(f"{n} {'is' if n == 1 else 'are'} *{v}*" for v, n in counts.items() if n) + ".")
    if synthetic:
        text += " This run is on **synthetic faces**: its numbers show that the pipeline runs and say nothing about the paper."
    return text


def not_started(run_dir: str | Path, records: list[TrainingRecord] | None = None) -> list[str]:
    """The trainings the run's profile plans (its ``run.json``) that its folder does not hold yet
    (``records``: the folder's trainings, when the caller has read them already)."""
    from fer_lib.pipeline.records import RunRecord, read_record
    from fer_lib.pipeline.trainings import plan

    path = Path(run_dir) / "run.json"
    if not path.is_file():
        return []
    held = {t.name for t in (read_trainings(run_dir) if records is None else records)}
    return [s.name for s in plan(read_record(RunRecord, path).params) if s.name not in held]


def unfinished_markdown(run_dir: str | Path, claims: list[ClaimRow] | None = None) -> str:
    """A warning box listing the trainings of the run that have not finished, and those its profile
    plans that have not started (empty when all have finished); with ``claims``, which of them rest on those."""
    records = read_trainings(run_dir)
    return interim_markdown([t for t in records if not t.finished], not_started(run_dir, records), claims)


def interim_markdown(records: list[TrainingRecord], waiting: list[str] = (), claims: list[ClaimRow] | None = None) -> str:
    """A warning box listing those of ``records`` that have not finished (empty when all have):
    epochs run of planned, and whether validation accuracy was still rising at the last epoch;
    and the trainings in ``waiting`` (names) that have not started. With ``claims``, it names the
    claims whose trainings are among them, or says that none is."""
    rows = [t for t in records if not t.finished]
    if not rows and not waiting:
        return ""
    items = "\n".join(f"- {registry.title(t.name)}: {t.training.epochs_run} of {t.config['epochs']} epochs, best epoch {t.training.best_epoch}"
                      f"{' (the last: still improving)' if t.training.best_epoch == t.training.epochs_run else ''}" for t in rows)
    items += "".join(f"\n- {registry.title(name)}: not started" for name in waiting)
    tail = "Every number that rests on them is interim"
    if claims is None:
        tail += f"; a verdict on the first page that rests on them can only be *{INCONCLUSIVE}*."
    else:
        pending = {t.name for t in rows} | set(waiting)
        resting = [f"**{c.what}**" for c in claims if pending & set(c.trainings)]
        tail += (f". Of the claims below, {words.join(resting)} {'rests' if len(resting) == 1 else 'rest'} on them." if resting else
                 ". None of the claims below rests on them; the pages that show their numbers say so.")
    return (f":::{{admonition}} Interim results\n:class: warning\n\nThese trainings have not {'run or not finished' if waiting else 'finished'}:"
            f"\n\n{items}\n\n{tail}\n:::\n")


def compute_markdown(run_dir: str | Path) -> str:
    """The training time this run spent, per device, from its records, beside the paper's; and the time its
    unfinished trainings still need at their measured pace."""
    from fer_lib.report.scorecard import minutes_per_epoch

    records = read_trainings(run_dir)
    if not records:
        return "No training has run in this run folder."
    by_device: dict[str, float] = {}
    for t in records:
        for device, (_, wall_s) in t.session_devices().items():
            by_device[device] = by_device.get(device, 0.0) + wall_s / 3600
    spent = words.join([f"{h:.1f} h on {words.device(d)}" for d, h in by_device.items()])
    left = sum((minutes_per_epoch(t) or 0) * (t.config["epochs"] - t.training.epochs_run) / 60 for t in records if not t.finished)
    text = f"The training sessions, data loading and evaluation included, took {spent} for this run's {words.count(len(records), 'training')} ({words.sessions(sum(len(t.sessions) for t in records))})."
    if not any(t.data.synthetic for t in records):
        note = total_time_note()
        text += f" The paper reports {PAPER['total_run_time_min']} minutes for its three trainings on a K80 GPU{f' ({note})' if note else ''}."
    if left:
        waiting = not_started(run_dir, records)
        text += (f" This run's unfinished trainings need about {left:.0f} h more at the pace measured so far"
                 + (f", besides the {words.count(len(waiting), 'training')} not started yet." if waiting else "."))
    return text


def baselines_markdown(run_dir: str | Path) -> str:
    """What no learning scores on the test faces of the run's headline trainings (FERGIT or its stand-in, CK+'s random split, an official split)."""
    run_dir = Path(run_dir)
    names = [registry.RESIDUAL.name, registry.CK_RANDOM.name] + [t.name for t in read_trainings(run_dir) if registry.is_official(t.name)]
    tests = {f"the test faces of the {registry.label(n)}": t.test for n in names if (t := read_training(run_dir, n)) is not None and t.test is not None}
    return claims.baselines_sentence(tests)
