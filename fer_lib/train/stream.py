"""Training batches in an order fixed by (seed, epoch), so a resumed run sees the same batches."""

from __future__ import annotations

import keras
import numpy as np

from fer_lib.model.preprocess import preprocess


class BatchStream(keras.utils.PyDataset):
    """Training batches of epochs ``start_epoch`` to ``epochs - 1`` as one indexed stream.

    Batch ``i`` belongs to epoch ``start_epoch + i // steps`` and the order within
    an epoch is a permutation fixed by (seed, epoch), so the batches do not depend
    on when prefetching happens, and a resumed run sees exactly the batches an
    uninterrupted one would. Yields ``(x, one_hot_y, sample_weight)``; the sample
    weight is each face's class weight (all ones when ``class_weight`` is None).
    """

    def __init__(self, images, labels, n_classes: int, batch_size: int, seed: int, class_weight: dict[int, float] | None = None, start_epoch: int = 0, epochs: int = 1):
        super().__init__(workers=1, use_multiprocessing=False)
        self.images, self.labels = images, labels
        self.n_classes, self.batch_size, self.seed = n_classes, batch_size, seed
        self.start_epoch, self.epochs = start_epoch, epochs
        # Full batches only: a ragged last batch would change the batch shape mid-stream.
        # Each epoch skips the (fewer than batch_size) faces at the end of its permutation.
        self.steps = len(labels) // batch_size
        if self.steps == 0:
            raise ValueError(f"{len(labels)} training images are fewer than one batch of {batch_size}")
        table = np.ones(n_classes, np.float32)
        for k, w in (class_weight or {}).items():
            table[k] = w
        self.weight_table = table
        self._orders: dict[int, np.ndarray] = {}

    def order(self, epoch: int) -> np.ndarray:
        if epoch not in self._orders:
            self._orders = {epoch: np.random.default_rng([self.seed, epoch]).permutation(len(self.labels))}
        return self._orders[epoch]

    def __len__(self) -> int:
        return max(0, self.epochs - self.start_epoch) * self.steps

    def __getitem__(self, index: int):
        epoch, step = self.start_epoch + index // self.steps, index % self.steps
        idx = self.order(epoch)[step * self.batch_size : (step + 1) * self.batch_size]
        y = self.labels[idx]
        return preprocess(self.images[idx]), np.eye(self.n_classes, dtype=np.float32)[y], self.weight_table[y]
