"""``cancelboard doctor``: a report on a board file, and restoring the newest good backup.

Without ``--restore`` it only reads: nothing on disk changes (not even a lock file).
Exit code 0 when the board is usable, 2 when it is damaged (unless restored).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tui.board import Board
from tui.domain import Stage
from tui.store import FILE_MODE, LESSONS, Store, StoreError

EXIT_OK = 0
EXIT_DAMAGED = 2


@dataclass(frozen=True)
class Check:
    """What one file (the board or a backup) holds, or what is wrong with it."""

    path: Path
    exists: bool
    error: str = ""
    """Empty when the file loads as a board (every order included)."""
    schema: int = 0
    orders: int = 0
    closed: int = 0
    lessons: int = 0

    @property
    def ok(self) -> bool:
        """Whether the file is usable (a missing board file is: it is created on first use)."""
        return not self.error

    def summary(self) -> str:
        """One line: what the file holds."""
        orders = f"{self.orders} order{'' if self.orders == 1 else 's'}"
        lessons = f"{self.lessons} general lesson{'' if self.lessons == 1 else 's'}"
        return f"schema {self.schema}, {orders} ({self.closed} closed), {lessons}"


def check(path: Path) -> Check:
    """Load ``path`` as a board (never writing anything) and say what it holds."""
    store = Store(path)
    try:
        snap = store.snapshot()
        exists = snap.fingerprint is not None
        orders = Board(store).orders(archived=True, snapshot=snap)
    except StoreError as error:
        return Check(path, os.path.lexists(path), error=_after_path(str(error), store.path))
    return Check(
        path,
        exists,
        schema=snap.schema,
        orders=len(orders),
        closed=sum(1 for o in orders if o.stage is Stage.CLOSED),
        lessons=len(snap.data.get(LESSONS, {})),
    )


def _after_path(message: str, path: Path) -> str:
    prefix = f"{path}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


def _mode_note(path: Path) -> str:
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return ""
    note = f"mode {mode:04o}"
    if mode & 0o007:
        note += " (others can read it: chmod 600 keeps buyers' data private)"
    elif mode & ~FILE_MODE:
        note += " (shared with the group)"
    return note


def _size(path: Path) -> str:
    try:
        size = os.stat(path).st_size
    except OSError:
        return ""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def doctor(store: Store, *, restore: bool = False, out: Callable[[str], None] = print) -> int:
    """Report on the board file (and with ``restore``, put back the newest good backup)."""
    path = store.path
    board = check(path)
    out(f"board file: {path}")
    if not board.exists and board.ok:
        out("status: no board file yet (it is created with the first change)")
    elif board.ok:
        details = ", ".join(x for x in (board.summary(), _size(path), _mode_note(path)) if x)
        out(f"status: ok: {details}")
    else:
        out(f"status: DAMAGED: {board.error}")

    backups = [(p, check(p)) for p in store.backups()]
    good = [p for p, c in backups if c.ok]
    out(f"backups: {len(backups)}" + (f" ({len(good)} load)" if backups else ""))
    for backup, result in backups:
        state = f"ok: {result.summary()}" if result.ok else f"DAMAGED: {result.error}"
        out(f"  {backup.name}: {state}")

    leftovers = store.leftovers()
    if leftovers:
        out(
            f"leftover temp files: {len(leftovers)} (from writers killed mid-write; removed the"
            " next time the board opens)"
        )
    else:
        out("leftover temp files: none")
    damaged = store.damaged_copies()
    if damaged:
        out(f"damaged files kept aside: {', '.join(p.name for p in damaged)}")
    if store.lock_path.exists():
        out(f"lock file: {store.lock_path.name}, {_mode_note(store.lock_path)}")

    if board.ok:
        if restore:
            out("nothing to restore: the board file is fine")
        return EXIT_OK
    if not restore:
        if good:
            out(
                f"to put back the newest good backup ({good[0].name}): cancelboard doctor --restore"
            )
        return EXIT_DAMAGED
    if not good:
        out("cannot restore: no backup loads; nothing was changed")
        return EXIT_DAMAGED
    aside = store.restore(good[0])
    kept = f"; the damaged file was kept as {aside.name}" if aside else ""
    out(f"restored {good[0].name}{kept}")
    return EXIT_OK
