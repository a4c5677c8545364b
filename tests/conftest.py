import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def real_data_root() -> Path:
    """The real-data root from $FER_DATA_ROOT; tests that need it skip when it is absent."""
    from fer_lib.settings import data_root

    root = data_root()
    if root is None or not root.is_dir():
        pytest.skip("real data not available: set FER_DATA_ROOT (CI points it at ../shared/data)")
    return root
