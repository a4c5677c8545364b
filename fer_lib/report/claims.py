"""Sentences that say only what the numbers beside them show.

Each function reads records and returns one Markdown sentence whose every claim (which
is larger, whether budgets were equal, how many photos were right) is computed, so a
page cannot say "the same budget" when the epochs differ, or "lower" when it is higher.
"""

from __future__ import annotations

import numpy as np

from fer_lib.paper import PAPER, PAPER_CURVES, PAPER_EPOCHS, PAPER_POSED_ERROR, PEERS_CKPLUS
from fer_lib.pipeline.records import TrainingRecord
from fer_lib.report import words
from fer_lib.report.stats import accuracy_interval, ci_range, ci_text

PAPER_CURVES_EPOCHS = 100  # the paper's curves run to epoch 100 (Figures 6-7)


def pp(x: float) -> str:
    """A difference of two shares in percentage points, signed."""
    return f"{x * 100:+.1f} pp"


def share(x: float) -> str:
    """A share as the paper prints it: 74% or 73.7%."""
    return f"{round(x * 100, 1):g}%"


def _moved(before: float, after: float, when: tuple[str, str, str] = ("", "", "")) -> str:
    """``went from 12.0% to 30.0%``, or ``stayed at 0.0%``; ``when`` names the two moments and both:
    ``(" without weights", " with them", " with and without weights")``."""
    if f"{before:.1%}" == f"{after:.1%}":
        return f"stayed at {after:.1%}{when[2]}"
    return f"went from {before:.1%}{when[0]} to {after:.1%}{when[1]}"


_WEIGHTS = (" without weights", " with them", " with and without weights")


def _higher(a: float, b: float) -> str:
    return "higher than" if a > b else ("lower than" if a < b else "equal to")


def no_learning(m) -> tuple[float, str, float]:
    """What no learning scores on the faces of metrics ``m``: guessing uniformly, and always answering
    the largest class (its name, with the classes tied with it, and its share)."""
    return largest_class({c: v["support"] for c, v in m.per_class.items()})


def largest_class(support: dict[str, float]) -> tuple[float, str, float]:
    """Guessing's share among the classes of ``support`` (faces per class), the largest class (with those tied with it) and its share."""
    most = max(support.values())
    largest = [c for c, n in support.items() if n == most]
    name = largest[0] + (f" (tied with {words.join(largest[1:])})" if len(largest) > 1 else "")
    return 1 / len(support), name, most / max(sum(support.values()), 1)


def chance_sentence(m) -> str:
    """What no learning scores on these test faces, in a sentence."""
    chance, largest, share = no_learning(m)
    return (f"For scale, guessing among the {len(m.per_class)} classes scores {chance:.1%}, and always answering the largest "
            f"class, {largest}, {share:.1%} of these faces.")


def baselines_sentence(tests: dict) -> str:
    """For each named test set (``{"the residual CNN's test faces": metrics}``), what no learning scores on it."""
    parts = []
    for what, m in tests.items():
        chance, largest, share = no_learning(m)
        parts.append(f"on {what} ({m.n:,}), guessing scores {chance:.1%} and always answering {largest} {share:.1%}")
    return ("For scale, with no learning: " + "; ".join(parts) + ".") if parts else ""


def _same_split(a: TrainingRecord, b: TrainingRecord) -> bool:
    return a.data.split_sha256 == b.data.split_sha256 and a.config["seed"] == b.config["seed"]


def budget_sentence(a: TrainingRecord, b: TrainingRecord, a_name: str, b_name: str) -> str:
    """Whether two trainings had the same budget (epochs run, split, seed), in one sentence."""
    ea, eb = a.training.epochs_run, b.training.epochs_run
    where = "on the same faces, split and seed" if _same_split(a, b) else "on different splits or seeds"
    if ea == eb:
        ra, rb = len(a.restarts), len(b.restarts)
        restarts = f" (the {a_name} restarted {words.times(ra)} with a fresh optimizer, the {b_name} {words.times(rb)})" if ra != rb else ""
        return f"Both networks trained {ea} epochs {where}: an equal budget of epochs{restarts}."
    def ran(t: TrainingRecord, n: int) -> str:
        return f"{n} (paused: an interim result)" if t.interim else str(n)

    return (f"The {a_name} trained {ran(a, ea)} epochs and the {b_name} {ran(b, eb)}, {where}: **not an equal budget**, so the comparison "
            f"below is not a fair one.")


def paper_budget(arch: str) -> str:
    """``after 100 epochs``; ``after 100 epochs or more`` for a network whose text says it also trained
    longer (the basic CNN: "We increased the number of epochs ... stuck to 75%")."""
    return f"after {PAPER_EPOCHS} epochs" + (" or more" if PAPER_CURVES.get(arch, {}).get("more_epochs") else "")


def ablation_sentence(residual: TrainingRecord, basic: TrainingRecord) -> str:
    """The residual blocks' effect on test accuracy against the paper's +1 point."""
    gain = residual.test.accuracy - basic.test.accuracy
    return (f"{budget_sentence(residual, basic, 'residual CNN', 'basic CNN')} The residual CNN's test accuracy is "
            f"{residual.test.accuracy:.1%}, {_higher(residual.test.accuracy, basic.test.accuracy)} the basic CNN's "
            f"{basic.test.accuracy:.1%} ({pp(gain)}; whether that difference is real, the next section asks)"
            + ("; on synthetic faces, not set beside the paper's. " if residual.data.synthetic else
               f"; the paper reports {PAPER['residual_gain'] * 100:+.0f} pp ({PAPER['residual_test_accuracy']:.0%} {paper_budget('residual')} against "
               f"{PAPER['basic_test_accuracy']:.0%} {paper_budget('basic')}). ") +
            "This is one seed: how far another seed would move the gap is not measured in this run.")


def weighting_sentence(weighted: TrainingRecord, unweighted: TrainingRecord) -> str:
    """What balanced class weights changed: accuracy, balanced accuracy, and recall per class."""
    w, u = weighted.test, unweighted.test
    classes = list(w.per_class)
    gains = {c: w.per_class[c]["recall"] - u.per_class[c]["recall"] for c in classes}
    up = [c for c in classes if gains[c] > 0]
    support = {c: w.per_class[c]["support"] for c in classes}
    rare = min(classes, key=support.get)
    common = max(classes, key=support.get)
    head = budget_sentence(weighted, unweighted, "weighted run", "unweighted run")
    equal = weighted.training.epochs_run == unweighted.training.epochs_run and _same_split(weighted, unweighted)
    subject = "Adding the weights changed" if equal else "Weights and budget together changed"
    return (f"{head} With balanced weights the network reached {w.accuracy:.1%} accuracy and {w.balanced_accuracy:.1%} balanced "
            f"accuracy (the mean of the per-class recalls); without them, {u.accuracy:.1%} and {u.balanced_accuracy:.1%}. "
            f"{subject} accuracy by {pp(w.accuracy - u.accuracy)} and balanced accuracy by "
            f"{pp(w.balanced_accuracy - u.balanced_accuracy)}, and recall was higher in the weighted run for {len(up)} of the {len(classes)} classes: "
            f"{rare}'s, the rarest class, {_moved(u.per_class[rare]['recall'], w.per_class[rare]['recall'], _WEIGHTS)}, and {common}'s, "
            f"the most common, {_moved(u.per_class[common]['recall'], w.per_class[common]['recall'], _WEIGHTS)}. "
            f"This is one seed: the page does not measure how much these numbers move from seed to seed. " + chance_sentence(w))


def folds_sentence(random: TrainingRecord, folds: list[TrainingRecord], planned: int | None = None) -> str:
    """Subject-independent folds against the random split, with the direction read from the numbers
    (and how many of the ``planned`` folds the run folder holds, when it holds fewer)."""
    planned = max(planned or 0, len(folds))
    if not folds:
        return f"None of the {planned} planned subject-independent folds has run in this run folder yet."
    left = planned - len(folds)
    missing = (f" {left} of the {planned} planned folds {'has' if left == 1 else 'have'} not run in this run folder yet, so "
               f"{'the number is' if len(folds) == 1 else 'the mean is over'} the {len(folds)} that {'has' if len(folds) == 1 else 'have'}."
               if left else "")
    acc = np.array([f.test.accuracy for f in folds])
    r = random.test.accuracy
    interim = sum(not f.finished for f in folds)
    caveat = f" {interim} of the {len(folds)} folds {'is' if interim == 1 else 'are'} interim (paused before their planned epochs)." if interim else ""
    if len(folds) == 1:
        head = f"On the one subject-independent fold run so far the network reached {acc[0]:.1%}"
    else:
        head = (f"Across {len(folds)} subject-independent folds the network reached {acc.mean():.1%} ± {acc.std(ddof=1):.1%} (mean ± standard "
                f"deviation over folds; lowest {acc.min():.1%}, highest {acc.max():.1%})")
    return f"{head}, {_higher(acc.mean(), r)} the {r:.1%} of the random split ({pp(acc.mean() - r)}).{caveat}{missing}"


def spread_text(runs: list[TrainingRecord]) -> str:
    """``94.0% ± 2.0% (mean ± standard deviation over seeds 0, 1 and 2; lowest 92.0%, highest 96.0%)``: test accuracy over seeds."""
    acc = np.array([r.test.accuracy for r in runs])
    seeds = words.join([str(r.config["seed"]) for r in runs])
    return f"{acc.mean():.1%} ± {acc.std(ddof=1):.1%} (mean ± standard deviation over seeds {seeds}; lowest {acc.min():.1%}, highest {acc.max():.1%})"


def seeds_sentence(runs: list[TrainingRecord], planned: list[int]) -> str:
    """The CK+ random split over seeds: ``runs`` holds the profile's seed first, then the other
    ``planned`` seeds the run folder holds (the page names those not run). Mean and spread of the
    test accuracy, what one face weighs, and where the paper's 97% falls (real faces only)."""
    first = runs[0].config["seed"]
    if not planned:
        return (f"This profile draws the random split at one seed ({first}); seeds listed under `ckplus_seeds` in the profile draw "
                "it again, with other initial weights, to show how far the number moves.")
    acc = np.array([r.test.accuracy for r in runs])
    if len(runs) == 1:
        return f"Only seed {first} has run so far: its {acc[0]:.1%} has no spread to set beside it."
    interim = [str(r.config["seed"]) for r in runs if not r.finished]
    caveat = f" Seed{'s' if len(interim) > 1 else ''} {words.join(interim)} {'are' if len(interim) > 1 else 'is'} interim." if interim else ""
    one_face = 1 / min(r.test.n for r in runs)
    text = (f"Drawn at several seeds (each seed its own random split of the same frames and its own initial weights, the recipe the same), the "
            f"network reached {spread_text(runs)}. One test face is worth {one_face:.1%} here.")
    if not runs[0].data.synthetic:
        paper = PAPER["ckplus_test_accuracy"]
        where = "above the highest" if paper > acc.max() else ("below the lowest" if paper < acc.min() else "within the range")
        text += f" The paper's {share(paper)} lies {where} of ours."
    return text + caveat


def pooled_confusion(folds: list[TrainingRecord]) -> np.ndarray | None:
    """The folds' test confusion matrices summed: each face once, tested by the network that never saw its person."""
    return np.sum([np.asarray(f.test.confusion_matrix) for f in folds], axis=0) if folds else None


def pooled_sentence(folds: list[TrainingRecord]) -> str:
    """How many of the faces the folds tested were labelled right, and the classes recalled best and worst."""
    cm = pooled_confusion(folds)
    if cm is None:
        return "No fold has run yet, so there are no subject-independent predictions to pool."
    classes = list(folds[0].test.per_class)
    rows = cm.sum(axis=1)
    recall = {c: cm[i, i] / rows[i] for i, c in enumerate(classes) if rows[i]}
    best, worst = max(recall, key=recall.get), min(recall, key=recall.get)
    chance, largest, share = largest_class(dict(zip(classes, rows)))
    return (f"Pooled over the {len(folds)} folds run, the networks labelled {int(np.trace(cm)):,} of {int(cm.sum()):,} test faces right "
            f"({np.trace(cm) / cm.sum():.1%}), each face by the network that never saw its person. Recall is highest for {best} "
            f"({recall[best]:.0%}) and lowest for {worst} ({recall[worst]:.0%}). For scale, guessing among the {len(classes)} classes "
            f"scores {chance:.1%} of these faces, and always answering the largest class, {largest}, {share:.1%}.")


def audit_sentence(n_groups: int, extra_copies: int, n_blank: int, test_leaked: int) -> str:
    """The data audit in a sentence: identical faces, blank images, and test faces with a copy on the other side of the split."""
    groups = ("no two identical faces" if n_groups == 0 else
              f"{words.count(n_groups, 'group', 'groups')} of identical faces ({words.count(extra_copies, 'extra copy', 'extra copies')})")
    leaked = ("no test face has" if test_leaked == 0 else "1 test face has" if test_leaked == 1 else f"{test_leaked:,} test faces have")
    return (f"The set has {groups} and {words.count(n_blank, 'blank image')}; in this split, {leaked} an identical copy on the "
            "training or validation side.")


def conflict_sentence(groups: list, origins) -> str:
    """What the groups of identical faces with different labels are, by origin (``origins``: one per face, or None)."""
    if not groups:
        return "No group of identical faces carries two labels."
    where = ""
    if origins is not None:
        counts: dict[str, int] = {}
        for g in groups:
            key = "/".join(sorted({str(origins[int(i)]) for i in g}))
            counts[key] = counts.get(key, 0) + 1
        where = " (" + ", ".join(f"{n} within {k}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1])) + ")"
    return (f"{len(groups)} groups of identical faces carry two labels{where}; they stay in the data as it ships, "
            "so a network meets both labels for the same pixels.")


def origin_sentence(table) -> str:
    """FERGIT's test accuracy by origin (a DataFrame from ``tables.accuracy_by_group``)."""
    rows = {k: v for k, v in table.iterrows() if k != "all"}
    if len(rows) < 2:
        return "All test faces come from one origin here, so accuracy by origin says nothing more."
    parts = [f"{ci_text(v['accuracy'], v['ci low'], v['ci high'])} on the {int(v['test faces']):,} {k} faces "
             f"(always answering {v['largest class']}: {v['its share']:.1%})" for k, v in rows.items()]
    best = max(rows, key=lambda k: rows[k]["accuracy"])
    worst = min(rows, key=lambda k: rows[k]["accuracy"])
    above = {k: rows[k]["accuracy"] - rows[k]["its share"] for k in (best, worst)}
    return ("On this run's FERGIT test split the network scored " + words.join(parts) +
            f": {pp(rows[best]['accuracy'] - rows[worst]['accuracy'])} on {best} faces against {worst} faces. Above answering each "
            f"origin's largest class, it scored {pp(above[best])} on {best} faces against {pp(above[worst])} on {worst} faces.")


def posed_sentence(summaries: dict[str, dict]) -> str:
    """How many posed photos each network got right, beside what the paper reports."""
    parts = []
    for label, s in summaries.items():
        conf = f", {s['confidence_right']:.0%} on average for the right ones" if s.get("confidence_right") is not None else ""
        errors = "; ".join(f"{e['posed']} taken for {e['predicted']} at {e['probability']:.0%}" if e["predicted"] is not None
                           else f"no face found in the {e['posed']} photo" for e in s["errors"]) or "no errors"
        parts.append(f"the network trained on {label}: **{s['n_right']} of {s['n_photos']}** right{conf} ({errors})")
    posed, predicted = PAPER_POSED_ERROR
    return ("Of the posed photos, " + "; ".join(parts) + f". The paper does not count its photos; it shows one right prediction at "
            f"{PAPER['posed_confidence']:.0%} probability and says the wrong ones, on some labels, came at a low "
            f"{PAPER['posed_wrong_confidence']:.0%}, for example {posed} taken for {predicted}.")


def best_epoch_sentence(r: TrainingRecord, arch: str) -> str:  # arch: a key of PAPER_CURVES
    """The paper's final accuracies (real data only) and what the network we keep, its best epoch's, scored in training."""
    best, n = r.training.best_epoch, r.training.epochs_run
    h = r.history[best - 1] if best else {}
    ours = (f"Ours is the network of epoch {best} of the {n} it ran: in training it scored {h['val_accuracy']:.1%} on the validation faces "
            f"and {h['accuracy']:.1%} on that epoch's {words.training_batches(r.config)}.") if h else ""
    if h and r.val is not None and abs(r.val.accuracy - h["val_accuracy"]) * r.val.n >= 0.5:  # at least one face apart
        ours += (f" Evaluated again after export, the network scores {r.val.accuracy:.1%} on the validation faces; the provenance box "
                 "and the tables use that evaluation.")
    if r.data.synthetic:
        return ours + " These curves come from synthetic faces: the paper's curves are not set beside them."
    paper = PAPER_CURVES[arch]
    figure = paper["where"].split(", ")[-1]
    return (f"The paper reports {share(PAPER[f'{arch}_test_accuracy'])} test, {share(paper['val_accuracy'])} validation and {share(paper['accuracy'])} "
            f"training accuracy, with curves over 100 epochs ({figure}; {PAPER[f'{arch}_run_time_min']} minutes on a K80 GPU)"
            + (f"; its text also says \"{paper['more_epochs']}\", so these numbers may come from more than 100 epochs. " if paper.get("more_epochs") else ". ")
            + ours)


def curves_sentence(r: TrainingRecord, arch: str) -> str:
    """Our training curves beside what the paper says of its own (``PAPER_CURVES[arch]``):
    where each ended, how far apart training and validation are, and, while a training is
    short of the paper's epoch, that the comparison is of curves at different epochs."""
    paper, h = PAPER_CURVES[arch], r.history
    if not h:
        return "This training recorded no epochs."
    last = h[-1]
    best_val = max(range(len(h)), key=lambda i: h[i]["val_accuracy"]) + 1
    lowest_val_loss = min(range(len(h)), key=lambda i: h[i]["val_loss"]) + 1
    n, planned = len(h), r.config["epochs"]
    ours = (f"After {n} of {planned} planned epochs ours stands at {last['accuracy']:.1%} training and {last['val_accuracy']:.1%} "
            f"validation accuracy (a gap of {pp(round(last['accuracy'], 3) - round(last['val_accuracy'], 3))}); its validation accuracy peaked at epoch {best_val} "
            f"and its validation loss was lowest at epoch {lowest_val_loss}.")
    weighted = (f" Training accuracy here, as in Keras' own history, is the running accuracy over each epoch's {words.training_batches(r.config)}"
                " (not class-weighted); the training loss is class-weighted, the validation loss is not.")
    if r.data.synthetic:
        return ours + weighted
    theirs = (f"The paper's {arch} network ended {'at' if paper.get('more_epochs') else f'its {PAPER_EPOCHS} epochs at'} {share(paper['accuracy'])} training and {share(paper['val_accuracy'])} "
              f"validation accuracy ({pp(paper['accuracy'] - paper['val_accuracy'])}), and the paper says \"{paper['says']}\" ({paper['where']}).")
    note = ""
    if n < PAPER_CURVES_EPOCHS:
        stop = paper.get("stops_generalising_epoch")
        note = (f" Ours has not reached the paper's epoch 100{'' if not stop or n >= stop else f' nor its epoch {stop}'}: "
                f"what the paper saw later cannot be checked against this run yet.")
    return ours + " " + theirs + note + weighted


def paper_reports(r: TrainingRecord, key: str) -> str:
    """"The paper reports 97%." after a sentence about ``r``, or nothing when ``r`` trained on synthetic faces."""
    return "" if r.data.synthetic else f"The paper reports {share(PAPER[key])}."


def ck_peers(random_run: TrainingRecord) -> tuple[str, dict[str, float]]:
    """The sentence above the paper's Table 5 and its rows: ours beside the paper's and its peers' only on real CK+."""
    rows = {"Bah & Xue (2022), split not stated": PAPER["ckplus_test_accuracy"]} | PEERS_CKPLUS
    why = "The paper's 97% and the figures it cites come from random or unstated splits of CK+"
    if random_run.data.synthetic:
        return why + "; this run's CK+-like faces are synthetic, so its number is not set among them.", rows
    lo, hi = accuracy_interval(random_run.test.accuracy, random_run.test.n)  # the peers publish none: ours carries the uncertainty
    ours = f"ours, random split (this run; 95% CI {ci_range(lo, hi)}, {random_run.test.n:,} test faces)"
    return why + ", so they are set beside our random-split number only.", {ours: random_run.test.accuracy} | rows


FOCUS_RATIO = 1.25  # a band whose heat-map share is this many times its share of the face (or less than its inverse) is said to be looked at more (or less)


def gradcam_sentence(shares: dict[str, float], areas: dict[str, float], n_maps: int | None = None, n_empty: int = 0) -> str:
    """The Grad-CAM maps' share in each band of the face beside the band's share of the face's
    area (what an evenly spread map gives it), and whether any band stands out; ``n_empty`` of the
    ``n_maps`` maps had no positive evidence and so no shares."""
    over = "Over all test faces" if not n_empty else f"Over the {n_maps - n_empty:,} of {n_maps:,} test faces whose map has any positive evidence"
    if n_maps is not None and n_empty >= n_maps:
        return "No test face's map has any positive evidence at this layer, so the maps show nothing of where the network looks."
    ratio = {b: shares[b] / areas[b] for b in shares}
    parts = [f"{shares[b]:.0%} on the {b} band ({areas[b]:.0%} of the face)" for b in shares]
    rest, rest_area = 1 - sum(shares.values()), 1 - sum(areas.values())
    text = (f"{over}, {words.join(parts + [f'{rest:.0%} on the rows above and below them ({rest_area:.0%})'])}. "
            f"A heat map spread evenly over the face would give each band its share of the face; ")
    more = [f"the {b} band ({ratio[b]:.2f} times its share)" for b in shares if ratio[b] >= FOCUS_RATIO]
    less = [f"the {b} band ({ratio[b]:.2f} times)" for b in shares if ratio[b] <= 1 / FOCUS_RATIO]
    if not more and not less:
        return text + (f"each band here gets between {min(ratio.values()):.2f} and {max(ratio.values()):.2f} times its share, so at this "
                       "coarseness the maps show no focus on the mouth, the nose or the brows and eyes: they neither support nor "
                       "contradict the paper's view of where a network should look.")
    return text + (f"the maps favour {words.join(more)}" if more else "the maps give no band markedly more than its share") + (
        f", and give less to {words.join(less)}" if less else "") + ": a coarse sign of where the network looks."
