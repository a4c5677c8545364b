"""The training recipe as one frozen record: every value the paper gives, and ours where it is silent."""

from __future__ import annotations

import dataclasses
from dataclasses import field
from typing import Literal, get_args

from pydantic import ConfigDict, ValidationError
from pydantic.dataclasses import dataclass

from fer_lib.model.augment import AugmentConfig

Step = Literal["fast", "baseline"]
STEPS = get_args(Step)


class RecipeError(ValueError):
    """A training parameter that is unknown or holds a value of the wrong type; ``key`` names it."""

    def __init__(self, key: str, problem: str):
        self.key, self.problem = key, problem
        super().__init__(f"training parameter {key}: {problem}")


@dataclass(frozen=True, config=ConfigDict(extra="forbid", strict=True))
class TrainConfig:
    """Every value of the recipe, each overridable. Defaults are the paper's."""

    arch: Literal["residual", "basic"] = "residual"
    width: float = 1.0
    epochs: int = 100
    batch_size: int = 64
    learning_rate: float = 1e-3
    beta_1: float = 0.9
    beta_2: float = 0.999
    class_weights: Literal["balanced", "none"] = "balanced"  # "balanced": scikit-learn's
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
    precision: Literal["float32", "mixed_bfloat16"] = "float32"  # bfloat16: CPUs with AMX, recent GPUs
    distribution: Literal["none", "mirrored", "data_parallel"] = "none"  # mirrored: TensorFlow, several GPUs; data_parallel: JAX
    # "fast": skip the arithmetic that only multiplies zero padding (fer_lib.train.step), the
    # same maths; "baseline": every convolution as Keras computes it. Either resumes the other's state.
    step: Step = "fast"
    max_epochs_per_session: int | None = None  # pause (resumable) after this many epochs
    time_budget_s: float | None = None  # pause (resumable) before an epoch that would end past this

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        """Build from a flat dict; ``augment`` may be a dict or ``False``. An unknown key or a
        value of the wrong type is a :class:`RecipeError` naming the key and what exists."""
        values = dict(values)
        aug = values.pop("augment", {})
        if isinstance(aug, bool):
            aug = {"enabled": aug}
        known = [f.name for f in dataclasses.fields(cls)]
        for where, keys, given in (("", known, values), ("augment.", [f.name for f in dataclasses.fields(AugmentConfig)], aug)):
            unknown = sorted(set(given) - set(keys)) if isinstance(given, dict) else []
            if unknown:
                raise RecipeError(where + unknown[0], f"unknown; the {where[:-1] or 'training'} parameters are: {', '.join(keys)}")
        try:
            return cls(augment=AugmentConfig(**aug), **values)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(p) for p in err["loc"])
            key = key if key in known or exc.title != "AugmentConfig" else f"augment.{key}"
            raise RecipeError(key, f"{err['msg']} (got {err.get('input')!r:.60})") from None
        except TypeError as exc:
            raise RecipeError("augment", f"expected a mapping of augmentation values or true/false ({exc})") from None

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
