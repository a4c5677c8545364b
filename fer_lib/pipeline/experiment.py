"""One training from a profile's parameters: data -> split -> train -> evaluate -> run.json.

A run folder's ``training/<name>/`` holds one training. Calling :func:`run_training`
again on it

- reuses a finished training (or, with ``reuse_only``, any exported one) as it is,
  after checking that its recipe, its data's SHA-256 and its split match what is asked:
  anything else is a :class:`TrainingMismatch` naming what differs;
- resumes a paused one from ``state/`` (which checks the same, see ``train``);
- restarts a paused one whose ``state/`` is lost (a new machine) from the network of its
  best epoch so far, ``model.keras`` in its folder, else from the copy shipped in ``models/``
  when ``models.json`` shows it is that training's, at that epoch or an earlier one
  (see :func:`restart_source`);
- otherwise trains from the first epoch.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import numpy as np

from fer_lib.data.faceset import FaceSet
from fer_lib.data.registry import load_dataset
from fer_lib.data.splits import Split, fold_split, official_split, random_split, subject_folds
from fer_lib.pipeline import registry
from fer_lib.pipeline.profiles import DEFAULTS
from fer_lib.pipeline.provenance import data_fingerprint, device_description, environment
from fer_lib.pipeline.records import DataInfo, Metrics, Outcome, RestartInfo, Session, TrainingRecord, read_record, write_record
from fer_lib.train.config import TrainConfig

REUSE_ENV = "FER_TRAININGS"  # "reuse": pages show the trainings a run folder holds and never train


class TrainingMismatch(ValueError):
    """A run folder holds a training of another recipe, other data or another split."""


def make_split(faces: FaceSet, protocol: str, seed: int, *, n_folds: int | None = None, val: float = 0.05, test: float = 0.05) -> Split:
    """The split named ``protocol``: ``random`` (the paper's stratified 90/5/5), ``official``
    (FER-2013's Training / PublicTest / PrivateTest) or ``subject-fold-K`` (fold K of
    ``n_folds`` subject-independent folds as test, the next fold as validation)."""
    if protocol == registry.RANDOM_SPLIT:
        return random_split(faces.labels, val=val, test=test, seed=seed)
    if protocol == registry.OFFICIAL_SPLIT:
        return official_split(faces.meta)
    if (k := registry.fold_of(protocol)) is not None:
        if not n_folds:
            raise ValueError(f"split {protocol!r} needs n_folds")
        if not 0 <= k < n_folds:
            raise ValueError(f"split {protocol!r}: fold {k} is not among {n_folds} folds")
        folds = subject_folds(faces.labels, faces.meta["subject"].to_numpy(), n_folds=n_folds, seed=seed)
        return fold_split(folds, k)
    raise ValueError(f"unknown split protocol {protocol!r}; expected {registry.RANDOM_SPLIT!r}, {registry.OFFICIAL_SPLIT!r} or {registry.FOLD_SPLIT_FORM!r}")


def file_names(faces: FaceSet) -> np.ndarray:
    """Each face's source file name, without its folders."""
    return faces.meta["file"].astype(str).map(lambda f: f.replace("\\", "/").rsplit("/", 1)[-1]).to_numpy()


def sides_of(faces: FaceSet, split: Split, files: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Which side of ``split`` (``train``, ``val``, ``test``, or ``none`` when the split leaves it out)
    each face named in ``files`` is on; names that match no face are left out, and a name that
    matches several faces is an error (which of them would it be?)."""
    names = file_names(faces)
    sides = {}
    for name in files:
        found = np.flatnonzero(names == name)
        if len(found) > 1:
            raise ValueError(f"{faces.source}: {len(found)} faces have the file name {name!r} (positions {found[:5].tolist()}); expected one")
        if len(found):
            sides[name] = next((side for side in ("train", "val", "test") if found[0] in getattr(split, side)), "none")
    return sides


def hold_out(faces: FaceSet, split: Split, files: list[str] | tuple[str, ...]) -> Split:
    """``split`` without the faces whose file name is in ``files`` on the training and
    validation sides (the test side is unchanged). Each name must match a face."""
    if not files:
        return split
    names = file_names(faces)
    missing = sorted(set(files) - set(names))
    if missing:
        raise ValueError(f"hold-out files not in the data set {faces.source}: {missing}")
    out = np.flatnonzero(np.isin(names, list(files)))
    return Split(np.setdiff1d(split.train, out), np.setdiff1d(split.val, out), split.test)


def split_sha256(split: Split) -> str:
    """SHA-256 of the split's three index arrays."""
    h = hashlib.sha256()
    for part in (split.train, split.val, split.test):
        h.update(np.asarray(part, "<i8").tobytes())
        h.update(b"|")
    return h.hexdigest()


def _reuse_check(record: TrainingRecord, config: TrainConfig, data: dict, split_hash: str, path: Path) -> None:
    problems = []
    saved, now = TrainConfig.from_dict(record.config).recipe(), config.recipe()
    if saved != now:
        problems.append(f"recipe differs in {sorted(k for k in set(saved) | set(now) if saved.get(k) != now.get(k))}")
    if record.data.sha256 != data["sha256"]:
        problems.append(f"data sha256 {record.data.sha256[:12]} is not this data's {data['sha256'][:12]} ({data['source']})")
    if record.data.split_sha256 != split_hash:
        problems.append(f"split sha256 {str(record.data.split_sha256)[:12]} is not this split's {split_hash[:12]}")
    if problems:
        raise TrainingMismatch(f"{path} holds another training: " + "; ".join(problems) + f". Use another run folder or delete {path.parent}.")


def _has_state(out: Path) -> bool:
    """Whether ``out`` holds a saved state, whole or not (see :mod:`fer_lib.train.state`)."""
    from fer_lib.train.state import NAMES

    return any((out / name).is_dir() for name in NAMES)


def kept_precision(config: TrainConfig, previous: TrainingRecord) -> TrainConfig:
    """``config`` with the precision ``previous`` was recorded in: a training keeps the precision it
    started in (the profiles' default went from bfloat16 to float32 after the first runs were recorded;
    resuming one in bfloat16 on a CPU without it warns, see :func:`fer_lib.train.precision.check`)."""
    import dataclasses

    recorded = previous.config.get("precision", config.precision)
    return config if recorded == config.precision else dataclasses.replace(config, precision=recorded)


def reuse_only() -> bool:
    """Whether pages must show the trainings they find and never train (``$FER_TRAININGS=reuse``)."""
    return os.environ.get(REUSE_ENV, "") == "reuse"


def run_training(
    params: dict,
    out_dir: str | Path,
    *,
    faces: FaceSet | None = None,
    split: Split | None = None,
    verbose: int = 0,
    reuse: bool | None = None,
    progress: bool = False,
) -> TrainingRecord:
    """Train (resume, or reuse) the model ``params`` describe in ``out_dir`` and write its record.

    ``params`` holds ``dataset``, ``data_root``, ``seed``, ``n_faces`` and ``n_subjects``
    (synthetic sets), ``split`` (see :func:`make_split`), ``n_folds``, ``holdout_files``
    and a ``train`` mapping of TrainConfig values. ``faces`` and ``split`` may be given
    to skip loading and splitting. A paused run (budget reached) is evaluated on its best
    epoch so far (``interim``) and continues when called again. With ``reuse`` (default:
    ``$FER_TRAININGS=reuse``) a training found in ``out_dir`` is returned as it is,
    paused or not, and a missing one is an error. With ``progress`` each epoch is reported
    (:class:`fer_lib.train.progress.EpochProgress`) in place of Keras' own output.
    """
    out = Path(out_dir)
    path = out / "run.json"
    reuse = reuse_only() if reuse is None else reuse
    seed = int(params.get("seed", DEFAULTS["seed"]))
    config = TrainConfig.from_dict({"seed": seed} | dict(params.get("train") or {}))
    start = time.perf_counter()
    if faces is None:
        faces = load_dataset(params.get("dataset", DEFAULTS["dataset"]), params.get("data_root"), seed=seed,
                             n_faces=int(params.get("n_faces", DEFAULTS["n_faces"])), n_subjects=int(params.get("n_subjects", DEFAULTS["n_subjects"])))
    protocol = str(params.get("split", DEFAULTS["split"]))
    if split is None:
        split = make_split(faces, protocol, seed, n_folds=params.get("n_folds"))
    holdout = list(params.get("holdout_files") or [])
    split = hold_out(faces, split, holdout)
    load_s = time.perf_counter() - start
    data = data_fingerprint(faces, params.get("data_root"))
    split_hash = split_sha256(split)

    previous = read_record(TrainingRecord, path) if path.exists() else None
    if previous is not None:
        config = kept_precision(config, previous)
        _reuse_check(previous, config, data, split_hash, path)
        if previous.finished or reuse:
            planned = previous.config["epochs"]
            extend = (not reuse and previous.training.status == "completed" and config.epochs > planned and _has_state(out))
            if planned != config.epochs and not extend:
                raise TrainingMismatch(f"{path} holds a training planned for {planned} epochs ({previous.training.status} after "
                                       f"{previous.training.epochs_run}), not {config.epochs}. Use another run folder or delete {out}.")
            if not extend:
                return previous
    if reuse:
        raise FileNotFoundError(f"{path} does not exist: no training {out.name!r} in this run folder to reuse ($FER_TRAININGS=reuse); "
                                f"run `python -m fer_lib trainings --out {out.parent.parent}` first")
    from fer_lib.train.lock import folder_lock

    with folder_lock(out, f"training {out.name}"):
        return _train_and_record(params, config, faces, split, out, protocol, holdout, data, split_hash, load_s, previous, verbose, start, progress)


def restart_source(out: Path, previous: TrainingRecord | None, models_dir: Path | None = None):
    """How to carry on the paused training in ``out`` whose ``state/`` is missing: a
    :class:`~fer_lib.train.loop.Restart` from the newest saved network of it, or None
    (a finished training, one with its state, or no network of it to be found).

    ``out/model.keras`` (the network of its best epoch) when the folder has it; otherwise the
    shipped copy ``models_dir/<name>.keras`` (default ``models/``), accepted only when
    ``models.json`` gives it this training's name, data and split, an epoch it has run, and its
    sha256. A copy shipped at an earlier epoch restarts it from that epoch: the history's later
    epochs are dropped, as their network is lost."""
    from fer_lib.train.loop import Restart

    if previous is None or previous.finished or _has_state(out) or not previous.training.best_epoch:
        return None
    t = previous.training
    if (out / "model.keras").is_file():
        return Restart(out / "model.keras", t.best_epoch, f"state/ missing: restarted from {out.name}/model.keras, the network of epoch {t.best_epoch}")
    found = _shipped(previous, out.name, models_dir, same_epoch=False)
    if found is None:
        return None
    weights, entry = found
    epoch, shipped_at = entry["best_epoch"], entry["epochs_run"]
    earlier = (f", shipped after epoch {shipped_at} of the {t.epochs_run} run so far (the later epochs' networks were lost with their machine)"
               if shipped_at < t.epochs_run else "")
    return Restart(weights, epoch, f"state/ missing (a new machine): restarted from the shipped network of epoch {epoch}{earlier}")


def shipped_network(record: TrainingRecord, name: str, models_dir: Path | None = None) -> Path | None:
    """The shipped copy ``models_dir/<name>.keras`` (default ``models/``) of training ``record``'s
    exported network: only when ``models.json`` gives it this training's name, data, split,
    epochs and best epoch, and its sha256 (a ValueError when the file does not match)."""
    found = _shipped(record, name, models_dir, same_epoch=True)
    return found[0] if found else None


def _shipped(record: TrainingRecord, name: str, models_dir: Path | None, same_epoch: bool) -> tuple[Path, dict] | None:
    """The shipped copy of training ``record``'s network and its ``models.json`` entry (see :func:`shipped_network`);
    without ``same_epoch``, also a copy shipped at an earlier epoch of the same training."""
    import json

    from fer_lib.settings import REPO_ROOT

    models_dir = Path(models_dir) if models_dir else REPO_ROOT / "models"
    manifest = models_dir / "models.json"
    entry = json.loads(manifest.read_text()).get(name) if manifest.is_file() else None
    if not entry:
        return None
    t = record.training
    same = {"data_sha256": record.data.sha256, "split_sha256": record.data.split_sha256}
    planned = record.config.get("epochs")
    if any(entry.get(k) != v for k, v in same.items()) or entry.get("epochs_planned", planned) != planned or Path(str(entry.get("run", ""))).name != name:
        return None
    epoch, run = entry.get("best_epoch"), entry.get("epochs_run")
    if same_epoch and (run, epoch) != (t.epochs_run, t.best_epoch):
        return None
    if not (isinstance(epoch, int) and isinstance(run, int) and 1 <= epoch <= t.best_epoch and run <= t.epochs_run):
        return None
    weights = models_dir / entry["file"]
    if not weights.is_file() or hashlib.sha256(weights.read_bytes()).hexdigest() != entry.get("sha256"):
        raise ValueError(f"{weights}: missing or not the file {manifest} describes (sha256 {str(entry.get('sha256'))[:12]}); "
                         f"restore it with git checkout")
    return weights, entry


def _earlier_sessions(previous: TrainingRecord | None, started_epoch: int, history: list[dict]) -> list[Session]:
    """The sessions before this one: the record's, and one for epochs a session ran but never
    recorded (it was killed after saving its state), its time taken from those epochs' rows."""
    sessions = list(previous.sessions if previous else [])
    recorded = sessions[-1].epochs_run if sessions else 0
    if started_epoch > recorded:
        lost = [r for r in history if recorded <= r["epoch"] < started_epoch]
        sessions.append(Session(wall_s=sum(r["epoch_time_s"] for r in lost), status="interrupted", epochs_run=started_epoch))
    return sessions


def _train_and_record(params, config, faces, split, out, protocol, holdout, data, split_hash, load_s, previous, verbose, start, progress=False) -> TrainingRecord:
    import keras

    from fer_lib.model.networks import build_model, training_gflop_per_image
    from fer_lib.settings import shown
    from fer_lib.train.evaluate import evaluate
    from fer_lib.train.loop import read_history, train

    x, y = faces.images, faces.labels
    restart = restart_source(out, previous)
    watch = []
    if progress:
        from fer_lib.train.progress import EpochProgress

        watch, verbose = [EpochProgress(out.name, config.epochs, len(split.train))], 0
    outcome = train(config, x[split.train], y[split.train], x[split.val], y[split.val], out, class_names=faces.class_names, verbose=verbose,
                    restart=restart, extra_callbacks=watch)
    restarts = list(previous.restarts if previous else [])
    for r in outcome.pop("restarts"):
        r = RestartInfo(**(r | {"weights": shown(r["weights"])}))
        if r not in restarts:
            restarts.append(r)
    if outcome.get("class_weight") is not None:
        outcome["class_weight"] = {str(k): float(v) for k, v in outcome["class_weight"].items()}
    if outcome.get("train_images_per_s"):
        gflop = training_gflop_per_image(build_model(config.arch, n_classes=len(faces.class_names), width=config.width))
        outcome |= {"gflop_per_train_image": gflop, "achieved_gflop_s": outcome["train_images_per_s"] * gflop}
    metrics = {}
    if outcome.get("parameters"):  # train() exported model.keras (the best epoch so far)
        model = keras.models.load_model(out / "model.keras")
        metrics["val"] = Metrics(**evaluate(model, x[split.val], y[split.val], faces.class_names))
        if len(split.test):
            metrics["test"] = Metrics(**evaluate(model, x[split.test], y[split.test], faces.class_names))
    env = environment() | {"device": device_description()}
    sessions = _earlier_sessions(previous, outcome.pop("started_epoch", 0), read_history(out / "history.csv")) + [
        Session(wall_s=time.perf_counter() - start, status=outcome["status"], epochs_run=outcome["epochs_run"], device=env["device"])]
    shown_params = params | ({"data_root": "$FER_DATA_ROOT"} if params.get("data_root") else {})
    record = TrainingRecord(
        name=out.name,
        profile=params.get("profile"),
        params=shown_params,
        config=config.to_dict(),
        data=DataInfo(**data, split_protocol=protocol, split_sizes=split.sizes(), split_sha256=split_hash, holdout=holdout, load_s=load_s),
        environment=env,
        training=Outcome(**outcome),
        history=read_history(out / "history.csv"),
        sessions=sessions,
        total_wall_s=sum(s.wall_s for s in sessions),
        interim=outcome["status"] == "paused",
        restarts=restarts,
        **metrics,
    )
    write_record(record, out / "run.json")
    return record


def summary_line(record: TrainingRecord) -> str:
    """One line on a training: status, epochs, best epoch, test accuracy, speed."""
    t = record.training
    line = f"{record.name}: {t.status} after {t.epochs_run}/{record.config.get('epochs')} epochs"
    if t.best_epoch:
        line += f", best epoch {t.best_epoch} (val accuracy {t.best_val_accuracy:.3f})"
    if record.test:
        line += f", test accuracy {record.test.accuracy:.3f}" + (" (interim: best epoch so far)" if record.interim else "")
    if t.train_images_per_s:
        line += f", {t.train_images_per_s:.0f} training images/s" + ("" if t.jit_compile or record.environment.get("keras_backend") != "jax" else " (NOT compiled)")
    return line
