"""The board file: TinyDB documents in one JSON file, safe for many processes at once.

This is the only module that knows TinyDB. TinyDB promises nothing across processes (its
tables cache the next document id and query results), so every change runs as a
transaction here: an exclusive lock on ``board.json.lock``, the file re-read inside it (its
bytes compared with what we last saw, so a stale cache can never be written back), a fresh
TinyDB over that state, and one atomic write at the end (temporary file in the same folder,
fsync, ``os.replace``, fsync of the folder). A reader never sees a half-written file, and a
writer killed at any moment leaves the old file whole (plus a temp file, removed later).

Reading (:meth:`Store.snapshot`) takes no lock: the file is only ever replaced whole, so
any read sees one complete version. Snapshots are shared between threads and never mutated.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import orjson
from filelock import FileLock, Timeout
from tinydb import TinyDB
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
"""Backups kept beside the board file (older ones are removed when a new one is made)."""
FILE_MODE = 0o600
"""Mode of every file we create: the board holds buyers' names and messages."""
FOLDER_MODE = 0o700
"""Mode of the board's folder when we create it."""

Data = dict[str, dict[str, Any]]
Fingerprint = tuple[int, int, int]

_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


class StoreError(Exception):
    """The board file cannot be used as asked; the message is one line naming the file."""


# ----------------------------------------------------------------------------- migrations


def _migrate_0_to_1(data: Data) -> Data:
    """Files from before the meta table: a bare TinyDB file with an orders table."""
    data = dict(data)
    data[META] = {"1": {"app": APP, "schema": 1}}
    data.setdefault(ORDERS, {})
    return data


MIGRATIONS: dict[int, Callable[[Data], Data]] = {0: _migrate_0_to_1}
"""Pure functions from schema N to N+1 (they return new data and never change their input)."""


def migrate(data: Data) -> Data:
    """Bring a board's data to the current schema (pure: returns new data)."""
    version = schema_of(data)
    while version < SCHEMA:
        migrated = MIGRATIONS[version](data)
        if schema_of(migrated) <= version:
            raise ValueError(f"migration from schema {version} did not advance the schema")
        data, version = migrated, schema_of(migrated)
    return data


def schema_of(data: Data) -> int:
    """The schema version recorded in a board's data (0 before there was one)."""
    for doc in data.get(META, {}).values():
        if isinstance(doc, Mapping) and "schema" in doc:
            value = doc["schema"]
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"schema version {value!r} is not a whole number")
            return value
    return 0


def empty_board() -> Data:
    """The data of a board with nothing on it yet."""
    return {META: {"1": {"app": APP, "schema": SCHEMA}}, ORDERS: {}}


# ----------------------------------------------------------------------------- snapshots


@dataclass(frozen=True)
class Snapshot:
    """The board's data at one moment, read-only."""

    data: Data
    """Tables by name, documents by id, at the current schema (never mutated: transactions
    copy what they change, so holders of an old snapshot can keep reading it)."""
    fingerprint: Fingerprint | None
    """The file's (inode, size, mtime) when read; None when there is no file yet."""
    schema: int = SCHEMA
    """The schema version of the file on disk (older ones migrate on the next write)."""
    raw: bytes | None = field(default=None, repr=False, compare=False)
    """The file's bytes as read or written (how a transaction knows its cache is current)."""

    def table(self, name: str) -> list[dict[str, Any]]:
        """The documents of one table, in id order."""
        return list(self.data.get(name, {}).values())


# ----------------------------------------------------------------------------- transactions


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


class _TxTable(Table):
    """A TinyDB table whose documents are shared with snapshots: insert and remove only.

    TinyDB's ``update`` changes documents in place, which would change snapshots that other
    threads are reading (and, if the transaction then failed, the cache too). Replace a
    document with :meth:`Tx.put` instead.
    """

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("documents are shared with snapshots: replace them with Tx.put")

    update = _refuse
    update_multiple = _refuse
    upsert = _refuse


class _TxDB(TinyDB):
    table_class = _TxTable


class Tx:
    """A transaction's view of the board: TinyDB tables over the fresh state.

    The state starts out sharing its tables with the cached snapshot; the first change to a
    table copies it (once per transaction), and documents are only ever swapped whole, so
    snapshots handed out earlier never change and a failed transaction leaves no trace.
    """

    def __init__(self, data: Data) -> None:
        # A new TinyDB per transaction: its per-table caches (next id, query results) then
        # never outlive the lock they were computed under.
        self._db = _TxDB(data=data, storage=_MemoryState)
        state = self._db.storage
        assert isinstance(state, _MemoryState)
        self._state = state
        self._owned: dict[str, dict[str, Any]] = {}
        """Tables this transaction copied, so may change in place."""
        self._index: dict[tuple[str, str], tuple[dict[str, Any], dict[Any, str]]] = {}
        """(table, key) -> (the table object indexed, value -> document id)."""
        self._next_ids: dict[str, tuple[dict[str, Any], int]] = {}

    @property
    def changed(self) -> bool:
        """Whether anything was written in this transaction."""
        return self._state.written

    @property
    def data(self) -> Data:
        """The state as it stands now."""
        return self._state.data

    def table(self, name: str) -> Table:
        """A TinyDB table of this transaction (insert, search and remove; no in-place update)."""
        return self._db.table(name)

    def find(self, name: str, key: str, value: Any) -> Document | None:
        """The one document whose ``key`` equals ``value``, or None (a copy: safe to keep)."""
        # An index per (table, key), built by one plain scan and kept in step by put():
        # TinyDB's Query costs several times more per document, and a change (or an import
        # of thousands of orders) looks orders up again and again.
        table = self._state.data.get(name, {})
        held = self._index.get((name, key))
        if held is not None and held[0] is table:
            index = held[1]
        else:
            index = {}
            for doc_id, doc in table.items():
                try:
                    index.setdefault(doc.get(key), doc_id)
                except TypeError:  # an unhashable value: never looked up
                    pass
            # The table itself is held too: while it is, no new table can share its id().
            self._index[(name, key)] = (table, index)
        try:
            found = index.get(value)
        except TypeError:
            return None
        if found is None:
            return None
        return Document(table[found], doc_id=int(found))

    def put(self, name: str, key: str, doc: Mapping[str, Any]) -> None:
        """Insert ``doc`` or replace the document with the same ``key`` value.

        Replacing swaps the whole document for a new one, never an in-place update, so
        snapshots handed out earlier (which share document objects) never change.
        """
        value = doc[key]
        old = self.find(name, key, value)
        table = self._own(name)
        doc_id = str(old.doc_id) if old is not None else self._new_id(name, table)
        table[doc_id] = dict(doc)
        for other in [k for k in self._index if k[0] == name and k[1] != key]:
            del self._index[other]
        held = self._index.get((name, key))
        if held is not None and held[0] is table and old is None:
            with contextlib.suppress(TypeError):
                held[1][value] = doc_id
        self._touched(name)

    def delete(self, name: str, key: str, value: Any) -> bool:
        """Remove the document whose ``key`` equals ``value``; whether there was one."""
        old = self.find(name, key, value)
        if old is None:
            return False
        table = self._own(name)
        del table[str(old.doc_id)]
        for other in [k for k in self._index if k[0] == name]:
            del self._index[other]
        self._touched(name)
        return True

    def _own(self, name: str) -> dict[str, Any]:
        """The table as this transaction's own copy (copied at most once while it is ours)."""
        current = self._state.data.get(name)
        owned = self._owned.get(name)
        if owned is not None and owned is current:
            return owned
        copied = dict(current or {})
        for k, (held, index) in list(self._index.items()):
            if k[0] == name and held is current:
                self._index[k] = (copied, index)  # same contents: the index still holds
        self._state.data[name] = copied
        self._owned[name] = copied
        return copied

    def _new_id(self, name: str, table: dict[str, Any]) -> str:
        held = self._next_ids.get(name)
        if held is not None and held[0] is table:
            next_id = held[1]
        else:
            next_id = max((int(k) for k in table), default=0) + 1
        self._next_ids[name] = (table, next_id + 1)
        return str(next_id)

    def _touched(self, name: str) -> None:
        self._state.written = True
        table = self._db.table(name)
        table.clear_cache()
        table._next_id = None  # TinyDB 4.9 caches the next id; ours may have moved it


# ----------------------------------------------------------------------------- the store


class Store:
    """A board file on disk, shared safely with other processes and threads."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        lock_timeout: float = 15.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        # Symlinks resolved: writes replace the real file (not the link), and every path to
        # one board shares one lock file.
        self.path = Path(os.path.realpath(Path(path).expanduser()))
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._lock_timeout = lock_timeout
        self._clock = clock
        self._thread_lock = threading.RLock()
        self._local = threading.local()
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
        """The board as it is on disk now (re-read only when the file's fingerprint changed).

        Raises :class:`StoreError` for a file that is not a usable board; reading never
        changes anything on disk.
        """
        cached = self._cache
        if cached is not None and cached.fingerprint == self.fingerprint():
            return cached
        snap = self._load(cached)
        self._cache = snap
        return snap

    def _load(self, cached: Snapshot | None = None) -> Snapshot:
        """Read and check the file; reuse ``cached``'s data when the bytes are the same."""
        try:
            fd = os.open(self.path, os.O_RDONLY | _O_CLOEXEC | _O_NONBLOCK)
        except FileNotFoundError:
            return Snapshot(empty_board(), None)
        except OSError as error:
            raise self._error("cannot read", error) from None
        try:
            st = os.fstat(fd)
            if stat.S_ISDIR(st.st_mode):
                raise StoreError(f"{self.path}: is a folder, not a board file")
            if not stat.S_ISREG(st.st_mode):
                raise StoreError(f"{self.path}: not a regular file (a pipe, socket or device)")
            chunks = []
            while chunk := os.read(fd, max(st.st_size, 1 << 16)):
                chunks.append(chunk)
            raw = b"".join(chunks)
        except OSError as error:
            raise self._error("cannot read", error) from None
        finally:
            os.close(fd)
        fingerprint = (st.st_ino, st.st_size, st.st_mtime_ns)
        if cached is not None and cached.raw is not None and cached.raw == raw:
            return Snapshot(cached.data, fingerprint, cached.schema, raw)
        data, schema = self.parse(raw)
        if cached is not None:
            data = _share(data, cached.data)
        return Snapshot(data, fingerprint, schema, raw)

    def parse(self, raw: bytes) -> tuple[Data, int]:
        """A board file's bytes as data at the current schema, and the file's own schema.

        Raises :class:`StoreError` naming the file and what is wrong with it.
        """
        if not raw.strip():
            # An empty file (``touch board.json``) is an empty board, not damage.
            return empty_board(), SCHEMA
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise StoreError(f"{self.path}: not valid JSON ({error})") from None
        if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
            raise StoreError(f"{self.path}: not a Cancelboard board (not a TinyDB file)")
        if not all(isinstance(doc, dict) for t in data.values() for doc in t.values()):
            raise StoreError(f"{self.path}: not a Cancelboard board (a table holds a non-object)")
        if not all(k.isdigit() and k.isascii() for t in data.values() for k in t):
            raise StoreError(
                f"{self.path}: not a Cancelboard board (a document id is not a number)"
            )
        if not data:
            return empty_board(), SCHEMA
        if not set(data) & {META, ORDERS}:
            raise StoreError(f"{self.path}: not a Cancelboard board (no orders or meta table)")
        meta = next(iter(data.get(META, {}).values()), None)
        if meta is not None and meta.get("app") != APP:
            raise StoreError(f"{self.path}: not a Cancelboard board (meta names another program)")
        try:
            version = schema_of(data)
        except ValueError as error:
            raise StoreError(f"{self.path}: damaged meta table ({error})") from None
        if version > SCHEMA:
            raise StoreError(
                f"{self.path}: written by a newer Cancelboard (schema {version}; this one reads"
                f" up to {SCHEMA}); upgrade cancelboard"
            )
        if version < 0 or (version < SCHEMA and version not in MIGRATIONS):
            raise StoreError(f"{self.path}: unknown schema version {version}")
        return (migrate(data) if version < SCHEMA else data), version

    # ---------------------------------------------------------------- opening

    def open(self) -> Snapshot:
        """Check the board before a session: load it, tidy leftovers, make the daily backup.

        Raises :class:`StoreError` (the file untouched) when the file is not a usable board.
        Creates nothing when neither the file nor its folder exists yet.
        """
        snap = self.snapshot()
        if snap.fingerprint is None and not self.path.parent.is_dir():
            return snap
        with self._locked():
            snap = self._load(self._cache)
            self._cache = snap
            if snap.fingerprint is not None and snap.raw is not None:
                self._daily_backup(snap.raw)
        return snap

    # ---------------------------------------------------------------- writing

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Tx]:
        """Lock the file, hand out the fresh state, write it once if it changed.

        Raises :class:`StoreError` when the file cannot be locked, read or written; then
        nothing on disk has changed. An exception from the body writes nothing.
        """
        if getattr(self._local, "active", False):
            raise RuntimeError("a transaction is already open in this thread")
        with self._locked():
            self._local.active = True
            try:
                # Always re-read under the lock: the bytes (not a timestamp) decide whether
                # our cached state is the file's, so another process's write is never lost.
                snap = self._load(self._cache)
                self._cache = snap
                # A shallow copy: transactions replace whole tables and documents, so the
                # cached snapshot others may be reading stays as it was.
                tx = Tx(dict(snap.data))
                yield tx
                needs_migration = snap.schema < SCHEMA and snap.fingerprint is not None
                if not (tx.changed or needs_migration):
                    return
                if needs_migration and snap.raw is not None:
                    self._write_backup(snap.raw, f"schema{snap.schema}")
                payload = orjson.dumps(tx.data)
                fingerprint = self._write_atomic(payload, snap.fingerprint)
                self._cache = Snapshot(tx.data, fingerprint, SCHEMA, payload)
            finally:
                self._local.active = False

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """This thread and process alone on the file; leftovers removed on first use."""
        with self._thread_lock, self._file_lock():
            if not self._opened:
                self._remove_leftovers()
                self._opened = True
            yield

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        folder = self.path.parent
        if not folder.is_dir():
            try:
                folder.mkdir(parents=True, mode=FOLDER_MODE)
                os.chmod(folder, FOLDER_MODE)
            except FileExistsError:
                pass
            except OSError as error:
                raise self._error("cannot create its folder", error) from None
        lock = FileLock(
            self.lock_path,
            timeout=self._lock_timeout,
            mode=FILE_MODE,
            thread_local=False,
            poll_interval=0.005,
        )
        try:
            lock.acquire()
        except Timeout:
            raise StoreError(
                f"{self.path}: locked by another process for over {self._lock_timeout:.0f} s"
            ) from None
        except OSError as error:
            raise self._error("cannot lock", error, unchanged=True) from None
        try:
            yield
        finally:
            lock.release()

    def _write_atomic(
        self,
        payload: bytes,
        previous: Fingerprint | None,
        *,
        target: Path | None = None,
        mode: int | None = None,
    ) -> Fingerprint:
        """Replace ``target`` (the board) with ``payload`` whole; its new fingerprint.

        The new file keeps the old one's mode and group (a shared board stays shared), else
        is created 0600. Its mtime is set past the previous one, so a watcher comparing
        fingerprints always sees a change, even within one clock tick.
        """
        target = target or self.path
        folder = target.parent
        gid = -1
        if mode is None:
            mode = FILE_MODE
            with contextlib.suppress(OSError):
                st = os.stat(target)
                if stat.S_ISREG(st.st_mode):
                    mode, gid = stat.S_IMODE(st.st_mode), st.st_gid
        tmp = folder / f".{self.path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp"
        try:
            if target == self.path and os.path.exists(target) and not os.access(target, os.W_OK):
                raise PermissionError(errno.EACCES, "the file is read-only")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_CLOEXEC, FILE_MODE)
            try:
                os.fchmod(fd, mode)
                if gid != -1 and gid != os.fstat(fd).st_gid:
                    with contextlib.suppress(OSError):
                        os.fchown(fd, -1, gid)
                        os.fchmod(fd, mode)  # chown may clear set-id bits
                view = memoryview(payload)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                mtime = time.time_ns()
                if previous is not None and mtime <= previous[2]:
                    mtime = previous[2] + 1
                with contextlib.suppress(OSError):
                    os.utime(fd, ns=(mtime, mtime))
                os.fsync(fd)
                st = os.fstat(fd)
            finally:
                os.close(fd)
            os.replace(tmp, target)
        except OSError as error:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if target == self.path:
                self._cache = None
            what = "disk full" if error.errno in (errno.ENOSPC, errno.EDQUOT) else "cannot write"
            raise self._error(what, error, unchanged=True) from None
        _fsync_folder(folder)
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def _leftovers(self) -> list[Path]:
        return sorted(self.path.parent.glob(f".{self.path.name}.*.tmp"))

    def _remove_leftovers(self) -> None:
        """Temp files of writers that died mid-write (we hold the lock: none is live)."""
        for leftover in self._leftovers():
            with contextlib.suppress(OSError):
                leftover.unlink()

    # ---------------------------------------------------------------- backups

    def backup(self, *, reason: str = "") -> Path | None:
        """Copy the board beside itself (``board.json.bak-20261126T140000Z[-why]``).

        Only a board that loads is backed up (a damaged file never pushes out a good
        backup); the last :data:`BACKUPS_KEPT` are kept. None when there is no file.
        """
        with self._locked():
            snap = self._load(self._cache)
            if snap.fingerprint is None or snap.raw is None:
                return None
            return self._write_backup(snap.raw, reason)

    def daily_backup(self) -> Path | None:
        """A backup unless one was made today (UTC); cheap when there is one already."""
        if self._backed_up_today() or self.fingerprint() is None:
            return None
        return self.backup()

    def _daily_backup(self, raw: bytes) -> Path | None:
        if self._backed_up_today():
            return None
        return self._write_backup(raw)

    def _backed_up_today(self) -> bool:
        today = self._clock().strftime("%Y%m%d")
        return any(_stamp_of(p, ".bak-").startswith(today) for p in self.backups())

    def _write_backup(self, raw: bytes, reason: str = "") -> Path:
        stamp = self._clock().strftime("%Y%m%dT%H%M%SZ")
        target = self._unique(f".bak-{stamp}{'-' + reason if reason else ''}")
        self._write_atomic(raw, None, target=target, mode=FILE_MODE)
        for old in self.backups()[BACKUPS_KEPT:]:
            with contextlib.suppress(OSError):
                old.unlink()
        return target

    def _unique(self, suffix: str) -> Path:
        target = self.path.with_name(self.path.name + suffix)
        count = 1
        while os.path.lexists(target):
            count += 1
            target = self.path.with_name(f"{self.path.name}{suffix}-{count}")
        return target

    def backups(self) -> list[Path]:
        """Backups beside the file, newest first."""
        found = [p for p in self.path.parent.glob(f"{self.path.name}.bak-*") if p.is_file()]
        return sorted(
            found, key=lambda p: (_stamp_of(p, ".bak-")[:16], _mtime_ns(p), p.name), reverse=True
        )

    def damaged_copies(self) -> list[Path]:
        """Damaged files that :meth:`restore` set aside, newest first."""
        found = self.path.parent.glob(f"{self.path.name}.damaged-*")
        return sorted(found, key=lambda p: p.name, reverse=True)

    def leftovers(self) -> list[Path]:
        """Temp files left by writers that were killed mid-write."""
        return self._leftovers()

    def restore(self, backup: Path) -> Path | None:
        """Put ``backup`` in place of the board, keeping the current file aside.

        The current file (damaged, or any file at all) is kept as
        ``board.json.damaged-<stamp>``, never deleted; returns that path (None when there
        was no file). Raises :class:`StoreError` if the backup does not load.
        """
        checker = Store(backup)
        raw = checker._load().raw
        if raw is None:
            raise StoreError(f"{backup}: no such backup")
        with self._locked():
            aside = None
            mode = FILE_MODE
            stamp = self._clock().strftime("%Y%m%dT%H%M%SZ")
            try:
                st = os.lstat(self.path)
            except FileNotFoundError:
                st = None
            except OSError as error:
                raise self._error("cannot read", error, unchanged=True) from None
            if st is not None:
                aside = self._unique(f".damaged-{stamp}")
                if stat.S_ISREG(st.st_mode):
                    mode = stat.S_IMODE(st.st_mode)
                    # A second name for the same bytes: nothing is copied, nothing can be lost.
                    try:
                        os.link(self.path, aside)
                    except OSError:
                        self._copy_aside(aside)
                else:
                    try:
                        os.rename(self.path, aside)
                    except OSError as error:
                        raise self._error("cannot move the damaged file aside", error) from None
            self._write_atomic(raw, None, mode=mode)
            self._cache = None
        _fsync_folder(self.path.parent)
        return aside

    def _copy_aside(self, aside: Path) -> None:
        try:
            with open(self.path, "rb") as src:
                raw = src.read()
        except OSError as error:
            raise self._error("cannot read", error, unchanged=True) from None
        self._write_atomic(raw, None, target=aside, mode=FILE_MODE)

    # ---------------------------------------------------------------- errors

    def _error(self, what: str, error: OSError, *, unchanged: bool = False) -> StoreError:
        detail = error.strerror or str(error)
        tail = "; nothing was written" if unchanged else ""
        return StoreError(f"{self.path}: {what}: {detail.lower()}{tail}")


def _stamp_of(path: Path, marker: str) -> str:
    return path.name.split(marker, 1)[1] if marker in path.name else ""


def _mtime_ns(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def _share(data: Data, old: Data) -> Data:
    """``data`` with every document equal to one in ``old`` replaced by that same object.

    Snapshots are never mutated, so sharing is safe; and readers that convert documents
    (the board service) then redo only the ones another process changed: on a board of
    10,000 orders, comparing costs a few tens of milliseconds, converting everything a second.
    """
    for name, table in data.items():
        before = old.get(name)
        if not before:
            continue
        for doc_id, doc in table.items():
            same = before.get(doc_id)
            if same is not None and same is not doc and same == doc:
                table[doc_id] = same
    return data


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
