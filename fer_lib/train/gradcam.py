"""Grad-CAM (Selvaraju et al. 2017): where in a face the network looks for a class.

The heat map of a class is the ReLU of the feature maps of one convolutional layer,
weighted by the mean gradient of the class score over each map, upsampled to the face.
The residual CNN's last maps are 1x1, so the default layer is the output of the second
residual block (6x6), the last place that still has a spatial layout worth showing.
"""

from __future__ import annotations

import keras
import numpy as np

from fer_lib.data.images import SIZE
from fer_lib.model.preprocess import preprocess

DEFAULT_LAYER = "activation_4"


def _split(model: keras.Model, layer: str) -> tuple[keras.Model, keras.Model]:
    """The model cut at ``layer``: a body (input -> maps) and a head (maps -> probabilities)."""
    target = model.get_layer(layer).output
    return keras.Model(model.inputs[0], target), keras.Model(target, model.outputs[0])


def _gradient(fn, x):
    """d fn(x) / d x for a scalar-valued ``fn``, on the current Keras backend."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        x = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        return tape.gradient(y, x)
    if backend == "jax":
        import jax

        return jax.grad(fn)(x)
    if backend == "torch":
        import torch

        x = torch.as_tensor(np.asarray(x)).requires_grad_(True)
        fn(x).backward()
        return x.grad
    raise NotImplementedError(f"Grad-CAM is not implemented for the {backend} backend")


def grad_cam(model: keras.Model, images: np.ndarray, classes: np.ndarray | None = None, layer: str = DEFAULT_LAYER) -> np.ndarray:
    """Heat maps (N x 48 x 48, each scaled to [0, 1]) for uint8 faces.

    ``classes`` picks the class explained for each face (default: the predicted one).
    """
    body, head = _split(model, layer)
    maps = body(preprocess(images), training=False)
    probs = keras.ops.convert_to_numpy(head(maps, training=False))
    classes = probs.argmax(1) if classes is None else np.asarray(classes)
    mask = keras.ops.convert_to_tensor(np.eye(probs.shape[1], dtype="float32")[classes])

    def score(m):
        return keras.ops.sum(head(m, training=False) * mask)

    grads = keras.ops.convert_to_numpy(_gradient(score, maps))
    maps = keras.ops.convert_to_numpy(maps)
    weights = grads.mean(axis=(1, 2), keepdims=True)
    cam = np.maximum((weights * maps).sum(axis=-1), 0.0)
    size = images.shape[1:3]
    cam = keras.ops.convert_to_numpy(keras.ops.image.resize(cam[..., None], size, interpolation="bilinear"))[..., 0]
    peak = cam.reshape(len(cam), -1).max(axis=1).reshape(-1, 1, 1)
    return np.divide(cam, peak, out=np.zeros_like(cam), where=peak > 0)


# Rows of a 48-pixel face where FER-2013's roughly aligned crops put the brows and eyes, the nose and the mouth.
BANDS = {"brows and eyes": (8, 22), "nose": (22, 31), "mouth": (31, 44)}


def region_shares(cams: np.ndarray) -> dict[str, float]:
    """Mean share of heat-map mass in each of :data:`BANDS` (horizontal bands of the face), over the
    maps that have any (a map with no positive evidence has no shares to give)."""
    total = cams.sum(axis=(1, 2))
    some = total > 0
    if not some.any():
        return {name: float("nan") for name in BANDS}
    return {name: float((cams[some, a:b, :].sum(axis=(1, 2)) / total[some]).mean()) for name, (a, b) in BANDS.items()}


def band_areas() -> dict[str, float]:
    """Each band's share of the face's area: what a heat map spread evenly over the face puts there."""
    return {name: (b - a) / SIZE for name, (a, b) in BANDS.items()}


def explain_test_faces(model: keras.Model, images: np.ndarray, labels: np.ndarray, class_names: tuple[str, ...], seed: int = 0, layer: str = DEFAULT_LAYER) -> dict:
    """Grad-CAM over a set of test faces: one face per class (chosen at random, seeded) to
    show, with its true and predicted class, and the heat-map shares over all faces beside the bands' areas."""
    cams = grad_cam(model, images, layer=layer)
    rng = np.random.default_rng(seed)
    picked = [int(rng.choice(np.flatnonzero(labels == c))) for c in range(len(class_names)) if (labels == c).any()]
    probs = keras.ops.convert_to_numpy(model(preprocess(images[picked]), training=False))
    titles = [f"{class_names[labels[i]]}\n→ {class_names[p]}" for i, p in zip(picked, probs.argmax(1))]
    return {"images": images[picked], "cams": cams[picked], "titles": titles, "shares": region_shares(cams), "areas": band_areas(),
            "n_maps": len(cams), "n_empty": int((cams.sum(axis=(1, 2)) <= 0).sum())}
