"""Profiles: named parameter sets for whole runs (profiles/*.yaml), typed, and overrides on top.

A profile is read into :class:`Profile`, a pydantic model that forbids unknown keys and
checks every value's type, the ``train`` mappings against
:class:`fer_lib.train.config.TrainConfig`. A typo (``epochs=abc`` at the top level,
``train.epochz``, ``train.epochs=abc``) is a :class:`ProfileError` that names the key,
where it came from (the profile file, ``--set``, a page's overrides) and the keys that
exist. Pydantic rather than OmegaConf: the records and the recipe are already plain
dataclasses and dicts, pydantic validates those as they are and its errors carry the
key's path, which is what the messages need.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from fer_lib.settings import PROFILE_DIR
from fer_lib.train.config import TrainConfig


class ProfileError(ValueError):
    """A profile key that is unknown or holds a value of the wrong type."""


class Profile(BaseModel):
    """Every parameter of a run. Defaults here are the library's; a profile file sets the rest."""

    model_config = ConfigDict(extra="forbid", strict=True)

    profile: str = "custom"  # the profile's name (its file's stem)
    dataset: str = "synthetic"  # synthetic | fergit | fer2013 (fer_lib.data.registry)
    data_root: str | None = None  # real-data root; None reads $FER_DATA_ROOT
    seed: int = 0
    n_faces: int = 6000  # size of a synthetic set
    split: Literal["random", "official"] = "random"  # the paper's 90/5/5 | FER-2013's own
    train: dict[str, Any] = {}  # TrainConfig values over its defaults (the paper's)
    official_dataset: str | None = None  # also train on this set's official split (residual page)
    official_train: dict[str, Any] = {}  # that training's values over `train`
    ckplus_dataset: str | None = None  # synthetic-ckplus | ckplus (CK+ page); None: no CK+ trainings
    n_subjects: int = 40  # people in a synthetic CK+-like set
    n_folds: int = Field(10, ge=3)  # subject-independent CK+ folds: one tests, one validates, the others train
    ckplus_epochs: int | None = None  # CK+ trainings' epochs; None: train.epochs
    ckplus_train: dict[str, Any] = {}  # CK+ trainings' values over `train`
    ckplus_seeds: list[int] = []  # CK+ page: the random split again at each of these seeds (split and initial weights) but `seed`
    # the headline trainings (residual, basic, residual-unweighted) again at each of these training
    # seeds, named NAME@SEED, on the same split (`seed`): the spread of a result over runs
    runs: list[int] = []
    posed_holdout: list[str] | None = None  # posed person's faces held out of a second training
    ablations: bool = False  # the deviations page's CK+ ablation of the BatchNorm refresh
    precision_ablation: bool = False  # and the CK+ random split in float32, where the run's was recorded in bfloat16

    @field_validator("train", "official_train", "ckplus_train")
    @classmethod
    def _recipe_values(cls, value: dict) -> dict:
        TrainConfig.from_dict(value)  # unknown keys and ill-typed values raise, naming the key
        return value

    @field_validator("ckplus_seeds", "runs")
    @classmethod
    def _seeds(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value) or any(s < 0 for s in value):
            raise ValueError(f"expected seeds of 0 or more, each once; got {value}")
        return value

    def to_dict(self) -> dict:
        return self.model_dump()


def _source_yaml(name_or_path: str) -> tuple[Path, dict]:
    path = Path(name_or_path)
    if not path.suffix:
        path = PROFILE_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"profile {name_or_path!r} not found at {path}; known profiles: {known_profiles()}")
    raw = yaml.safe_load(path.read_text()) or {}
    if not isinstance(raw, dict):
        raise ProfileError(f"{path}: expected a mapping of parameter names to values, got {type(raw).__name__}")
    return path, raw


def known_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def load(name_or_path: str, overrides: dict | None = None, *, overrides_from: str = "--set") -> Profile:
    """The profile ``profiles/NAME.yaml`` (or a YAML path) with ``overrides`` merged key by
    key, validated. ``overrides_from`` names where the overrides came from in errors."""
    path, raw = _source_yaml(name_or_path)
    overrides = overrides or {}
    merged = merge(raw, overrides) | {"profile": path.stem}
    try:
        return Profile.model_validate(merged)
    except ValidationError as exc:
        raise ProfileError(_describe(exc, merged, [(overrides_from, overrides), (str(_shown(path)), raw)])) from None


def load_profile(name_or_path: str, overrides: dict | None = None) -> dict:
    """:func:`load` as a plain dict (what trainings and records take)."""
    return load(name_or_path, overrides).to_dict()


def _shown(path: Path) -> Path:
    from fer_lib.settings import shown

    return Path(shown(path))


def _lookup(tree: Any, loc: tuple) -> bool:
    for part in loc:
        if not isinstance(tree, dict) or part not in tree:
            return False
        tree = tree[part]
    return True


def _describe(exc: ValidationError, merged: dict, sources: list[tuple[str, dict]]) -> str:
    """One line per problem: the key's dotted path, where it was set, what is wrong, what exists."""
    lines = []
    for err in exc.errors():
        loc = tuple(str(p) for p in err["loc"])
        if err["type"] == "value_error" and isinstance(err.get("ctx", {}).get("error"), ValueError):  # inside a train mapping
            inner = err["ctx"]["error"]
            key = loc + tuple(inner.key.split(".")) if getattr(inner, "key", "") else loc
            problem = getattr(inner, "problem", str(inner))
        else:
            key, problem = loc, err["msg"]
            if err["type"] == "extra_forbidden":
                parent = Profile.model_fields if len(loc) == 1 else {}
                problem = f"unknown; the profile keys are: {', '.join(parent)}"
            else:
                problem += f" (got {err.get('input')!r:.60})"
        where = next((name for name, tree in sources if _lookup(tree, key)), sources[-1][0])
        lines.append(f"{'.'.join(key)} (from {where}): {problem}")
    return "; ".join(lines)


def parse_overrides(items: list[str]) -> dict:
    """``key=value`` strings to a nested dict; values are parsed as YAML (``3``, ``true``,
    ``null``) and dotted keys reach into mappings (``train.epochs=3``)."""
    out: dict = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set expects key=value, got {item!r}")
        *parents, leaf = key.strip().split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = _number_or(yaml.safe_load(value))
    return out


def _number_or(value):
    """YAML 1.1 reads ``1e-3`` as a string (it wants ``1.0e-3``); a string that is a number in
    Python's syntax is that number."""
    if isinstance(value, str) and re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+", value.strip()):
        return float(value)
    return value


def merge(*trees: dict | None) -> dict:
    """The mappings merged left to right, nested mappings key by key (the later wins)."""
    out: dict = {}
    for tree in trees:
        for key, value in (tree or {}).items():
            out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def for_page(profile: str, overrides: dict | None = None) -> dict:
    """What a page's parameters cell names (a profile and overrides of it), validated, as a dict."""
    return load(profile, overrides, overrides_from="the page's overrides").to_dict()


def validated(params: dict) -> dict:
    """``params`` (a profile's values, already merged) checked and completed with the defaults."""
    try:
        return Profile.model_validate(params).to_dict()
    except ValidationError as exc:
        raise ProfileError(_describe(exc, params, [("the parameters given", params)])) from None


DEFAULTS = Profile().to_dict()
"""Every profile key's default (what a profile file does not set)."""
