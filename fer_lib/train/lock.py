"""One process at a time per training folder.

:func:`folder_lock` holds an exclusive ``flock`` on ``<folder>/.lock`` for as long as a
training writes there. The kernel releases it when the holder exits, however it exits,
so a lock left by a killed process is simply taken over; the file keeps the holder's
process id, host and start time, which the error for a second process names.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from pathlib import Path

LOCK_NAME = ".lock"


class FolderBusy(RuntimeError):
    """Another process is training in this folder."""


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike, what: str = "a training"):
    """Hold ``folder``'s lock; FolderBusy naming the folder and the holder when another process has it."""
    path = Path(folder) / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(path)
            raise FolderBusy(f"{folder} is in use by process {holder.get('pid', '?')} on {holder.get('host', '?')} "
                             f"(since {holder.get('since', '?')}: {holder.get('what', '?')}); wait for it to finish or stop it, "
                             f"then run this again") from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%d %H:%M:%S"),
                                 "what": what}).encode())
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text() or "{}")
    except (OSError, json.JSONDecodeError):
        return {}
