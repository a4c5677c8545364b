"""Every training a profile's pages show, by name, and a runner that trains them apart from the notebooks.

:func:`plan` turns a profile's parameters into :class:`TrainingSpec` records, most
important first. A page gets its trainings with :func:`run` (which reuses, resumes or
trains, see :func:`fer_lib.pipeline.experiment.run_training`), and
``python -m fer_lib trainings`` runs them all, or some, inside a time budget, on any
Keras backend, without papermill, Jupyter, myst-nb or TensorFlow: train on a GPU box,
bring the records back, render the pages here (``$FER_TRAININGS=reuse``).
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from fer_lib.data.faceset import FaceSet
from fer_lib.data.registry import load_dataset
from fer_lib.data.splits import Split
from fer_lib.pipeline import registry
from fer_lib.pipeline.experiment import reuse_only, run_training, summary_line
from fer_lib.pipeline.profiles import merge, validated
from fer_lib.pipeline.records import TrainingRecord, read_training


@dataclass(frozen=True)
class TrainingSpec:
    """One training: its folder name, the page that shows it, its data, split and recipe."""

    name: str
    page: str
    title: str
    dataset: str
    split: str
    train: dict
    holdout_files: tuple[str, ...] = ()
    export: bool = False  # the networks `predict` and the book's downloads use travel back from a GPU box
    n_folds: int | None = None
    seed: int | None = None  # its split's and initial weights' seed, where not the profile's (its faces stay the profile's)
    extra: dict = field(default_factory=dict)

    def params(self, profile: dict) -> dict:
        """The parameters run_training takes for this training under ``profile``."""
        keep = ("profile", "data_root", "seed", "n_faces", "n_subjects")
        return {k: profile[k] for k in keep if k in profile} | ({} if self.seed is None else {"seed": self.seed}) | {
            "dataset": self.dataset, "split": self.split, "n_folds": self.n_folds,
            "holdout_files": list(self.holdout_files), "train": dict(self.train)}


def plan(params: dict) -> list[TrainingSpec]:
    """The trainings of a profile, most important first (the paper's residual CNN on FERGIT)."""
    params = validated(params)
    train = dict(params["train"])
    dataset, split = params["dataset"], params["split"]

    def spec(entry: registry.Entry, data: str, split: str, recipe: dict, **kw) -> TrainingSpec:
        return TrainingSpec(entry.name, entry.page, entry.title, data, split, recipe, **kw)

    specs = [spec(registry.RESIDUAL, dataset, split, merge(train, {"arch": "residual"}), export=True),
             spec(registry.BASIC, dataset, split, merge(train, {"arch": "basic"}), export=True)]
    ck = params["ckplus_dataset"]
    if ck:
        ck_epochs = {"epochs": params["ckplus_epochs"]} if params["ckplus_epochs"] is not None else {}
        ck_train = merge(train, {"arch": "residual"} | ck_epochs, params["ckplus_train"])
        n_folds = params["n_folds"]
        specs.append(spec(registry.CK_RANDOM, ck, registry.RANDOM_SPLIT, ck_train))
        specs += [spec(registry.ck_fold(k), ck, registry.fold_split(k), ck_train, n_folds=n_folds) for k in range(n_folds)]
        specs += [spec(registry.ck_seed(seed), ck, registry.RANDOM_SPLIT, ck_train, seed=seed) for seed in other_ck_seeds(params)]
    specs.append(spec(registry.UNWEIGHTED, dataset, split, merge(train, {"arch": "residual", "class_weights": "none"})))
    if params["official_dataset"]:
        specs.append(spec(registry.official(params["official_dataset"]), params["official_dataset"], registry.OFFICIAL_SPLIT,
                          merge(train, {"arch": "residual"}, params["official_train"])))
    if params["posed_holdout"]:
        specs.append(spec(registry.HOLDOUT, dataset, split, merge(train, {"arch": "residual"}), holdout_files=tuple(params["posed_holdout"])))
    for run in params["runs"]:  # each run: the repeated trainings in their order, at training seed `run`
        specs += [dataclasses.replace(s, name=e.name, title=e.title, train=merge(s.train, {"seed": run}), export=False)
                  for s in list(specs) for base in registry.REPEATED if s.name == base.name for e in [registry.run_of(base, run)]]
    if ck and params["ablations"]:
        specs.append(spec(registry.CK_KERAS_BN, ck, registry.RANDOM_SPLIT, merge(ck_train, {"bn_refresh_faces": 0})))
        if params["precision_ablation"]:  # the CK+ random split again in float32, beside one recorded in bfloat16
            specs.append(spec(registry.CK_FLOAT32, ck, registry.RANDOM_SPLIT, merge(ck_train, {"precision": "float32"})))
    return specs


def other_ck_seeds(params: dict) -> list[int]:
    """The seeds the profile draws the CK+ random split at besides its own (``ckplus_seeds`` less ``seed``:
    ``replicate --seeds`` sets ``seed`` to each in turn)."""
    return [s for s in params["ckplus_seeds"] if s != params["seed"]]


Name = str | registry.Entry  # a training, by its registry entry or its name


def _name(training: Name) -> str:
    return training.name if isinstance(training, registry.Entry) else training


def spec(params: dict, name: Name) -> TrainingSpec:
    """The training ``name`` of a profile; KeyError listing the known names."""
    name = _name(name)
    for s in plan(params):
        if s.name == name:
            return s
    raise KeyError(f"no training {name!r} in this profile; it has {[s.name for s in plan(params)]}")


@lru_cache(maxsize=2)
def _faces(dataset: str, data_root: str | None, seed: int, n_faces: int, n_subjects: int) -> FaceSet:
    return load_dataset(dataset, data_root, seed=seed, n_faces=n_faces, n_subjects=n_subjects)


def faces_for(s: TrainingSpec, params: dict) -> FaceSet:
    """The faces of training ``s`` (loaded once per data set and kept for the next training)."""
    params = validated(params)
    return _faces(s.dataset, params["data_root"], params["seed"], params["n_faces"], params["n_subjects"])


def run(name: Name, params: dict, run_dir: str | Path, *, verbose: int = 0, time_budget_s: float | None = None, reuse: bool | None = None,
        progress: bool = False) -> TrainingRecord:
    """Training ``name`` of profile ``params`` in ``run_dir/training/name``: reused, resumed or trained."""
    s = spec(params, name)
    name = s.name
    p = s.params(params)
    if time_budget_s is not None:
        p["train"]["time_budget_s"] = min(time_budget_s, p["train"].get("time_budget_s") or float("inf"))
    return run_training(p, Path(run_dir) / "training" / name, faces=faces_for(s, params), verbose=verbose, reuse=reuse, progress=progress)


def shown(name: Name, params: dict, run_dir: str | Path, **kwargs) -> TrainingRecord | None:
    """:func:`run` for a training a page can do without: ``None`` when the page only shows
    what the run folder holds (``$FER_TRAININGS=reuse``) and this training is not there yet."""
    reuse = kwargs.get("reuse")
    if (reuse_only() if reuse is None else reuse) and read_training(run_dir, _name(name)) is None:
        return None
    return run(name, params, run_dir, **kwargs)


def train_command(*names: Name, run_dir: str | Path | None = None) -> str:
    """The command that trains ``names`` into the run folder (its profile and folder when the notebook runner gave them)."""
    import os

    from fer_lib.settings import PROFILE_NAME_ENV
    from fer_lib.settings import shown as shown_path

    profile = os.environ.get(PROFILE_NAME_ENV) or "PROFILE"
    out = shown_path(run_dir) if run_dir is not None else "RUN"
    return f".venv/bin/python -m fer_lib trainings --profile {profile} --out {out} --only {' '.join(_name(n) for n in names)}"


def not_run_markdown(*names: Name, run_dir: str | Path | None = None) -> str:
    """What a page says in place of trainings the run folder does not hold yet, and the command that trains them."""
    listed = "; ".join(registry.title(_name(n)) for n in names)
    return (f"*Not run in this run folder yet*: {listed}. `{train_command(*names, run_dir=run_dir)}` trains "
            f"{'it' if len(names) == 1 else 'them'}; then run this page again.")


RESERVE_S = 60  # of a time budget, kept for loading, evaluating and exporting a training around its epochs


def run_all(params: dict, run_dir: str | Path, *, only: list[str] | None = None, time_budget_s: float | None = None, verbose: int | None = None,
            log=print) -> dict[str, TrainingRecord | None]:
    """Run the profile's trainings (or those named in ``only``) in order, inside ``time_budget_s``.

    Each training's epochs get what is left of the budget less ``RESERVE_S`` for its
    loading, evaluation and export; a training cut by the budget pauses resumably, and the
    ones after it wait for the next call. Each epoch is reported with its images/s and the
    time left (a progress bar on a terminal, a line otherwise) unless ``verbose`` asks for
    Keras' own output; each training ends with a one-line summary. Returns each training's
    record (None for those not reached).
    """
    by_name = {s.name: s for s in plan(params)}
    chosen = [by_name[n] for n in dict.fromkeys(only) if n in by_name] if only else list(by_name.values())  # `only` in its own order
    unknown = sorted(set(only or []) - {s.name for s in plan(params)})
    if unknown:
        raise KeyError(f"unknown trainings {unknown}; this profile has {[s.name for s in plan(params)]}")
    start, done = time.perf_counter(), {}
    for s in chosen:
        left = None if time_budget_s is None else time_budget_s - (time.perf_counter() - start) - RESERVE_S
        if left is not None and left <= 0:
            done[s.name] = None
            log(f"{s.name}: not started, the time budget is spent")
            continue
        log(f"== {s.name}: {s.title} ({s.dataset}, split {s.split})", flush=True)
        record = run(s.name, params, run_dir, verbose=verbose or 0, time_budget_s=left, reuse=False, progress=verbose is None)
        done[s.name] = record
        log(summary_line(record), flush=True)
    return done


MAX_EXPORT_FILE = 15_000_000
MAX_EXPORT_TOTAL = 60_000_000
PART_SUFFIX = ".part"


def export(params: dict, run_dir: str | Path, dest: str | Path) -> list[Path]:
    """Copy what the book needs of each training in ``run_dir`` to ``dest/training/<name>/``:
    ``run.json`` and ``history.csv``, plus ``model.keras`` for the networks marked ``export``
    (split into parts of at most 15 MB, with its sha256 in ``model.sha256``); no ``state/``.
    Refuses to exceed 60 MB in all."""
    import hashlib

    run_dir, dest = Path(run_dir), Path(dest)
    written: list[Path] = []
    for s in plan(params):
        src = run_dir / "training" / s.name
        if not (src / "run.json").exists():
            continue
        read_training(run_dir, s.name)  # refuses a record that does not match the schema
        target = dest / "training" / s.name
        if target.exists():
            shutil.rmtree(target)  # no stale parts of an earlier export
        target.mkdir(parents=True)
        for f in ("run.json", "history.csv"):
            if (src / f).exists():
                written.append(Path(shutil.copyfile(src / f, target / f)))
        if s.export and (src / "model.keras").exists():
            written += split_file(src / "model.keras", target, MAX_EXPORT_FILE)
            (target / "model.sha256").write_text(hashlib.sha256((src / "model.keras").read_bytes()).hexdigest() + "\n")
            written.append(target / "model.sha256")
    total = sum(p.stat().st_size for p in written)
    if total > MAX_EXPORT_TOTAL:
        raise ValueError(f"the export of {run_dir} is {total:,} bytes, over the {MAX_EXPORT_TOTAL:,} that can travel back")
    return written


def split_file(src: Path, dest_dir: Path, part_bytes: int) -> list[Path]:
    """``src`` as ``dest_dir/<name>.part000``, ``.part001``, ... of at most ``part_bytes`` each."""
    data, parts = src.read_bytes(), []
    for i in range(0, max(len(data), 1), part_bytes):
        part = dest_dir / f"{src.name}{PART_SUFFIX}{i // part_bytes:03d}"
        part.write_bytes(data[i : i + part_bytes])
        parts.append(part)
    return parts


def import_export(src: str | Path, run_dir: str | Path) -> list[str]:
    """Bring an export (``src/training/<name>/``) into ``run_dir``: records copied, model
    parts joined back into ``model.keras`` and checked against their sha256. A training
    that ``run_dir`` already holds with a local ``state/`` or checkpoint is refused (its
    history would no longer match them). Returns the names of the trainings brought in."""
    import hashlib

    src, run_dir = Path(src), Path(run_dir)
    folders = sorted(p for p in (src / "training").iterdir() if p.is_dir())
    for folder in folders:
        local = run_dir / "training" / folder.name
        clash = [p.name for p in (local / "state", local / "best.weights.h5") if p.exists()]
        if clash:
            raise FileExistsError(f"{local} holds a local training ({', '.join(clash)}): delete {local} before importing {folder}")
    names = []
    for folder in folders:
        target = run_dir / "training" / folder.name
        target.mkdir(parents=True, exist_ok=True)
        for f in ("run.json", "history.csv"):
            if (folder / f).exists():
                shutil.copyfile(folder / f, target / f)
        parts = sorted(folder.glob(f"model.keras{PART_SUFFIX}*"))
        if parts:
            data = b"".join(part.read_bytes() for part in parts)
            expected = (folder / "model.sha256").read_text().strip() if (folder / "model.sha256").exists() else None
            if expected != hashlib.sha256(data).hexdigest():
                raise ValueError(f"{folder}: the joined model parts do not match model.sha256 ({len(parts)} parts): a part is missing, extra or damaged")
            tmp = target / "model.keras.tmp"
            tmp.write_bytes(data)
            tmp.replace(target / "model.keras")
        read_training(run_dir, folder.name)
        names.append(folder.name)
    return names


def split_for(name: Name, params: dict) -> tuple[FaceSet, Split]:
    """The faces and the split (hold-outs applied) that training ``name`` uses."""
    from fer_lib.pipeline.experiment import hold_out, make_split

    s = spec(params, name)
    faces = faces_for(s, params)
    split = make_split(faces, s.split, s.params(validated(params))["seed"], n_folds=s.n_folds)
    return faces, hold_out(faces, split, list(s.holdout_files))


def network_path(name: Name, run_dir: str | Path) -> Path | None:
    """Where training ``name``'s exported network is on this machine: the run folder's
    ``model.keras``, else (a new machine) the shipped copy in ``models/`` that ``models.json``
    vouches for as this very training's network; ``None`` when neither is here."""
    from fer_lib.pipeline.experiment import shipped_network

    path = Path(run_dir) / "training" / _name(name) / "model.keras"
    if path.is_file():
        return path
    record = read_training(run_dir, _name(name))
    return shipped_network(record, _name(name)) if record is not None else None


def network(name: Name, run_dir: str | Path):
    """The exported network of training ``name`` in ``run_dir``, loaded safely (see :func:`network_path`;
    ``ModelNotFound`` naming the run folder's file when neither copy is here)."""
    from fer_lib.model.files import load_model

    return load_model(network_path(name, run_dir) or Path(run_dir) / "training" / _name(name) / "model.keras")


def no_network_markdown(record: TrainingRecord, run_dir: str | Path) -> str:
    """What a page says in place of a training whose record is in the run folder but whose network is not,
    and how to get one: carry the training on from a copy ``models/`` holds of an earlier epoch, else train it again."""
    from fer_lib.pipeline.experiment import restart_source
    from fer_lib.settings import shown as shown_path

    folder = Path(run_dir) / "training" / record.name
    try:
        earlier = restart_source(folder, record)
    except ValueError:  # a shipped file that is not the one models.json vouches for: nothing to carry on from
        earlier = None
    how = (f"`models/` holds its network of epoch {earlier.epoch}: `{train_command(record.name, run_dir=run_dir)}` carries the training "
           "on from there." if earlier else
           f"Delete `{shown_path(folder)}` and run `{train_command(record.name, run_dir=run_dir)}` to train it again from the first epoch.")
    return (f"*Record without its network*: {registry.title(record.name)} ({record.training.epochs_run} of {record.config['epochs']} epochs). "
            "This run folder holds its record but not its network: a network not shipped to `models/` stays on the machine that "
            f"trained it. So this page does not use it. {how}")
