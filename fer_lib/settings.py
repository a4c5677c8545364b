"""Where things are: every location the library reads comes from here."""

from __future__ import annotations

import os
from pathlib import Path

DATA_ROOT_ENV = "FER_DATA_ROOT"
CACHE_ENV = "FER_CACHE_DIR"

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
