"""Every module of the library compiles and imports cleanly, with warnings as errors."""

import importlib
import pkgutil
import warnings
from pathlib import Path

import fer_lib


def test_every_module_compiles_and_imports_without_a_warning():
    sources = sorted(Path(fer_lib.__file__).parent.rglob("*.py"))
    assert len(sources) > 40
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for path in sources:  # compiled here, not from a cached .pyc: a SyntaxWarning is an error
            compile(path.read_text(), str(path), "exec")
        for m in pkgutil.walk_packages(fer_lib.__path__, "fer_lib."):
            if m.name != "fer_lib.__main__":
                importlib.import_module(m.name)
