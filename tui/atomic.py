"""Writing files so a crash never leaves half of one: temp file, fsync, rename, fsync folder."""

from __future__ import annotations

import os
import time
from pathlib import Path


def write_temp(folder: Path, name: str, payload: bytes, mode: int = 0o600) -> Path:
    """Write ``payload`` to a new, synced temp file in ``folder`` (beside ``name``).

    The caller renames (or links) it into place, and removes it if that fails. The temp
    name starts with ``.{name}.`` and ends with ``.tmp`` so leftovers can be found.
    """
    tmp = folder / f".{name}.{os.getpid()}.{time.monotonic_ns()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        os.fchmod(fd, mode)
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    os.close(fd)
    return tmp


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a crash right after must not undo it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
