"""Profiles: named parameter sets for whole runs (profiles/*.yaml), and overrides on the command line."""

from __future__ import annotations

from pathlib import Path

import yaml

from fer_lib.settings import PROFILE_DIR


def load_profile(name_or_path: str) -> dict:
    """A profile's parameters, from ``profiles/NAME.yaml`` or a YAML file path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = PROFILE_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))
        raise FileNotFoundError(f"profile {name_or_path!r} not found at {path}; known profiles: {known}")
    params = yaml.safe_load(path.read_text()) or {}
    if not isinstance(params, dict):
        raise ValueError(f"{path}: expected a mapping of parameter names to values")
    return params | {"profile": path.stem}

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
        node[leaf] = yaml.safe_load(value)
    return out

def merge(base: dict, overrides: dict) -> dict:
    """``base`` with ``overrides`` applied, mappings merged key by key."""
    merged = dict(base)
    for key, value in overrides.items():
        merged[key] = merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
    return merged
