"""fer_lib: a replication of Bah & Xue (2022), facial expression recognition
with an adapted residual network, as a small tested library."""

import os

# oneDNN's kernels on every CPU (TensorFlow picks them by itself only where AVX-512 VNNI/BF16 or AMX
# is present; on an AVX2-only CPU float32 training runs 2.7x faster with them). Set before TensorFlow
# is first imported; a value the user set is kept.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ log noise out of notebooks and CLIs

from fer_lib.data.classes import CKPLUS_CLASSES, FER_CLASSES
from fer_lib.data.faceset import FaceSet

__version__ = "0.1.0"
__all__ = ["CKPLUS_CLASSES", "FER_CLASSES", "FaceSet", "__version__"]
