"""A training's resumable state, one atomic snapshot per epoch.

Everything a resume needs after epoch N is written into ``state.tmp/``: the trainer
(weights and optimizer, ``model.keras``), ``state.json`` (the next epoch, the recipe, the
callbacks' counters, the random layers' states), a copy of ``history.csv`` up to epoch N
and of the best-epoch checkpoint ``best.weights.h5``, then ``MANIFEST.json`` with each
file's size and sha256, last. Only then does it take the place of ``state/``: ``state/``
is renamed ``state.old/``, ``state.tmp/`` is renamed ``state/``, ``state.old/`` is
removed. Each rename is atomic, so at any moment one of the three folders holds a whole
snapshot, and the previous one stays until the next is whole.

:func:`find_state` picks the newest whole snapshot (its manifest checks out), and
:func:`restore` puts its history and checkpoint back beside it, so a resume starts from
one consistent moment whatever point a kill or a full disk interrupted. A ``state/``
written before snapshots had a manifest (``model.keras`` and ``state.json`` only) is
read as it is, once.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

MANIFEST = "MANIFEST.json"
NAMES = ("state", "state.tmp", "state.old")


class StateError(ValueError):
    """A saved state that is not whole: a file missing, of the wrong size or checksum."""


def fault_point(name: str) -> None:
    """Called between the file operations of a save; the fault-injection tests make it raise."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_snapshot(out: Path, save_model, state: dict) -> Path:
    """Write the snapshot of one finished epoch into ``out/state`` (see the module's docstring).
    ``save_model(path)`` saves the trainer; ``state`` is what ``state.json`` holds."""
    final, tmp, old = (out / n for n in NAMES)
    if tmp.exists():
        shutil.rmtree(tmp)  # a snapshot that an earlier kill left half-made
    tmp.mkdir(parents=True)
    fault_point("mkdir")
    save_model(tmp / "model.keras")
    fault_point("model")
    for name in ("history.csv", "best.weights.h5"):
        if (out / name).exists():
            shutil.copyfile(out / name, tmp / name)
            fault_point(name)
    (tmp / "state.json").write_text(json.dumps(state))
    fault_point("state.json")
    files = {p.name: {"bytes": p.stat().st_size, "sha256": _sha256(p)} for p in sorted(tmp.iterdir())}
    with open(tmp / MANIFEST, "w") as f:
        json.dump({"next_epoch": state["next_epoch"], "files": files}, f)
        f.flush()
        os.fsync(f.fileno())
    _fsync_dir(tmp)
    fault_point("manifest")
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        os.rename(final, old)
    fault_point("rename-old")
    os.rename(tmp, final)
    _fsync_dir(out)
    fault_point("rename-new")
    if old.exists():
        shutil.rmtree(old)
    return final


def check_snapshot(folder: Path) -> dict:
    """The state.json of a whole snapshot in ``folder``; StateError naming what is wrong otherwise."""
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        if (folder / "state.json").exists() and (folder / "model.keras").exists() and folder.name == "state":
            return json.loads((folder / "state.json").read_text())  # written before snapshots had a manifest
        raise StateError(f"{folder}: no {MANIFEST}: the snapshot was not finished")
    try:
        manifest = json.loads(manifest_path.read_text())
    except json.JSONDecodeError as exc:
        raise StateError(f"{manifest_path}: not JSON ({exc})") from None
    for name, want in manifest["files"].items():
        path = folder / name
        if not path.exists():
            raise StateError(f"{path}: missing from the snapshot its manifest lists")
        if path.stat().st_size != want["bytes"]:
            raise StateError(f"{path}: {path.stat().st_size:,} bytes, the manifest says {want['bytes']:,}")
        if _sha256(path) != want["sha256"]:
            raise StateError(f"{path}: sha256 differs from the manifest's: the file was changed or damaged")
    return json.loads((folder / "state.json").read_text())


def find_state(out: Path) -> tuple[Path, dict] | None:
    """The newest whole snapshot in ``out`` (of ``state/``, ``state.tmp/``, ``state.old/``) and its
    state, or None when there is none. A snapshot folder that is there but not whole, with no
    whole one beside it, is a StateError naming it and how to recover."""
    whole, broken = [], []
    for name in NAMES:
        folder = Path(out) / name
        if folder.is_dir():
            try:
                whole.append((folder, check_snapshot(folder)))
            except StateError as exc:
                broken.append(str(exc))
    if whole:
        return max(whole, key=lambda fs: fs[1]["next_epoch"])
    if broken and any((Path(out) / "state" / f).exists() for f in ("state.json", MANIFEST)):
        raise StateError("no whole saved state to resume from: " + "; ".join(broken) +
                         f". Delete {Path(out) / 'state'} to restart from the network of the best epoch, or {out} to train again")
    return None


def restore(out: Path, folder: Path) -> None:
    """Make ``out`` hold the snapshot in ``folder``: it becomes ``out/state``, and its history and
    best-epoch checkpoint replace those beside it (which may be from a later, unfinished epoch)."""
    out = Path(out)
    for name in ("history.csv", "best.weights.h5"):
        if (folder / name).exists():
            tmp = out / f"{name}.restore"
            shutil.copyfile(folder / name, tmp)
            os.replace(tmp, out / name)
    final = out / "state"
    if folder != final:
        if final.exists():
            shutil.rmtree(final)
        os.rename(folder, final)
    for name in NAMES[1:]:
        if (out / name).exists():
            shutil.rmtree(out / name)


def discard_unsaved(out: Path) -> bool:
    """When a kill or a full disk interrupted the first epoch's save (a snapshot folder half
    made, no whole one anywhere): remove what that epoch left (the folder, its history row,
    its checkpoint), since nothing of it was saved, and return True; False when there was
    no such leftover."""
    out = Path(out)
    if find_state(out) is not None or not any((out / name).is_dir() for name in NAMES):
        return False
    for name in (*NAMES, "best.weights.h5", "history.csv"):
        path = out / name
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    return True
