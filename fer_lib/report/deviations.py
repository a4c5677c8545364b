"""Where this replication departs from the paper, and what each departure measurably changed in a run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fer_lib.data.synthetic import GENERATED_SCENES
from fer_lib.paper import PAPER_EPOCHS
from fer_lib.pipeline import registry
from fer_lib.pipeline.records import TrainingRecord, read_ck_seeds, read_folds, read_page, read_training, read_trainings
from fer_lib.report import claims, words
from fer_lib.report.claims import baselines_sentence, pp
from fer_lib.report.scorecard import minutes_for_100, minutes_per_epoch, ran_the_paper_epochs
from fer_lib.report.stats import interval_text
from fer_lib.train.config import TrainConfig

NOT_MEASURED = "not measured in this run"


def _ckplus(run_dir: Path, name: str) -> TrainingRecord | None:
    r = read_training(run_dir, name)
    return r if r is not None and r.test is not None else None


def _result(r: TrainingRecord) -> str:
    return f"{interval_text(r.test.accuracy, r.test.n)} test accuracy, {r.test.n_predicted_classes} of {len(r.test.per_class)} classes predicted"


def _ablation(run_dir: Path, base: str, other: str, describe) -> str:
    """The effect of one change on CK+'s random split: the base training against the one that differs only by it."""
    a, b = _ckplus(run_dir, base), _ckplus(run_dir, other)
    if a is not None and b is None:
        return _not_run(run_dir, other)
    if a is None or b is None:
        return NOT_MEASURED
    return f"{describe(a, b)} {baselines_sentence({'these test faces': a.test})}"


def batchnorm_effect(run_dir: Path) -> str:
    return _ablation(run_dir, registry.CK_RANDOM.name, registry.CK_KERAS_BN.name, lambda on, off: (
        f"CK+ random split, same recipe: refreshed, {_result(on)} (best epoch {on.training.best_epoch}, "
        f"{on.training.epochs_run} epochs run); Keras' averages only, {_result(off)} (best epoch {off.training.best_epoch}, "
        f"{off.training.epochs_run} epochs run): {pp(on.test.accuracy - off.test.accuracy)} with the refresh after "
        f"{on.training.epochs_run} epochs."))


def precision_effect(run_dir: Path) -> str:
    base = _ckplus(run_dir, registry.CK_RANDOM.name)
    if base is not None and base.config["precision"] == "float32":
        return "the run is in float32 already, the paper's precision"
    return _ablation(run_dir, registry.CK_RANDOM.name, registry.CK_FLOAT32.name, lambda bf16, f32: (
        f"CK+ random split: {words.precision(bf16.config['precision'])}, {_result(bf16)}, {minutes_per_epoch(bf16) * 60:.1f} s an epoch; "
        f"float32, {_result(f32)}, {minutes_per_epoch(f32) * 60:.1f} s an epoch ({words.device(f32.environment.get('device'))})."))


def budget_effect(run_dir: Path) -> str:
    rows = [r for n in registry.FERGIT_NETWORKS if (r := read_training(run_dir, n.name)) is not None]
    if not rows:
        return NOT_MEASURED
    said = "; ".join(f"{r.name}: {r.training.epochs_run} of {r.config['epochs']} planned epochs ({words.status(r.stop_status)})" for r in rows)
    if any(r.data.synthetic for r in rows):
        return said + " (on synthetic faces: neither the epochs nor their times say anything of the paper's budget)."
    return said + (" (each results page shows its curves; the scorecard gives the time of 100 epochs, measured where a training ran them, "
                   "else extrapolated).")


def _held(run_dir: Path, name: str, says: str) -> str:
    """What a page shows with training ``name``, or that it has not run yet."""
    return says if read_training(run_dir, name) is not None else _not_run(run_dir, name)


def _not_run(run_dir: Path, name: str) -> str:
    from fer_lib.pipeline.trainings import train_command

    return f"not run yet in this run folder ({train_command(name, run_dir=run_dir)} runs it)"


def _folds(run_dir: Path) -> str:
    folds = read_folds(run_dir)
    if not folds:
        return "the CK+ page reports the random split; no fold has run yet"
    planned = folds[0].params.get("n_folds") or len(folds)
    run = f"all {planned}" if len(folds) == planned else f"{len(folds)} of the {planned}"
    return f"the CK+ page reports both ({run} planned folds run)"


def budget_why(run_dir: Path) -> str:
    """How long the paper's budget takes here, from the FERGIT trainings' measured epochs."""
    record = fergit_record(run_dir)
    if record is not None and record.data.synthetic:
        return "the synthetic demo must finish in minutes; its epochs on a few thousand generated faces say nothing of a FERGIT epoch's time"
    said = []
    for n in registry.FERGIT_NETWORKS:
        if (r := read_training(run_dir, n.name)) is None or (m := minutes_for_100(r)) is None:
            continue
        if ran_the_paper_epochs(r):
            said.append(f"the {n.name}'s {PAPER_EPOCHS} FERGIT epochs took {m / 60:.1f} h here")
        else:
            said.append(f"a {n.name} FERGIT epoch takes {m / PAPER_EPOCHS:.1f} min here (median), so {PAPER_EPOCHS} epochs about {m / 60:.0f} h")
    return "; ".join(said) or "a FERGIT epoch takes minutes on a 2-core CPU: 100 epochs take hours per network"


def fergit_record(run_dir: Path) -> TrainingRecord | None:
    """The record that speaks for this run's FERGIT trainings: its residual CNN's, else any training's."""
    return read_training(run_dir, registry.RESIDUAL.name) or next(iter(read_trainings(run_dir)), None)


def run_recipe(run_dir: Path) -> dict:
    """The recipe of this run's FERGIT trainings, over the recipe's defaults."""
    record = fergit_record(run_dir)
    return TrainConfig().to_dict() | (record.config if record is not None else {})


def _budget(recipe: dict, ck: dict) -> str:
    cap = recipe.get("max_epochs_per_session")
    same = "the same plan of" if recipe["epochs"] == PAPER_EPOCHS else "a plan of"
    return (f"{same} {recipe['epochs']} epochs{_on_ck(ck, recipe, 'epochs')}" + (f", at most {cap} a session (each resumes the last)" if cap else "")
            + ", on a CPU")


def _restart_rows(run_dir: Path) -> list[tuple]:
    """A row when some training restarted from saved weights with a fresh optimizer (a machine without its state)."""
    restarted = [(r.name, r.restarts) for r in read_trainings(run_dir) if r.restarts]
    if not restarted:
        return []
    said = "; ".join(f"{name}: after epoch{'s' if len(xs) > 1 else ''} {words.join([str(x.epoch) for x in xs])}" for name, xs in restarted)
    return [("Interrupted trainings", "one uninterrupted training per network (implied)",
             f"restarted from the saved network with a fresh optimizer when a session's machine lacked the training's saved state ({said})",
             "the trainings span many sessions, and a new machine starts without the previous one's state",
             "not measured: the optimizer's moments and the augmentation's random state start again, so the epochs after a restart "
             "are not those an uninterrupted run would give (each training's page lists its restarts)")]


def _data_rows(run_dir: Path) -> list[tuple]:
    """The rows of FERGIT, the CK+ protocol and the posed photos, from what this run's records say it used."""
    fergit, ck, folds = fergit_record(run_dir), _ck_record(run_dir), read_folds(run_dir)
    n_folds = folds[0].params.get("n_folds") if folds else None
    fold_words = f"{n_folds} subject-independent folds" if n_folds else "subject-independent folds"
    ck_on = f" (on {ck.data.n:,} synthetic CK+-like faces)" if ck is not None and ck.data.synthetic else ""
    posed = read_page(run_dir, registry.HOLDOUT.page)
    photos = posed.values.get("photos") if posed is not None else None
    if fergit is not None and fergit.data.synthetic:
        data = (f"{fergit.data.n:,} generated synthetic faces in its place", "the embedded default runs offline, without the real data",
                "not compared with the paper")
    else:
        data = ("all of FER-2013 and muxspace, minus contempt and one muxspace image its legend labels twice, differently", "the paper does not say which faces it kept",
                "the data-exploration page counts ours")
    if photos == GENERATED_SCENES:
        scenes = (f"{posed.values.get('n_photos')} {GENERATED_SCENES}, in place of photos", "this run has no real photos", "not compared with the paper")
    else:
        scenes = ("four posed photos of muxspace user 628, whose 48x48 faces are in FERGIT", "the paper's photos are not available",
                  _held(run_dir, registry.HOLDOUT.name, "the posed-photo page also shows a network trained with that person held out"))
    return [
        ("FERGIT", "49,300 faces of FER-2013 and muxspace (make-up unpublished)", *data),
        ("CK+ protocol", "a test split of CK+ (how it was drawn is not said)", f"a random split of the frames, and {fold_words} beside it{ck_on}",
         "frames of one sequence are near copies, so a random split tests seen people", _folds(run_dir)),
        ("Posed photos", "photos of one person (unpublished)", *scenes),
    ]


def _refresh(recipe: dict) -> str:
    n = int(recipe["bn_refresh_faces"])
    return (f"re-estimated on up to {n:,} training faces with dropout off before every validation and export" if n else
            "Keras' moving averages, as the paper's (this run's recipe does not refresh them)")


def _recipe_rows(recipe: dict, ck: dict) -> list[tuple]:
    """Rows for what this run's recipe changes beyond the reference run's departures: width, augmentation, batch size."""
    rows = []
    if recipe["width"] != 1.0:
        rows.append(("Network width", "Table 1's networks", f"{recipe['width']:g} of Table 1's width in every layer (about {recipe['width'] ** 2:.0%} of its multiply-adds)",
                     "a run that must finish in minutes; the parameter counts set against Table 1 come from the full-width networks, built "
                     "but not trained",
                     "not compared with the paper"))
    if not words.augmented(recipe):
        rows.append(("Augmentation", "flip, rotation, shift, zoom, brightness", "none",
                     "on a budget of a few hundred steps these networks did not learn with it in our trials", "not compared with the paper"))
    if recipe["batch_size"] != 64 or ck.get("batch_size", 64) != 64:
        rows.append(("Batch size", "64 (Section 2.4)", f"{recipe['batch_size']}{_on_ck(ck, recipe, 'batch_size')}", "more optimizer steps in the same time",
                     "not compared with the paper"))
    return rows


def _ck_record(run_dir: Path) -> TrainingRecord | None:
    """The record that speaks for the run's CK+ trainings: the random split's, else a fold's."""
    return read_training(run_dir, registry.CK_RANDOM.name) or next(iter(read_folds(run_dir)), None)


def _on_ck(ck: dict, recipe: dict, key: str) -> str:
    """`` (16 on the CK+ page)`` when the CK+ trainings' value of ``key`` differs from the FERGIT ones'."""
    return f" ({ck[key]} on the CK+ page)" if key in ck and ck[key] != recipe[key] else ""


def kept_markdown(run_dir: str | Path) -> str:
    """What this run keeps of the paper's recipe, in a sentence from its own recipe."""
    recipe = run_recipe(Path(run_dir))
    nets = ("The networks, layer by layer (Table 1's 9,773,111 parameters)" if recipe["width"] == 1.0 else
            f"The networks' layers, at {recipe['width']:g} of their width")
    batch = f", batch {recipe['batch_size']}" if recipe["batch_size"] == 64 else ""
    return (f"**What stays the paper's.** {nets}, the optimizer (Nadam, learning rate {recipe['learning_rate']:g}, beta_1 {recipe['beta_1']:g}, "
            f"beta_2 {recipe['beta_2']:g}){batch}, class-weighted cross-entropy, ReduceLROnPlateau on validation accuracy (patience "
            f"{recipe['reduce_lr_patience']}, min_lr {recipe['min_lr']:g}), EarlyStopping (patience {recipe['early_stopping_patience']}) and the "
            f"best-accuracy checkpoint.")


def _seeds_row(run_dir: Path, seed: int) -> tuple:
    """One run at the recipe's seed; the CK+ random split also at the other seeds this run drew it at, with their spread."""
    drawn = read_ck_seeds(run_dir)
    finished = [r for r in drawn if r.finished]
    also = f"; the CK+ random split also at seed{'s' if len(drawn) > 2 else ''} {words.join([str(r.config['seed']) for r in drawn[1:]])}" if len(drawn) > 1 else ""
    return ("Seeds", "one run (no seed given)", f"one run, seed {seed}{also}; the replicate command's --seeds option repeats a whole run per seed",
            "compute", f"the CK+ random split: {claims.spread_text(finished)}" if len(finished) > 1 else NOT_MEASURED)


def deviations_table(run_dir: str | Path) -> pd.DataFrame:
    """One row per departure from the paper: what the paper does, what we do, why, and the measured effect in ``run_dir``."""
    run_dir = Path(run_dir)
    recipe, ck = run_recipe(run_dir), getattr(_ck_record(run_dir), "config", {})
    augment = ("flip, ±10°, ±10% shift and zoom, ±20% brightness", "mild, because the faces are already cropped and roughly aligned") \
        if words.augmented(recipe) else ("none in this run (see the row above)", "this run trains without augmentation")
    rows = _recipe_rows(recipe, ck) + [
        ("BatchNorm statistics at inference", "Keras' moving averages (momentum 0.99)",
         _refresh(recipe),
         "after a short training (a few hundred steps) the averages lag the weights and dropout shifts the variance; in the test suite, a "
         "network trained 88 steps on generated faces tells at most 4 classes apart at inference without the refresh, and 6 or 7 with it",
         batchnorm_effect(run_dir)),
        ("Numeric precision", "float32 (Keras 2 on a K80 GPU, implied)", words.precision(recipe["precision"]),
         "the paper's" if recipe["precision"] == "float32" else
         "chosen for the first runs on a CPU with bfloat16 instructions; every profile trains in float32 since", precision_effect(run_dir)),
        ("Training budget", f"{PAPER_EPOCHS} epochs on a GPU", _budget(recipe, ck), budget_why(run_dir), budget_effect(run_dir)),
        *_restart_rows(run_dir),
        ("ReduceLROnPlateau factor", "not given", "0.5", "Keras needs a value; 0.5 is a common choice", NOT_MEASURED),
        ("Augmentation ranges", "flip, rotation, shift, zoom, brightness (no ranges)", *augment, NOT_MEASURED),
        ("Class weights", "rare classes weighted high, common ones low (no rule)", "scikit-learn's balanced rule, n / (k · count)",
         "a stated rule in place of an unstated one", _held(run_dir, registry.UNWEIGHTED.name, "the class-weighting page compares the residual CNN with and without them")),
    ] + _data_rows(run_dir) + [
        _seeds_row(run_dir, recipe["seed"]),
    ]
    return pd.DataFrame(rows, columns=["what", "the paper", "ours", "why", "measured effect in this run"])
