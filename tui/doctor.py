"""``cancelboard doctor``: a report on a board (its file and its archive), and restoring
the newest good backup of whichever is damaged.

Without ``--restore`` it only reads: nothing on disk changes (not even a lock file).
Exit code 0 when both files are usable, 2 when either is damaged (unless restored).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from tui.domain import Order, Stage
from tui.store import (
    FILE_MODE,
    FIX_HINT,
    LESSONS,
    ORDERS,
    Store,
    StoreError,
    backup_time,
    has_content,
    load_file,
    missing_archive,
)

EXIT_OK = 0
EXIT_DAMAGED = 2

FORGET_HINT = (
    "no backup of the archive: if it cannot be found, cancelboard doctor --forget-archive"
    " gives its orders up, and orders can be closed again"
)


@dataclass(frozen=True)
class Check:
    """What one file (the board file, the archive, or a backup) holds, or what is wrong."""

    path: Path
    exists: bool
    error: str = ""
    """Empty when the file loads (every order included)."""
    schema: int = 0
    orders: int = 0
    closed: int = 0
    lessons: int = 0
    archive: bool = False
    """Whether it is (a backup of) the archive file."""

    @property
    def ok(self) -> bool:
        """Whether the file is usable (a missing board file is: it is created on first use)."""
        return not self.error

    def summary(self) -> str:
        """One line: what the file holds."""
        if self.archive:
            return (
                f"schema {self.schema}, {self.closed} closed order{'' if self.closed == 1 else 's'}"
            )
        orders = f"{self.orders} order{'' if self.orders == 1 else 's'}"
        lessons = f"{self.lessons} general lesson{'' if self.lessons == 1 else 's'}"
        return f"schema {self.schema}, {orders} ({self.closed} closed), {lessons}"


def check(path: Path, *, archive: bool = False, backup: bool = False) -> Check:
    """Load ``path`` as a board file (or an archive, or a ``backup`` of either) without
    writing anything, and say what it holds."""
    try:
        snap = load_file(path, archive=archive)
        if backup and not has_content(path):
            # Restoring it would put back nothing: never the newest good backup.
            raise StoreError(f"{path}: empty")
        docs = [*snap.data.get(ORDERS, {}).values(), *snap.pending.values()]
        orders = [_order(doc, path) for doc in docs]
    except StoreError as error:
        return Check(
            path, os.path.lexists(path), error=_after_path(str(error), path), archive=archive
        )
    return Check(
        path,
        snap.fingerprint is not None,
        schema=snap.schema,
        orders=len(orders),
        closed=sum(1 for o in orders if o.stage is Stage.CLOSED),
        lessons=len(snap.data.get(LESSONS, {})),
        archive=archive,
    )


def _order(doc: dict[str, object], path: Path) -> Order:
    try:
        return Order.from_dict(doc)
    except (KeyError, ValueError, TypeError, AttributeError) as error:
        raise StoreError(
            f"{path}: order {doc.get('order')} is damaged ({type(error).__name__}: {error})"
        ) from None


def _after_path(message: str, path: Path) -> str:
    """What is wrong with ``path``, as doctor lists it: without the file's name (listed
    already) or the advice to run doctor."""
    prefix = f"{path}: "
    message = message.removesuffix(FIX_HINT)
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


def _status(result: Check, label: str, missing: str) -> str:
    if not result.exists and result.ok:
        return f"{label}: {missing}"
    if result.ok:
        details = ", ".join(
            x for x in (result.summary(), _size(result.path), _mode_note(result.path)) if x
        )
        return f"{label}: ok: {details}"
    return f"{label}: DAMAGED: {result.error}"


def _backups(
    label: str, paths: list[Path], archive: bool, out: Callable[[str], None]
) -> list[Path]:
    """Report on backups; the ones that load, newest first."""
    checked = [(p, check(p, archive=archive, backup=True)) for p in paths]
    good = [p for p, c in checked if c.ok]
    out(f"{label}: {len(checked)}" + (f" ({len(good)} load)" if checked else ""))
    for backup, result in checked:
        state = f"ok: {result.summary()}" if result.ok else f"DAMAGED: {result.error}"
        out(f"  {backup.name}: {state}")
    return good


def made(backup: Path, now: datetime) -> str:
    """When ``backup`` was made, in local time and as an age: ``made 2026-12-06 19:04,
    2 h ago`` (a restore loses every change made since)."""
    when = backup_time(backup)
    if when is None:
        return "made at an unknown time"
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 60:
        age = "under a minute"
    elif seconds < 3600:
        age = f"{seconds // 60} min"
    elif seconds < 48 * 3600:
        age = f"{seconds // 3600} h"
    else:
        age = f"{seconds // 86400} days"
    return f"made {when.astimezone():%Y-%m-%d %H:%M}, {age} ago"


def doctor(
    store: Store,
    *,
    restore: bool = False,
    forget_archive: bool = False,
    out: Callable[[str], None] = print,
    now: datetime | None = None,
) -> int:
    """Report on the board file and its archive (and with ``restore``, put back the newest
    good backup of each damaged one; with ``forget_archive``, give up a missing archive
    that no backup can bring back). ``now`` (default: the clock) is what backups' ages are
    counted from."""
    now = now or datetime.now(UTC)
    board = check(store.path)
    archive = check(store.archive_path, archive=True)
    missing = False
    if board.ok and not archive.exists:
        try:
            problem = missing_archive(load_file(store.path), store.archive_path)
        except StoreError:  # changed meanwhile into something that does not load
            problem = None
        if problem is not None:
            archive = replace(archive, error=problem)
            missing = True
    if forget_archive:
        if not missing:
            out(
                "nothing to forget: the archive is there, or the board file lists no archived order"
            )
            return EXIT_OK if archive.ok else EXIT_DAMAGED
        loads = [b for b in store.archive_backups() if check(b, archive=True, backup=True).ok]
        if loads:
            out(
                f"not forgotten: a backup of the archive loads ({loads[0].name});"
                " cancelboard doctor --restore puts it back"
            )
            return EXIT_DAMAGED
        count, backup = store.forget_archive()
        out(
            f"the board file no longer lists the {count} archived order{'s' * (count != 1)} of"
            f" the missing archive; the next close starts a new one"
            + (f" (the board file as it was: {backup.name})" if backup else "")
        )
        return EXIT_OK
    out(f"board file: {store.path}")
    out(_status(board, "status", "no board file yet (it is created with the first change)"))
    out(f"archive file: {store.archive_path}")
    out(
        _status(archive, "archive status", "none yet (it is created when an order is closed)")
        + ("" if archive.ok else "; open orders still work, closed ones wait for it")
    )

    good = _backups("backups", store.backups(), False, out)
    good_archive = _backups("archive backups", store.archive_backups(), True, out)

    leftovers = store.leftovers()
    if leftovers:
        out(
            f"leftover temp files: {len(leftovers)} (from writers killed mid-write; removed the"
            " next time the board opens)"
        )
    else:
        out("leftover temp files: none")
    if store.reconcile_pending():
        out(
            "unfinished write to both files (its writer was stopped, or could not write the"
            " second file): finished by the next change or start; an order found in both"
            " keeps its newest copy"
        )
    damaged = store.damaged_copies()
    if damaged:
        out(f"damaged files kept aside: {', '.join(p.name for p in damaged)}")
    if store.lock_path.exists():
        out(f"lock file: {store.lock_path.name}, {_mode_note(store.lock_path)}")

    if board.ok and archive.ok:
        if restore:
            out("nothing to restore: the board file and its archive are fine")
        return EXIT_OK
    todo = [
        (result, backups, what)
        for result, backups, what in ((board, good, ""), (archive, good_archive, " the archive"))
        if not result.ok
    ]
    if not restore:
        for result, backups, what in todo:
            if backups:
                out(
                    f"to put back the newest good backup of{what or ' the board file'}"
                    f" ({backups[0].name}): cancelboard doctor --restore"
                )
                by_hand = " unless you fix the file by hand" if result.exists else ""
                out(f"  {made(backups[0], now)}: changes since then are lost{by_hand}")
            elif what and missing:
                out(FORGET_HINT)
        return EXIT_DAMAGED
    code = EXIT_OK
    for _, backups, what in todo:
        if not backups:
            out(f"cannot restore{what}: no backup loads; nothing was changed")
            if what and missing:
                out(FORGET_HINT)
            code = EXIT_DAMAGED
            continue
        aside = store.restore(backups[0])
        kept = (
            f"; the damaged file, with any changes made since, was kept as {aside.name}"
            if aside
            else ""
        )
        out(
            f"restored {backups[0].name} ({made(backups[0], now)}) in place of"
            f"{what or ' the board file'}{kept}"
        )
    return code
