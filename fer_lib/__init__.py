"""fer_lib: a replication of Bah & Xue (2022), facial expression recognition
with an adapted residual network, as a small tested library."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ log noise out of notebooks and CLIs

from fer_lib.data.classes import CKPLUS_CLASSES, FER_CLASSES
from fer_lib.data.faceset import FaceSet

__version__ = "0.1.0"
__all__ = ["CKPLUS_CLASSES", "FER_CLASSES", "FaceSet", "__version__"]
