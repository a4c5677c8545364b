"""Readers of the published data set layouts; each returns a :class:`fer_lib.FaceSet`.

Every loader takes ``lenient``: strict (the default) raises :class:`fer_lib.data.errors.DataError`
at the first bad item; lenient skips it and reports it in ``FaceSet.info["problems"]``
(file, row, reason), ``info["n_problems"]`` and a :class:`fer_lib.data.errors.DataWarning`.
"""

from .ckplus import load_ckplus
from .fer2013 import load_fer2013
from .ferplus import load_ferplus
from .muxspace import MUXSPACE_CLASSES, load_muxspace

__all__ = ["MUXSPACE_CLASSES", "load_ckplus", "load_fer2013", "load_ferplus", "load_muxspace"]
