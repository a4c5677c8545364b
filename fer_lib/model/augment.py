"""Data augmentation as Keras preprocessing layers (they run wherever the model runs).

The paper names the transformations (horizontal flip, rotation, shift, zoom,
brightness) but not their ranges. Ours are deliberately mild, because the faces
are already detected, cropped and roughly aligned at 48x48:

- horizontal flip: expressions are nearly symmetric, so a mirrored face keeps its
  label (even CK+'s one-sided contempt stays contempt, on the other side);
- rotation up to +-10 degrees: the head roll seen in FER-2013 crops, without
  rotating the face out of the frame;
- shift up to 10% (about 5 pixels) and zoom up to +-10%: detector jitter in
  where the crop lands and how tight it is;
- brightness up to +-20% of the range: lighting varies in-the-wild.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ConfigDict
from pydantic.dataclasses import dataclass

if TYPE_CHECKING:
    import keras


@dataclass(frozen=True, config=ConfigDict(extra="forbid", strict=True))
class AugmentConfig:
    """Ranges of each transformation; ``enabled=False`` switches them all off."""

    enabled: bool = True
    flip: bool = True
    rotation_deg: float = 10.0
    shift: float = 0.1
    zoom: float = 0.1
    brightness: float = 0.2


def build_augmentation(config: AugmentConfig = AugmentConfig(), seed: int | None = None) -> keras.Sequential:
    """A Sequential of random layers for inputs scaled to [0, 1]; identity outside training."""
    import keras  # here, so that reading a TrainConfig does not load Keras
    from keras import layers

    seeds = iter(range(10)) if seed is None else iter(range(seed * 10 + 1, seed * 10 + 11))

    def s():
        return None if seed is None else next(seeds)

    stack: list[layers.Layer] = []
    if config.enabled:
        if config.flip:
            stack.append(layers.RandomFlip("horizontal", seed=s()))
        if config.rotation_deg:
            stack.append(layers.RandomRotation(config.rotation_deg / 360.0, fill_mode="nearest", seed=s()))
        if config.shift:
            stack.append(layers.RandomTranslation(config.shift, config.shift, fill_mode="nearest", seed=s()))
        if config.zoom:
            stack.append(layers.RandomZoom(config.zoom, fill_mode="nearest", seed=s()))
        if config.brightness:
            stack.append(layers.RandomBrightness(config.brightness, value_range=(0.0, 1.0), seed=s()))
    return keras.Sequential(stack, name="augmentation")
