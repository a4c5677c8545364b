"""From stored faces to the network's input."""

from __future__ import annotations

import numpy as np


def preprocess(images: np.ndarray) -> np.ndarray:
    """uint8 faces (N x 48 x 48) to the network's input: float32 in [0, 1], N x 48 x 48 x 1."""
    if images.dtype != np.uint8:
        raise ValueError(f"expected uint8 images, got {images.dtype}")
    return (images.astype(np.float32) / 255.0)[..., None]
