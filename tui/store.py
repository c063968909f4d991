"""The board file: TinyDB documents in one JSON file, safe for many processes at once.

This is the only module that knows TinyDB. TinyDB promises nothing across processes (its
tables cache the next document id and query results), so every change runs as a
transaction here: an exclusive file lock, the file re-read inside it when anyone else wrote
since we last looked, a fresh TinyDB over that state, and one atomic write at the end
(temporary file in the same folder, fsync, ``os.replace``, fsync of the folder).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from filelock import FileLock, Timeout
from tinydb import Query, TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

APP = "cancelboard"
SCHEMA = 1
"""The file layout this program writes. Older files migrate forward; newer are refused."""

ORDERS = "orders"
LESSONS = "lessons"
TEMPLATES = "templates"
META = "meta"
SETTINGS = "settings"
BACKUPS_KEPT = 5

Data = dict[str, dict[str, Any]]
Fingerprint = tuple[int, int, int]


class StoreError(Exception):
    """The board file cannot be used as asked; the message is one line naming the file."""


class _MemoryState(Storage):
    """One transaction's state: TinyDB reads and writes it in memory; we write it to disk once."""

    def __init__(self, data: Data) -> None:
        self.data = data
        self.written = False

    def read(self) -> Data:
        return self.data

    def write(self, data: Data) -> None:
        self.data = data
        self.written = True


def _migrate_0_to_1(data: Data) -> Data:
    """Files from before the meta table: a bare TinyDB file with an orders table."""
    data = dict(data)
    data[META] = {"1": {"app": APP, "schema": 1}}
    return data


MIGRATIONS: dict[int, Callable[[Data], Data]] = {0: _migrate_0_to_1}
"""Pure functions from schema N to N+1, applied in order on the next write."""


def migrate(data: Data) -> Data:
    """Bring a board's data to the current schema (pure: returns new data)."""
    version = schema_of(data)
    while version < SCHEMA:
        data = MIGRATIONS[version](data)
        version = schema_of(data)
    return data


def schema_of(data: Data) -> int:
    """The schema version recorded in a board's data (0 before there was one)."""
    for doc in data.get(META, {}).values():
        if isinstance(doc, Mapping) and "schema" in doc:
            return int(doc["schema"])
    return 0


@dataclass(frozen=True)
class Snapshot:
    """The board's data at one moment, read-only."""

    data: Data
    """Tables by name, documents by id (never mutated: transactions copy what they change)."""
    fingerprint: Fingerprint | None
    """The file's (inode, size, mtime) when read; None when there is no file yet."""

    def table(self, name: str) -> list[dict[str, Any]]:
        """The documents of one table, in id order."""
        return list(self.data.get(name, {}).values())


class Tx:
    """A transaction's view of the board: TinyDB tables over the fresh state."""

    def __init__(self, data: Data) -> None:
        # A new TinyDB per transaction: its per-table caches (next id, query results) then
        # never outlive the lock they were computed under.
        self._db = TinyDB(data=data, storage=_MemoryState)
        self._state: _MemoryState = self._db.storage  # type: ignore[assignment]

    @property
    def changed(self) -> bool:
        """Whether anything was written in this transaction."""
        return self._state.written

    @property
    def data(self) -> Data:
        """The state as it stands now."""
        return self._state.data

    def table(self, name: str) -> Table:
        """A TinyDB table of this transaction."""
        return self._db.table(name)

    def find(self, name: str, key: str, value: Any) -> Document | None:
        """The one document whose ``key`` equals ``value``, or None."""
        found = self.table(name).search(Query()[key] == value)
        return found[0] if found else None

    def put(self, name: str, key: str, doc: Mapping[str, Any]) -> None:
        """Insert ``doc`` or replace the document with the same ``key`` value.

        Replacing is remove-then-insert, never an in-place update, so snapshots handed out
        earlier (which share document objects) never change under their readers.
        """
        table = self.table(name)
        old = self.find(name, key, doc[key])
        if old is None:
            table.insert(dict(doc))
            return
        table.remove(doc_ids=[old.doc_id])
        table.insert(Document(dict(doc), doc_id=old.doc_id))

    def delete(self, name: str, key: str, value: Any) -> bool:
        """Remove the document whose ``key`` equals ``value``; whether there was one."""
        old = self.find(name, key, value)
        if old is None:
            return False
        self.table(name).remove(doc_ids=[old.doc_id])
        return True


class Store:
    """A board file on disk, shared safely with other processes and threads."""

    def __init__(self, path: str | os.PathLike[str], *, lock_timeout: float = 15.0) -> None:
        self.path = Path(path).expanduser().absolute()
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._lock_timeout = lock_timeout
        self._thread_lock = threading.RLock()
        self._cache: Snapshot | None = None
        self._opened = False

    # ---------------------------------------------------------------- reading

    def fingerprint(self) -> Fingerprint | None:
        """The file's identity and version now; cheap enough to poll."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise self._error("cannot read", error) from None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def snapshot(self) -> Snapshot:
        """The board as it is on disk now (re-read only when the file changed)."""
        cached = self._cache
        if cached is not None and cached.fingerprint == self.fingerprint():
            return cached
        snap = self._load()
        self._cache = snap
        return snap

    def _load(self) -> Snapshot:
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            return Snapshot(self._empty(), None)
        except IsADirectoryError:
            raise StoreError(f"{self.path}: is a folder, not a board file") from None
        except OSError as error:
            raise self._error("cannot read", error) from None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise StoreError(f"{self.path}: not a regular file")
            with os.fdopen(fd, "rb", closefd=False) as handle:
                raw = handle.read()
        except IsADirectoryError:
            raise StoreError(f"{self.path}: is a folder, not a board file") from None
        except OSError as error:
            raise self._error("cannot read", error) from None
        finally:
            os.close(fd)
        fingerprint = (st.st_ino, st.st_size, st.st_mtime_ns)
        return Snapshot(self._parse(raw), fingerprint)

    def _parse(self, raw: bytes) -> Data:
        if not raw.strip():
            # An empty file (``touch board.json``) is an empty board, not damage.
            return self._empty()
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise StoreError(
                f"{self.path}: not valid JSON ({error}); the file was left as it is"
            ) from None
        if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
            raise StoreError(f"{self.path}: not a Cancelboard board (not a TinyDB file)")
        if data and not (set(data) & {META, ORDERS}):
            raise StoreError(f"{self.path}: not a Cancelboard board (no orders or meta table)")
        meta = next(iter(data.get(META, {}).values()), None)
        if meta is not None and (not isinstance(meta, dict) or meta.get("app") != APP):
            raise StoreError(f"{self.path}: not a Cancelboard board (meta names another program)")
        version = schema_of(data)
        if version > SCHEMA:
            raise StoreError(
                f"{self.path}: written by a newer Cancelboard (schema {version}; this one reads"
                f" up to {SCHEMA}); upgrade cancelboard"
            )
        if not data:
            return self._empty()
        return data

    @staticmethod
    def _empty() -> Data:
        return {META: {"1": {"app": APP, "schema": SCHEMA}}, ORDERS: {}}

    # ---------------------------------------------------------------- writing

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Tx]:
        """Lock the file, hand out the fresh state, write it once if it changed.

        Raises :class:`StoreError` when the file cannot be locked, read or written; then
        nothing on disk has changed.
        """
        with self._thread_lock, self._file_lock():
            if not self._opened:
                self._remove_leftovers()
                self._opened = True
            snap = self.snapshot()
            needs_migration = schema_of(snap.data) < SCHEMA
            data = migrate(snap.data) if needs_migration else snap.data
            # A shallow copy: TinyDB replaces whole tables in it, and Tx replaces whole
            # documents, so the cached snapshot others may be reading stays as it was.
            tx = Tx(dict(data))
            yield tx
            if not (tx.changed or needs_migration):
                return
            if needs_migration and snap.fingerprint is not None:
                self.backup(reason=f"schema{schema_of(snap.data)}")
            payload = orjson.dumps(tx.data)
            self._write_atomic(payload)
            self._cache = Snapshot(tx.data, self.fingerprint())

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        folder = self.path.parent
        if not folder.exists():
            try:
                folder.mkdir(parents=True, mode=0o700)
            except OSError as error:
                raise self._error("cannot create its folder", error) from None
        lock = FileLock(self.lock_path, timeout=self._lock_timeout, mode=0o600, thread_local=False)
        try:
            lock.acquire()
        except Timeout:
            raise StoreError(
                f"{self.path}: locked by another process for over {self._lock_timeout:.0f} s"
            ) from None
        except OSError as error:
            raise self._error("cannot lock", error) from None
        try:
            yield
        finally:
            lock.release()

    def _write_atomic(self, payload: bytes) -> None:
        folder = self.path.parent
        mode = 0o600
        with contextlib.suppress(FileNotFoundError):
            mode = stat.S_IMODE(os.stat(self.path).st_mode)
        tmp = folder / f".{self.path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp"
        try:
            fd = os.open(
                tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600
            )
            try:
                os.fchmod(fd, mode)
                view = memoryview(payload)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.path)
        except OSError as error:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            self._cache = None
            what = "disk full" if error.errno in (errno.ENOSPC, errno.EDQUOT) else "cannot write"
            raise self._error(what, error, unchanged=True) from None
        _fsync_folder(folder)

    def _remove_leftovers(self) -> None:
        """Temp files of writers that died mid-write (we hold the lock: none is live)."""
        for leftover in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            with contextlib.suppress(OSError):
                leftover.unlink()

    # ---------------------------------------------------------------- backups

    def backup(self, *, reason: str = "") -> Path | None:
        """Copy the board beside itself (``board.json.bak-20261126T140000[-why]``), keeping the last few."""
        if not self.path.exists():
            return None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(
            f"{self.path.name}.bak-{stamp}{'-' + reason if reason else ''}"
        )
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out, open(self.path, "rb") as src:
                shutil.copyfileobj(src, out)
                out.flush()
                os.fsync(out.fileno())
        except OSError as error:
            raise self._error("cannot write a backup", error, unchanged=True) from None
        for old in self.backups()[BACKUPS_KEPT:]:
            with contextlib.suppress(OSError):
                old.unlink()
        return target

    def backups(self) -> list[Path]:
        """Backups beside the file, newest first."""
        found = self.path.parent.glob(f"{self.path.name}.bak-*")
        return sorted(found, key=lambda p: p.name, reverse=True)

    def daily_backup(self) -> Path | None:
        """A backup unless one was made today (called when the board opens)."""
        today = datetime.now(UTC).strftime("%Y%m%d")
        if any(p.name.split(".bak-")[1].startswith(today) for p in self.backups()):
            return None
        if self.fingerprint() is None:
            return None
        return self.backup()

    # ---------------------------------------------------------------- errors

    def _error(self, what: str, error: OSError, *, unchanged: bool = False) -> StoreError:
        detail = error.strerror or str(error)
        tail = "; nothing was written" if unchanged else ""
        return StoreError(f"{self.path}: {what}: {detail.lower()}{tail}")


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (a crash right after must not bring the old file back)."""
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
