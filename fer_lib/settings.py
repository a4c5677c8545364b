"""Where things are: every location the library reads comes from here."""

from __future__ import annotations

import os
from pathlib import Path

DATA_ROOT_ENV = "FER_DATA_ROOT"
CACHE_ENV = "FER_CACHE_DIR"
OUT_DIR_ENV = "FER_OUT_DIR"  # where pages run alone (nbval, Jupyter) keep their run folder
PROFILE_ENV = "FER_RUN_PROFILE"  # set by the notebook runner: the profile and run folder of a page
PROFILE_NAME_ENV = "FER_PROFILE_NAME"  # set by the notebook runner: the profile's name alone

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
PROFILE_DIR = REPO_ROOT / "profiles"
BOOK_RESULTS_DIR = REPO_ROOT / "book" / "results"


def data_root(explicit: str | os.PathLike | None = None) -> Path | None:
    """The real-data root: ``explicit`` if given, else ``$FER_DATA_ROOT``, else None."""
    value = explicit if explicit not in (None, "") else os.environ.get(DATA_ROOT_ENV)
    return Path(value).expanduser().resolve() if value else None


def cache_dir() -> Path:
    """Where decoded arrays are cached: ``$FER_CACHE_DIR`` or ``~/.cache/fer_lib``."""
    value = os.environ.get(CACHE_ENV)
    return Path(value).expanduser() if value else Path.home() / ".cache" / "fer_lib"


def shown(text: str | os.PathLike, root: str | os.PathLike | None = None) -> str:
    """``text`` with machine-specific locations replaced, for pages and records a reader
    sees: the data root (``root``, else ``$FER_DATA_ROOT``) becomes ``$FER_DATA_ROOT``, the
    repository's own folders become relative paths, the cache ``$FER_CACHE_DIR`` and the
    home folder ``~``."""
    out = str(text)
    root = data_root(root)
    pairs = [(str(root), f"${DATA_ROOT_ENV}")] if root else []
    pairs += [(str(REPO_ROOT) + os.sep, ""), (str(REPO_ROOT), "."), (str(cache_dir()), f"${CACHE_ENV}"), (str(Path.home()), "~")]
    for path, name in sorted(pairs, key=lambda p: -len(p[0])):  # longest first: the data root may lie inside the repository
        if path not in ("/", ""):
            out = out.replace(path, name)
    return out
