"""One entry point to every data set by name.

Real data sets are read from the data root (``root`` or ``$FER_DATA_ROOT``), in the
folders the published downloads use: ``fer2013/``, ``ferplus/``, ``ckplus48/`` and
``muxspace/``. The synthetic sets need no data.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

from fer_lib.data.errors import DataError
from fer_lib.data.faceset import FaceSet
from fer_lib.data.synthetic import generate_ckplus_like, generate_faces
from fer_lib.settings import DATA_ROOT_ENV, data_root

REAL_DATASETS = ("fer2013", "ferplus", "ckplus", "muxspace", "fergit")
DATASETS = ("synthetic", "synthetic-ckplus") + REAL_DATASETS
FOLDERS = {"fer2013": "fer2013", "ferplus": "ferplus", "ckplus": "ckplus48", "muxspace": "muxspace"}


def dataset_folder(kind: str, root: str | PathLike | None = None) -> Path:
    """The folder of ``kind`` (a key of FOLDERS) under the data root; DataError naming it if absent."""
    where = data_root(root)
    if where is None:
        raise DataError(f"${DATA_ROOT_ENV}", f"a data root holding {FOLDERS[kind]}/ (pass root= or set ${DATA_ROOT_ENV})", found="not set")
    folder = where / FOLDERS[kind]
    if not folder.is_dir():
        raise DataError(folder, f"the {kind} data set folder under the data root {where}", found="nothing there" if not folder.exists() else "a file")
    return folder


def load_dataset(
    name: str,
    root: str | PathLike | None = None,
    *,
    seed: int = 0,
    n_faces: int = 6000,
    n_subjects: int = 40,
    lenient: bool = False,
    use_cache: bool = True,
    bundle: str | PathLike | bool | None = None,
) -> FaceSet:
    """Load the data set ``name`` (one of DATASETS).

    ``seed``, ``n_faces`` and ``n_subjects`` only shape the synthetic sets;
    ``lenient`` and ``use_cache`` only apply to the real ones. A real set is read from
    the data bundle ``bundle`` (or ``$FER_DATA_BUNDLE``) when one is given, else from
    the downloads under the data root (``bundle=False``: always the downloads).
    """
    if name == "synthetic":
        return generate_faces(n_faces, seed=seed)
    if name == "synthetic-ckplus":
        return generate_ckplus_like(n_subjects, seed=seed)
    if name not in REAL_DATASETS:
        raise ValueError(f"unknown data set {name!r}; expected one of {DATASETS}")
    from fer_lib.data import bundle as bundles

    folder = bundles.bundle_dir(bundle)
    if folder is not None:
        return bundles.load(folder, name)
    from fer_lib.data.fergit import load_fergit
    from fer_lib.data.loaders import load_ckplus, load_fer2013, load_ferplus, load_muxspace

    opts = {"lenient": lenient, "use_cache": use_cache}
    if name == "fer2013":
        return load_fer2013(dataset_folder("fer2013", root), **opts)
    if name == "ferplus":
        return load_ferplus(dataset_folder("fer2013", root), dataset_folder("ferplus", root), **opts)
    if name == "ckplus":
        return load_ckplus(dataset_folder("ckplus", root), **opts)
    if name == "muxspace":
        return load_muxspace(dataset_folder("muxspace", root), **opts)
    return load_fergit(dataset_folder("fer2013", root), dataset_folder("muxspace", root), **opts)
