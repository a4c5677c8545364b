"""The training recipe as one frozen record: every value the paper gives, and ours where it is silent."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from fer_lib.model.augment import AugmentConfig

STEPS = ("fast", "baseline")


@dataclass(frozen=True)
class TrainConfig:
    """Every value of the recipe, each overridable. Defaults are the paper's."""

    arch: str = "residual"
    width: float = 1.0
    epochs: int = 100
    batch_size: int = 64
    learning_rate: float = 1e-3
    beta_1: float = 0.9
    beta_2: float = 0.999
    class_weights: str = "balanced"  # "balanced" (scikit-learn) or "none"
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    reduce_lr_factor: float = 0.5  # not given in the paper
    reduce_lr_patience: int = 15
    min_lr: float = 1e-7
    early_stopping_patience: int = 30
    # Not in the paper: BatchNorm's moving statistics are re-estimated on this many training
    # faces, dropout off, before every validation (0: Keras' moving averages, as the paper had).
    # See fer_lib.train.batchnorm and the deviations page.
    bn_refresh_faces: int = 1024
    seed: int = 0
    precision: str = "float32"  # or "mixed_bfloat16" (CPUs with AMX, recent GPUs)
    distribution: str = "none"  # "none", "mirrored" (TensorFlow, several GPUs) or "data_parallel" (JAX)
    # "fast": skip the arithmetic that only multiplies zero padding (fer_lib.train.step), the
    # same maths; "baseline": every convolution as Keras computes it. Either resumes the other's state.
    step: str = "fast"
    max_epochs_per_session: int | None = None  # pause (resumable) after this many epochs
    time_budget_s: float | None = None  # pause (resumable) once an epoch ends past this

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        """Build from a flat dict; ``augment`` may be a dict or ``False``; unknown keys are an error."""
        values = dict(values)
        aug = values.pop("augment", {})
        if isinstance(aug, bool):
            aug = {"enabled": aug}
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown training parameters {unknown}; known: {sorted(known)}")
        return cls(augment=AugmentConfig(**aug), **values)

    def __post_init__(self) -> None:
        if self.step not in STEPS:
            raise ValueError(f"step must be one of {STEPS}, got {self.step!r}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def recipe(self) -> dict:
        """The values that must match for a run to be resumed (budgets and the step's implementation may change)."""
        d = self.to_dict()
        d.pop("step")
        d.pop("max_epochs_per_session")
        d.pop("time_budget_s")
        d.pop("epochs")
        return d
