"""The registry of trainings: each training's folder name, page, title and reader-facing
label, and the split names, defined here once. Pages, the scorecard, the deviations table
and the README ask it; no other module spells a training's name (a test checks)."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """One training as a reader meets it."""

    name: str  # its folder under training/ (and the name `trainings --only` takes)
    page: str  # the notebook that shows it
    title: str  # a heading
    label: str  # a short label for tables and sentences


DATASETS = {"fergit": "FERGIT", "fer2013": "FER-2013", "ckplus": "CK+", "synthetic": "synthetic faces", "synthetic-ckplus": "synthetic CK+-like faces"}  # for readers

RESIDUAL = Entry("residual", "04_residual_cnn", "Residual CNN", "residual CNN")
BASIC = Entry("basic", "03_basic_cnn", "Basic CNN", "basic CNN")
UNWEIGHTED = Entry("residual-unweighted", "02_class_weighting", "Residual CNN without class weights", "residual CNN, no class weights")
HOLDOUT = Entry("residual-holdout", "06_posed_images", "Residual CNN, the posed person held out", "residual CNN, posed person held out")
CK_RANDOM = Entry("ckplus-random", "05_ckplus", "Residual CNN, CK+ random split", "CK+ random split")
CK_KERAS_BN = Entry("ckplus-random-keras-bn", "08_deviations", "CK+ random split, Keras' BatchNorm averages only", "CK+ random split, Keras' BatchNorm")
CK_FLOAT32 = Entry("ckplus-random-float32", "08_deviations", "CK+ random split in float32, a check of bfloat16", "CK+ random split, float32")
FERGIT_NETWORKS = (RESIDUAL, BASIC)  # the paper's two networks on FERGIT, the ones shipped to models/
REPEATED = (RESIDUAL, BASIC, UNWEIGHTED)  # the headline trainings a profile's `runs` repeat, each run a training seed

RUN_MARK = "@"


def run_of(base: Entry, run: int) -> Entry:
    """Training ``base`` again with training seed ``run`` (initial weights, dropout, augmentation,
    batch order) on the same split: ``residual@1``. The plain name is the profile's first run."""
    if base not in REPEATED:
        raise KeyError(f"{base.name!r} has no repeated runs; the repeated trainings are {[e.name for e in REPEATED]}")
    if run < 0:
        raise ValueError(f"a run is a training seed of 0 or more; got {run}")
    return Entry(f"{base.name}{RUN_MARK}{run}", base.page, f"{base.title}, run {run}", f"{base.label}, run {run}")


RUN_NAME = re.compile(rf"(.+){RUN_MARK}(0|[1-9][0-9]*)", re.ASCII)  # residual@1, not residual@01


def base_and_run(name: str) -> tuple[str, int | None]:
    """``residual@2`` -> (``residual``, 2); a name without a run -> (name, None)."""
    m = RUN_NAME.fullmatch(name)
    return (m.group(1), int(m.group(2))) if m else (name, None)


def ck_fold(k: int) -> Entry:
    """The residual CNN on CK+ subject-independent fold ``k``."""
    return Entry(f"ckplus-fold{k}", "05_ckplus", f"Residual CNN, CK+ subject fold {k}", f"CK+ subject fold {k}")


def ck_folds(n_folds: int) -> list[Entry]:
    return [ck_fold(k) for k in range(n_folds)]


def ck_seed(seed: int) -> Entry:
    """The residual CNN on the CK+ random split drawn, and initialised, with another ``seed``."""
    return Entry(f"ckplus-random-seed{seed}", "05_ckplus", f"Residual CNN, CK+ random split, seed {seed}", f"CK+ random split, seed {seed}")


def official(dataset: str) -> Entry:
    """The residual CNN on ``dataset``'s own split (FER-2013: Training / PublicTest / PrivateTest)."""
    shown = DATASETS.get(dataset, dataset)
    return Entry(f"residual-{dataset}-official", "04_residual_cnn", f"Residual CNN, {shown} official split", f"residual CNN, {shown} official split")


FOLD_NAME = re.compile(r"ckplus-fold(\d+)")
SEED_NAME = re.compile(r"ckplus-random-seed(\d+)")
OFFICIAL_NAME = re.compile(r"residual-(.+)-official")


def is_fold(name: str) -> bool:
    return FOLD_NAME.fullmatch(name) is not None


def is_ck_seed(name: str) -> bool:
    return SEED_NAME.fullmatch(name) is not None


def is_official(name: str) -> bool:
    return OFFICIAL_NAME.fullmatch(name) is not None


# Split names
RANDOM_SPLIT = "random"
OFFICIAL_SPLIT = "official"
_FOLD_SPLIT = re.compile(r"subject-fold-(\d+)")
FOLD_SPLIT_FORM = "subject-fold-K"


def fold_split(k: int) -> str:
    """The name of the split that tests on subject fold ``k``."""
    return f"subject-fold-{k}"


def fold_of(split: str | None) -> int | None:
    """The fold a ``subject-fold-K`` split tests on; None for any other split."""
    m = _FOLD_SPLIT.fullmatch(split or "")
    return int(m.group(1)) if m else None


def entry(name: str) -> Entry:
    """The registry entry of training ``name`` (a KeyError naming the known ones otherwise)."""
    fixed = {e.name: e for e in (RESIDUAL, BASIC, UNWEIGHTED, HOLDOUT, CK_RANDOM, CK_KERAS_BN, CK_FLOAT32)}
    if name in fixed:
        return fixed[name]
    base, run = base_and_run(name)
    if run is not None and base in {e.name for e in REPEATED}:
        return run_of(fixed[base], run)
    if (m := FOLD_NAME.fullmatch(name)) is not None:
        return ck_fold(int(m.group(1)))
    if (m := SEED_NAME.fullmatch(name)) is not None:
        return ck_seed(int(m.group(1)))
    if (m := OFFICIAL_NAME.fullmatch(name)) is not None:
        return official(m.group(1))
    raise KeyError(f"no training {name!r} in the registry; it has {sorted(fixed)}, ckplus-foldK, ckplus-random-seedN, "
                   f"residual-DATASET-official and {'/'.join(e.name for e in REPEATED)}@RUN")


def title(name: str) -> str:
    """A training's title for readers; its folder name when the registry does not know it."""
    try:
        return entry(name).title
    except KeyError:
        return name


def label(name: str) -> str:
    """A training's short label; its folder name when the registry does not know it."""
    try:
        return entry(name).label
    except KeyError:
        return name
