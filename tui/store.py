"""The board's files: TinyDB documents in JSON, safe for many processes at once.

This is the only module that knows TinyDB. A board is two files side by side:

- ``board.json``, the board file: meta, open orders, general lessons, templates, settings
  and an index of the archived order numbers;
- ``board.archive.json``, the archive (named after the board file): meta and the closed
  orders. It is written when an order is closed, reopened or changed while closed, and
  read only when closed orders are asked for, so the daily work on open orders never reads,
  parses or writes it, however many years of history it holds. Closing an order does not
  parse it either while the index records the archive's SHA-256 and the file still has
  it: the order's JSON goes before the archive's last two braces (:meth:`Store._splice`).

TinyDB promises nothing across processes (its tables cache the next document id and query
results), so every change runs as a transaction here: an exclusive lock on
``board.json.lock`` (one lock for both files), the board file re-read inside it (its bytes
compared with what we last read or wrote, so a stale cache can never be written back),
the archive likewise but only when the change needs it, fresh TinyDB tables over that
state, and one atomic write per file that changed (temporary file in the same folder,
fsync, ``os.replace``, fsync of the folder). A reader never sees a half-written file, and a
writer killed at any moment leaves each file whole (plus a temp file, removed later).

A change to both files (an order closed or reopened) is two atomic writes, ordered so that
a crash between them leaves the order in both files, never in neither: into the archive,
the archive is written first; out of it, the board file first. A marker file
(``.board.json.reconcile``) exists while such a change is being written; if one is found
(its writer died), the next change or start first reconciles the files: an order in both
keeps the copy with the higher revision (every move raises it; the board file's on a tie)
and the archive index is rebuilt. Readers that merge the two files apply the same rule.

Reading (:meth:`Store.snapshot`, :meth:`Store.archive_snapshot`) takes no lock: files are
only ever replaced whole, so any read sees one complete version of each. Snapshots are
shared between threads and never mutated.
"""

from __future__ import annotations

import contextlib
import errno
import mmap
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

from tui.atomic import fsync_folder
from tui.fileformat import APP as APP
from tui.fileformat import ARCHIVE_ROLE as ARCHIVE_ROLE
from tui.fileformat import ARCHIVED as ARCHIVED
from tui.fileformat import CLOSED as CLOSED
from tui.fileformat import LESSONS as LESSONS
from tui.fileformat import META as META
from tui.fileformat import ORDERS as ORDERS
from tui.fileformat import SCHEMA as SCHEMA
from tui.fileformat import SETTINGS as SETTINGS
from tui.fileformat import TEMPLATES as TEMPLATES
from tui.fileformat import TO_ARCHIVE as TO_ARCHIVE

if TYPE_CHECKING:
    import hashlib  # imported when first wanted: see sha256

try:
    import fcntl
except ImportError:  # not POSIX: filelock's lock (``Store._portable_lock``)
    fcntl = None  # type: ignore[assignment]

BACKUPS_KEPT = 5
"""Backups kept beside each file (older ones are removed when a new one is made)."""
FILE_MODE = 0o600
"""Mode of every file we create: the board holds buyers' names and messages."""
FOLDER_MODE = 0o700
"""Mode of the board's folder when we create it."""

Data = dict[str, dict[str, Any]]
Fingerprint = tuple[int, ...]
"""(inode, size, mtime) of a file; for :meth:`Store.fingerprint`, of both files."""
Indexes = dict[tuple[str, str], tuple[dict[str, Any], dict[Any, str]]]
"""(table, key) -> (the table object indexed, value -> document id)."""
_NO_FILE: Fingerprint = (0, 0, 0)
_ORDERS_KEY = b'"%s":{' % ORDERS.encode()
DIGEST_KEY = "archive_sha256"
"""The index's record of the archive's digest as last written with the board file."""

_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


class StoreError(Exception):
    """The board file cannot be used as asked; the message is one line naming the file."""

    write_failed = False
    """Raised because a file could not be written (a full disk, a read-only file): what
    only reads can go on."""


class ArchiveError(StoreError):
    """The archive file cannot be used as asked (the message names it).

    Work that does not need the archive (open orders, lessons, settings) goes on; what
    needs it is refused, and the archive is left untouched."""


def archive_path_of(path: Path) -> Path:
    """Where the archive of the board file ``path`` lives: ``board.json`` ->
    ``board.archive.json``, same folder."""
    return path.with_name(f"{path.stem}.archive{path.suffix}")


# ----------------------------------------------------------------------------- migrations


def _migrate_0_to_1(data: Data) -> Data:
    """Files from before the meta table: a bare TinyDB file with an orders table."""
    data = dict(data)
    data[META] = {"1": {"app": APP, "schema": 1}}
    data.setdefault(ORDERS, {})
    return data


def _migrate_1_to_2(data: Data) -> Data:
    """Closed orders move to the archive file: off the board's orders, into ``TO_ARCHIVE``.

    The store writes them to the archive, then the board file without them (whose index
    lists them), so a crash between the two leaves them in both files, never in neither.
    """
    orders = data.get(ORDERS, {})
    closed = {k: d for k, d in orders.items() if d.get("stage") == CLOSED}
    new = dict(data)
    new[ORDERS] = {k: d for k, d in orders.items() if k not in closed}
    new[TO_ARCHIVE] = closed
    numbers = {str(d["order"]) for d in closed.values() if isinstance(d.get("order"), str)}
    new[ARCHIVED] = archive_index(numbers, max((int(k) for k in closed), default=0))
    meta = dict(data.get(META, {}))
    for doc_id, doc in meta.items():
        if isinstance(doc, Mapping) and "schema" in doc:
            meta[doc_id] = {**doc, "schema": 2}
            break
    new[META] = meta
    return new


MIGRATIONS: dict[int, Callable[[Data], Data]] = {0: _migrate_0_to_1, 1: _migrate_1_to_2}
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


def empty_archive() -> Data:
    """The data of an archive with nothing in it yet."""
    return {META: {"1": {"app": APP, "schema": SCHEMA, "role": ARCHIVE_ROLE}}, ORDERS: {}}


def archive_index(numbers: Iterable[str], last_id: int = 0) -> dict[str, Any]:
    """The board file's index table: the archived order ``numbers``, and the highest
    document id in the archive (order ids are unique across both files)."""
    return {"1": {"orders": sorted(numbers), "last_id": last_id}}


def index_of(data: Data) -> frozenset[str] | None:
    """The archived order numbers a board file's index lists; None when it has no
    (usable) index, and the archive itself must be asked."""
    doc = data.get(ARCHIVED, {}).get("1")
    numbers = doc.get("orders") if isinstance(doc, dict) else None
    if not isinstance(numbers, list) or not all(isinstance(n, str) for n in numbers):
        return None
    return frozenset(numbers)


def missing_archive(board: Snapshot, archive_path: Path) -> str | None:
    """What is wrong when the archive file is not there but the board file's index lists
    archived orders (not ones a migration is about to put there): the archive was moved
    or deleted, and read as a new, empty one it would hide them (and take a number of
    theirs for a new order). None when the archive is there, or none is recorded."""
    numbers = board.archived_numbers
    if not numbers or os.path.exists(archive_path):
        return None
    pending = {d.get("order") for d in board.pending.values() if _hashable(d)}
    count = len(numbers - pending)
    if not count:
        return None
    return f"missing, though the board file lists {count} archived order{'s' * (count != 1)}"


def archive_digest_of(data: Data) -> bytes | None:
    """The :func:`digest` of the archive as the board file's index last described it (None
    when it records none): while the archive's bytes still have it, they are exactly what
    this program wrote, orders table last (see :meth:`Store._splice`)."""
    doc = data.get(ARCHIVED, {}).get("1")
    value = doc.get(DIGEST_KEY) if isinstance(doc, dict) else None
    if not isinstance(value, str):
        return None
    try:
        return bytes.fromhex(value)
    except ValueError:
        return None


def _without_digest(table: dict[str, Any] | None) -> dict[str, Any] | None:
    """An index table without its record of the archive's digest."""
    doc = table.get("1") if table is not None else None
    if table is None or not isinstance(doc, dict) or DIGEST_KEY not in doc:
        return table
    return {**table, "1": {k: v for k, v in doc.items() if k != DIGEST_KEY}}


def _last_archived_id(data: Data) -> int | None:
    doc = data.get(ARCHIVED, {}).get("1")
    last = doc.get("last_id") if isinstance(doc, dict) else None
    return last if isinstance(last, int) and not isinstance(last, bool) else None


def _highest_id(data: Data) -> int:
    return max((int(k) for k in data.get(ORDERS, {})), default=0)


def revision_of(doc: Mapping[str, Any]) -> int:
    """An order document's revision (0 when it has none that reads as a number)."""
    value = doc.get("revision", 1)
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return value


def digest(raw: bytes) -> bytes:
    """What an archive's bytes are compared by (SHA-256: hardware-fast here, and it
    releases the GIL while it runs). A board file is compared by its bytes themselves."""
    return sha256(raw).digest()


def sha256(data: bytes | memoryview = b"") -> hashlib._Hash:
    """``hashlib.sha256``, imported when first wanted: only the archive is hashed, and
    opening the board reads none of it (the import is ~2 ms: OpenSSL's set-up)."""
    from hashlib import sha256 as make

    return make(data)


# ----------------------------------------------------------------------------- snapshots


@dataclass(frozen=True)
class Snapshot:
    """One file's data at one moment, read-only."""

    data: Data
    """Tables by name, documents by id, at the current schema (never mutated: transactions
    copy what they change, so holders of an old snapshot can keep reading it)."""
    fingerprint: Fingerprint | None
    """The file's (inode, size, mtime) when read; None when there is no file yet."""
    schema: int = SCHEMA
    """The schema version of the file on disk (older ones migrate on the next write)."""
    check: bytes | None = field(default=None, repr=False, compare=False)
    """What the file's bytes as read or written are compared with on the next read (how a
    transaction knows its cache is current): for the board file the bytes themselves
    (2.3 MB at 10,000 orders: equal bytes compare in 0.2 ms, hashing them takes 1.9 ms,
    on every change); for the archive (tens of MB) their :func:`digest`."""
    pending: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False, compare=False)
    """Closed orders an older board file holds that a migration moves to the archive (on
    the next write); they are no longer in ``data``."""
    canonical: bool = field(default=False, repr=False, compare=False)
    """An archive's: its bytes are laid out as this program writes them, each table once,
    the orders table last and closed by the file's last two bytes. Known from this
    program's own writes, from a whole read whose bytes are ``orjson.dumps(data)``, and
    kept by orders added before those two bytes (see :func:`_grown_orders`)."""

    def table(self, name: str) -> list[dict[str, Any]]:
        """The documents of one table, in id order."""
        return list(self.data.get(name, {}).values())

    @cached_property
    def archived_numbers(self) -> frozenset[str] | None:
        """The board file's index of archived order numbers (None: no usable index)."""
        return index_of(self.data)


def merged_orders(board: Snapshot, archive: Snapshot) -> list[tuple[dict[str, Any], bool]]:
    """Every order of a board: (document, whether it is the archive's copy).

    In id order, as a single file would hold them: an order keeps its id when it moves
    between the files, so this is the order the orders were added in. An order in both
    files (a move cut short by a crash, or being written right now by another process)
    is listed once: the copy with the higher revision, the board file's on a tie; the
    rule reconciliation applies too.
    """
    items = [(int(k), d, False) for k, d in board.data.get(ORDERS, {}).items()]
    items += [(int(k), d, False) for k, d in board.pending.items()]
    items += [(int(k), d, True) for k, d in archive.data.get(ORDERS, {}).items()]
    items.sort(key=lambda item: item[0])  # two sorted runs: linear
    result: list[tuple[dict[str, Any], bool]] = []
    where: dict[Any, int] = {}
    for _, doc, in_archive in items:
        number = doc.get("order") if _hashable(doc) else None
        at = where.get(number) if number is not None else None
        if at is None or result[at][1] == in_archive:
            if number is not None:
                where.setdefault(number, len(result))
            result.append((doc, in_archive))
            continue
        held = result[at][0]
        if revision_of(doc) > revision_of(held) or (
            revision_of(doc) == revision_of(held) and not in_archive
        ):
            result[at] = (doc, in_archive)
    return result


def _hashable(doc: Mapping[str, Any]) -> bool:
    try:
        hash(doc.get("order"))
    except TypeError:
        return False
    return True


# ----------------------------------------------------------------------------- parsing


def _check_tables(data: Any, path: Path, what: str) -> None:
    if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
        raise StoreError(f"{path}: not a Cancelboard {what} (not a TinyDB file)")
    if not all(isinstance(doc, dict) for t in data.values() for doc in t.values()):
        raise StoreError(f"{path}: not a Cancelboard {what} (a table holds a non-object)")
    if not all(k.isdigit() and k.isascii() for t in data.values() for k in t):
        raise StoreError(f"{path}: not a Cancelboard {what} (a document id is not a number)")


FIX_HINT = "; fix it there by hand, or see cancelboard doctor"
"""What a file that is not valid JSON can be done about (doctor, which is that, leaves
it out): the place named is often one character typed by hand, and a backup restored
loses every change made since it."""


def _loads(raw: bytes, path: Path) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise StoreError(
            f"{path}: not valid JSON at line {error.lineno} column {error.colno}"
            f" ({error.msg}){FIX_HINT}"
        ) from None


def parse_board(raw: bytes, path: Path) -> tuple[Data, int]:
    """A board file's bytes as data at the current schema, and the file's own schema.

    Closed orders a migration takes off the board are in the ``TO_ARCHIVE`` table.
    Raises :class:`StoreError` naming ``path`` and what is wrong with it.
    """
    if not raw.strip():
        # An empty file (``touch board.json``) is an empty board, not damage (unless
        # something beside it shows a board was there: see check_not_emptied).
        return empty_board(), SCHEMA
    data = _loads(raw, path)
    _check_tables(data, path, "board")
    if not data:
        return empty_board(), SCHEMA
    if not set(data) & {META, ORDERS}:
        raise StoreError(f"{path}: not a Cancelboard board (no orders or meta table)")
    meta = next(iter(data.get(META, {}).values()), None)
    if meta is not None and meta.get("app") != APP:
        raise StoreError(f"{path}: not a Cancelboard board (meta names another program)")
    if meta is not None and meta.get("role") == ARCHIVE_ROLE:
        raise StoreError(
            f"{path}: a Cancelboard archive, not a board (open the board file beside it)"
        )
    version = _version(data, path)
    return (migrate(data) if version < SCHEMA else data), version


def check_not_emptied(raw: bytes, path: Path) -> None:
    """Refuse a blank board file (as :class:`StoreError`) when something beside it shows
    a board was there: this program never writes a blank board file (a new one has its
    meta table, and every write is whole), so the file was emptied (truncated, a full
    disk under another program) and its open orders are gone; as a new board it would be
    written over. A blank file with nothing beside it is a new board (``touch``)."""
    if raw and not raw.isspace():  # isspace stops at the first byte of a board's "{"
        return
    evidence = board_evidence(path)
    if evidence is not None:
        raise StoreError(
            f"{path}: empty ({len(raw)} bytes), but {evidence} shows a board was there;"
            " cancelboard doctor --restore puts back the newest good backup"
        )


def check_not_missing(path: Path) -> None:
    """Refuse a missing board file (as :class:`StoreError`) when something beside it shows
    a board was there (see :func:`check_not_emptied`): deleted, or moved without its
    archive, its open orders are gone, and as a new board it would quietly start empty
    beside the old archive. With nothing beside it, it is a new board."""
    if os.path.lexists(path.with_name(f".{path.name}.reconcile")):
        # A change to both files is being written (the archive first), or its writer
        # died between the two: a new board's first import of a closed order. The
        # reconciliation finishes it; the board file was never there to lose.
        return
    evidence = board_evidence(path)
    if evidence is None:
        return
    backups = [p for p in path.parent.glob(f"{path.name}.bak-*") if has_content(p)]
    way = (
        "cancelboard doctor --restore puts back the newest good backup"
        if backups
        else f"put it back, or move {archive_path_of(path).name} away to start a new board"
    )
    raise StoreError(f"{path}: missing, but {evidence} shows a board was there; {way}")


def board_evidence(path: Path) -> str | None:
    """What beside the board file ``path`` shows that a board was there: its archive, or
    a backup with something in it; None when nothing does."""
    archive = archive_path_of(path)
    for found in (
        archive,
        *sorted(path.parent.glob(f"{path.name}.bak-*"), key=lambda p: p.name, reverse=True),
    ):
        if has_content(found):
            return f"its archive {found.name}" if found == archive else f"backup {found.name}"
    return None


def has_content(path: Path) -> bool:
    """Whether ``path`` is a file that is not blank (its first 4 KB are not all spaces);
    False when it cannot be read (gone, a folder, unreadable)."""
    try:
        with open(path, "rb") as file:
            head = file.read(4096)
    except OSError:
        return False
    return bool(head) and not head.isspace()


def parse_archive(raw: bytes, path: Path) -> tuple[Data, int]:
    """An archive file's bytes as data, and its schema; :class:`ArchiveError` if unusable."""
    try:
        if not raw.strip():
            return empty_archive(), SCHEMA
        data = _loads(raw, path)
        _check_tables(data, path, "archive")
        if not data:
            return empty_archive(), SCHEMA
        meta = next(iter(data.get(META, {}).values()), None)
        if meta is None or meta.get("app") != APP or meta.get("role") != ARCHIVE_ROLE:
            raise StoreError(f"{path}: not a Cancelboard archive (no archive meta table)")
        version = _version(data, path)
        if version < 2:
            raise StoreError(f"{path}: unknown schema version {version}")
        return data, version
    except ArchiveError:
        raise
    except StoreError as error:
        raise ArchiveError(str(error)) from None


def _version(data: Data, path: Path) -> int:
    try:
        version = schema_of(data)
    except ValueError as error:
        raise StoreError(f"{path}: damaged meta table ({error})") from None
    if version > SCHEMA:
        raise StoreError(
            f"{path}: written by a newer Cancelboard (schema {version}; this one reads"
            f" up to {SCHEMA}); upgrade cancelboard"
        )
    if version < 0 or (version < SCHEMA and version not in MIGRATIONS):
        raise StoreError(f"{path}: unknown schema version {version}")
    return version


def _os_error(
    path: Path,
    what: str,
    error: OSError,
    *,
    unchanged: bool = False,
    archive: bool = False,
    write_failed: bool = False,
) -> StoreError:
    detail = error.strerror or str(error)
    tail = "; nothing was written" if unchanged else ""
    cls = ArchiveError if archive else StoreError
    made = cls(f"{path}: {what}: {detail.lower()}{tail}")
    made.write_failed = write_failed
    return made


def _unwritten(error: StoreError) -> str:
    """The message of ``error`` without its "nothing was written": for what was not a
    change the seller asked for (opening the board)."""
    return str(error).replace("; nothing was written", "")


def _lock_error(path: Path, error: OSError) -> StoreError:
    """The lock file could not be made or opened: nothing can be written to the board."""
    if error.errno == errno.EROFS:
        made = StoreError(
            f"{path}: read-only: its file system is mounted read-only; nothing was written"
        )
    elif error.errno in (errno.EACCES, errno.EPERM):
        made = StoreError(
            f"{path}: read-only for you: cannot lock:"
            f" {(error.strerror or str(error)).lower()}; nothing was written"
        )
    else:
        made = _os_error(path, "cannot lock", error, unchanged=True)
    made.write_failed = True
    return made


def read_file(path: Path, *, archive: bool = False) -> tuple[bytes, Fingerprint] | None:
    """A file's bytes and fingerprint (None when there is no file); errors name ``path``."""
    try:
        fd = os.open(path, os.O_RDONLY | _O_CLOEXEC | _O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise _os_error(path, "cannot read", error, archive=archive) from None
    cls = ArchiveError if archive else StoreError
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise cls(f"{path}: is a folder, not {'an archive' if archive else 'a board'} file")
        if not stat.S_ISREG(st.st_mode):
            raise cls(f"{path}: not a regular file (a pipe, socket or device)")
        chunks = []
        while chunk := os.read(fd, max(st.st_size, 1 << 16)):
            chunks.append(chunk)
        raw = b"".join(chunks)
    except OSError as error:
        raise _os_error(path, "cannot read", error, archive=archive) from None
    finally:
        os.close(fd)
    return raw, (st.st_ino, st.st_size, st.st_mtime_ns)


def read_archive_copy(path: Path) -> tuple[mmap.mmap, Fingerprint] | None:
    """A copy of an archive's bytes in memory of its own, and the file's fingerprint; None
    when there is no regular file with bytes (whoever reads it then says what is wrong).

    The memory is mapped for the copy alone, so closing the copy gives it back to the
    system at once: a ``bytes`` of tens of MB, freed, stayed with the process (the
    allocator keeps it). Not the file mapped: a program writing into it meanwhile would
    kill the process with SIGBUS."""
    try:
        fd = os.open(path, os.O_RDONLY | _O_CLOEXEC | _O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise _os_error(path, "cannot read", error, archive=True) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size == 0:
            return None
        copy = mmap.mmap(-1, st.st_size)
        with memoryview(copy) as whole:
            done = 0
            while done < st.st_size and (got := os.readv(fd, [whole[done:]])):
                done += got
        if done < st.st_size:  # shorter than it said: not as written here
            copy.close()
            return None
        return copy, (st.st_ino, st.st_size, st.st_mtime_ns)
    except OSError as error:
        raise _os_error(path, "cannot read", error, archive=True) from None
    finally:
        os.close(fd)


def load_file(path: Path, *, archive: bool = False) -> Snapshot:
    """Read and check one file (a board file, an archive, or a backup of either) without
    writing anything; raises :class:`StoreError` naming it."""
    got = read_file(path, archive=archive)
    if got is None:
        if not archive:
            check_not_missing(path)
        return Snapshot(empty_archive() if archive else empty_board(), None)
    raw, fingerprint = got
    if archive:
        return _snap_archive(raw, fingerprint, path)
    check_not_emptied(raw, path)
    data, schema = parse_board(raw, path)
    pending = data.pop(TO_ARCHIVE, {})
    return Snapshot(data, fingerprint, schema, raw, pending)


def _orders_last(data: Data) -> bool:
    return bool(data) and next(reversed(data)) == ORDERS


def _grown_orders(raw: bytes, cached: Snapshot) -> tuple[dict[str, Any], bytes] | None:
    """The orders added to an archive since ``cached`` was read, if ``raw`` is exactly its
    bytes with orders put in before the last two braces (as another session's close puts
    them, see ``Store._splice``), and the digest of ``raw``; else None (read it whole).

    A session that had read the archive (its view, stats) parsed all of it again after
    another session's close: 210-250 ms at 10,000 orders, and ~70 MB more held. Here the
    bytes before are recognised by their digest alone, and only the added orders are
    parsed (50-80 ms, reading and hashing the file included)."""
    if not cached.canonical or cached.fingerprint is None or cached.check is None:
        return None  # bytes laid out by anything else: a repeated key, spaces, tables after
    size = cached.fingerprint[1]
    if not 2 <= size < len(raw) or not raw.endswith(b"}}"):
        return None
    with memoryview(raw) as whole, whole[: size - 2] as head, whole[size - 2 :] as rest:
        before = sha256(head)
        after = before.copy()
        before.update(b"}}")
        if before.digest() != cached.check:
            return None
        after.update(rest)
    tail = raw[size - 2 : -2]
    if cached.data[ORDERS]:  # after the last order: a comma, then the added ones
        if not tail.startswith(b","):
            return None
        tail = tail[1:]
    try:
        added = orjson.loads(b"{" + tail + b"}")
        _check_tables({ORDERS: added}, Path(), "archive")
    except (orjson.JSONDecodeError, StoreError):
        return None
    return (added, after.digest()) if added else None


def _snap_archive(raw: bytes, fingerprint: Fingerprint, path: Path) -> Snapshot:
    data, schema = parse_archive(raw, path)
    return Snapshot(data, fingerprint, schema, digest(raw))


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


class _FileTx:
    """A transaction's view of one file: TinyDB tables over its fresh state.

    The state starts out sharing its tables with the cached snapshot; the first change to a
    table copies it (once per transaction), and documents are only ever swapped whole, so
    snapshots handed out earlier never change and a failed transaction leaves no trace.
    """

    def __init__(
        self,
        data: Data,
        order_ids: Callable[[], int] | None = None,
        indexes: Indexes | None = None,
    ) -> None:
        # A new TinyDB per transaction: its per-table caches (next id, query results) then
        # never outlive the lock they were computed under.
        self._db = _TxDB(data=data, storage=_MemoryState)
        state = self._db.storage
        assert isinstance(state, _MemoryState)
        self._state = state
        self._owned: dict[str, dict[str, Any]] = {}
        """Tables this transaction copied, so may change in place."""
        self._index: Indexes = dict(indexes or {})
        """(table, key) -> (the table object indexed, value -> document id). Indexes handed
        in (from earlier transactions) are only read: a table's index is copied with the
        table before either changes."""
        self._next_ids: dict[str, tuple[dict[str, Any], int]] = {}
        self._order_ids = order_ids
        """Where new order ids come from (ids are shared by the board file and its archive)."""

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

    def put(self, name: str, key: str, doc: Mapping[str, Any]) -> str:
        """Insert ``doc`` or replace the document with the same ``key`` value; its id.

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
        return doc_id

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
                self._index[k] = (copied, dict(index))  # same contents: the index holds
        self._state.data[name] = copied
        self._owned[name] = copied
        return copied

    def put_at(self, name: str, key: str, doc: Mapping[str, Any], doc_id: str) -> str:
        """Add ``doc`` (whose ``key`` value is not in the table) under ``doc_id`` if free.

        For an order moving between the files, or a deleted one put back by undo: it keeps
        its id, so the board file and the archive merged are still in the order the orders
        were added. The table stays in id order.
        """
        table = self._own(name)
        if doc_id in table:
            doc_id = self._new_id(name, table)
        last = next(reversed(table), None)
        table[doc_id] = dict(doc)
        if last is not None and int(last) > int(doc_id):
            ordered = sorted(table.items(), key=lambda item: int(item[0]))
            table.clear()
            table.update(ordered)
        for other in [k for k in self._index if k[0] == name]:
            del self._index[other]
        self._touched(name)
        return doc_id

    def insert(self, name: str, doc: Mapping[str, Any]) -> None:
        """Add ``doc`` under a new id, whatever it holds."""
        table = self._own(name)
        table[self._new_id(name, table)] = dict(doc)
        for other in [k for k in self._index if k[0] == name]:
            del self._index[other]
        self._touched(name)

    def replace_table(self, name: str, docs: dict[str, Any]) -> None:
        """Make ``docs`` the whole table."""
        self._own(name)
        self._state.data[name] = self._owned[name] = dict(docs)
        for other in [k for k in self._index if k[0] == name]:
            del self._index[other]
        self._next_ids.pop(name, None)
        self._touched(name)

    def _new_id(self, name: str, table: dict[str, Any]) -> str:
        if name == ORDERS and self._order_ids is not None:
            while str(next_id := self._order_ids()) in table:
                pass
            return str(next_id)
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


_UNKNOWN: Any = object()


class Tx:
    """A transaction's view of the board: the board file's tables, and the archive's when
    needed.

    ``find``, ``put`` and ``delete`` on the orders table span both files: a closed order
    is put in the archive (and taken off the board file), any other in the board file (and
    taken out of the archive). The archive is read, under the lock, only when the change
    needs it: a closed order is put, or a number is not on the board file but may be
    archived (the board file's index says so). ``table()`` is the board file's tables.
    """

    def __init__(
        self,
        board: Data,
        archive: Callable[[], Snapshot],
        exists: Callable[[], bool],
        indexes: Indexes | None = None,
    ) -> None:
        self._main = _FileTx(board, self._next_order_id, indexes)
        self._load_archive = archive
        self._archive_exists = exists
        self._archive: _FileTx | None = None
        self._archive_snap: Snapshot | None = None
        self._index: frozenset[str] | None = _UNKNOWN
        self._exists: bool | None = None
        self._moved_out: dict[str, tuple[str, dict[str, Any]]] = {}
        """Orders taken out of the archive into the board file: number -> (id, archive copy)."""
        self._archive_first = False
        """Whether the archive has changes that must be on disk before the board file's."""
        self._reindex = False
        self._touched: dict[str, str | None] = {}
        """Order numbers put into (their id) or taken out of (None) the archive."""
        self._order_id: int | None = None
        """The next order id: ids are unique across both files, and kept by moves."""
        self._appended: list[tuple[str, dict[str, Any]]] = []
        """Orders closed in this transaction while the archive was not read: (id, document),
        to be added to the archive's bytes as they are (see :meth:`Store._splice`), or put
        into the archive the usual way once it is read."""

    @property
    def changed(self) -> bool:
        """Whether anything was written in this transaction."""
        return (
            self._main.changed
            or bool(self._appended)
            or (self._archive is not None and self._archive.changed)
        )

    @property
    def data(self) -> Data:
        """The board file's state as it stands now."""
        return self._main.data

    def table(self, name: str) -> Table:
        """A TinyDB table of the board file (insert, search and remove; no in-place update)."""
        return self._main.table(name)

    def find(self, name: str, key: str, value: Any) -> Document | None:
        """The one document whose ``key`` equals ``value``, or None (a copy: safe to keep).

        Orders are looked for on the board file, then in the archive.
        """
        found = self._main.find(name, key, value)
        if found is not None or name != ORDERS or not self._maybe_archived(key, value):
            return found
        return self._arch().find(name, key, value)

    def put(self, name: str, key: str, doc: Mapping[str, Any], *, at: str | None = None) -> None:
        """Insert ``doc`` or replace the document with the same ``key`` value.

        Replacing swaps the whole document for a new one, never an in-place update, so
        snapshots handed out earlier (which share document objects) never change.

        ``at``: an order in neither file goes in under this id if no order holds it (a
        delete undone: its old id puts it back among the orders where it was).
        """
        if name != ORDERS:
            self._main.put(name, key, doc)
            return
        value = doc[key]
        if doc.get("stage") == CLOSED:
            here = self._main.find(name, key, value)
            if here is not None and self._may_append(key, value):
                # An open order closed: the archive need not be read (tens of MB) to add it.
                self._appended.append((str(here.doc_id), dict(doc)))
                self._archive_first = True
                self._touch(key, value, str(here.doc_id))
                self._main.delete(name, key, value)
                return
            archive = self._arch()
            self._archive_first = True
            if here is None:
                if at is not None and archive.find(name, key, value) is None and self._free(at):
                    self._touch(key, value, archive.put_at(name, key, doc, at))
                    return
                self._touch(key, value, archive.put(name, key, doc))
                return
            archive.delete(name, key, value)
            self._touch(key, value, archive.put_at(name, key, doc, str(here.doc_id)))
            self._main.delete(name, key, value)
            return
        if self._main.find(name, key, value) is None and self._maybe_archived(key, value):
            archive = self._arch()
            old = archive.find(name, key, value)
            if old is not None:
                archive.delete(name, key, value)
                self._touch(key, value, None)
                self._moved_out.setdefault(str(value), (str(old.doc_id), dict(old)))
                self._main.put_at(name, key, doc, str(old.doc_id))
                return
        if at is not None and self._main.find(name, key, value) is None and self._free(at):
            self._main.put_at(name, key, doc, at)
            return
        self._main.put(name, key, doc)

    def _free(self, doc_id: str) -> bool:
        """Whether no order in either file holds ``doc_id`` (a deleted order's id is given
        to a new one once every higher id is gone). The archive is read only when its
        highest id, in the board file's index, does not rule it out."""
        if doc_id in self._main.data.get(ORDERS, {}) or any(i == doc_id for i, _ in self._appended):
            return False
        if self._archive is None:
            last = _last_archived_id(self._main.data)
            if last is not None and int(doc_id) > last:
                return True
            if self._exists is None:
                self._exists = self._archive_exists()
            if not self._exists:
                return True
        return doc_id not in self._arch().data.get(ORDERS, {})

    def delete(self, name: str, key: str, value: Any) -> bool:
        """Remove the document whose ``key`` equals ``value``; whether there was one."""
        if self._main.delete(name, key, value):
            return True
        if name != ORDERS or not self._maybe_archived(key, value):
            return False
        if self._arch().delete(name, key, value):
            self._archive_first = True
            self._touch(key, value, None)
            return True
        return False

    def _touch(self, key: str, value: Any, doc_id: str | None) -> None:
        if key == "order" and isinstance(value, str):
            self._touched[value] = doc_id
        else:
            self._reindex = True

    # ---------------------------------------------------------------- for the store

    def _may_append(self, key: str, value: Any) -> bool:
        """Whether closing the open order ``value`` can leave the archive unread until it
        is written: the board file's index lists the archived orders (not this one) and
        the archive's digest, which the store checks before adding it to the bytes."""
        if self._archive is not None or key != "order" or not isinstance(value, str):
            return False
        if self._index is _UNKNOWN:
            self._index = index_of(self._main.data)
        return (
            self._index is not None
            and value not in self._index
            and all(doc["order"] != value for _, doc in self._appended)
            and _last_archived_id(self._main.data) is not None
            and archive_digest_of(self._main.data) is not None
        )

    def _maybe_archived(self, key: str, value: Any) -> bool:
        if self._archive is not None or self._appended:
            return True
        if self._index is _UNKNOWN:
            self._index = index_of(self._main.data)
        if key != "order" or self._index is None:
            if self._exists is None:
                self._exists = self._archive_exists()
            return self._exists
        try:
            return value in self._index
        except TypeError:
            return False

    def _arch(self) -> _FileTx:
        if self._archive is None:
            snap = self._load_archive()
            self._archive_snap = snap
            archive = self._archive = _FileTx(dict(snap.data), self._next_order_id)
            # Orders closed before the archive was read go in as a close always puts them.
            for doc_id, doc in self._appended:
                archive.delete(ORDERS, "order", doc["order"])
                self._touch("order", doc["order"], archive.put_at(ORDERS, "order", doc, doc_id))
            self._appended = []
        return self._archive

    def _next_order_id(self) -> int:
        if self._order_id is None:
            highest = max(_highest_id(self._main.data), *(int(i) for i, _ in self._appended), 0)
            last = _last_archived_id(self._main.data) if self._archive is None else None
            if last is None and (self._archive is not None or self._archive_exists()):
                last = _highest_id(self._arch().data)
            self._order_id = max(highest, last or 0) + 1
        self._order_id += 1
        return self._order_id - 1

    def _adopt(self, pending: Mapping[str, Mapping[str, Any]]) -> None:
        """A migration's closed orders into the archive, under their ids (unless the
        archive holds the same or a newer copy: a migration cut short by a crash)."""
        archive = self._arch()
        table = dict(archive.data.get(ORDERS, {}))
        where = {d.get("order"): k for k, d in table.items() if _hashable(d)}
        changed = False
        for doc_id, doc in pending.items():
            at = where.get(doc.get("order")) if _hashable(doc) else None
            if at is not None:
                there = table[at]
                if there == doc or revision_of(there) > revision_of(doc):
                    continue
                table[at] = dict(doc)
            else:
                table[doc_id if doc_id not in table else str(self._next_order_id())] = dict(doc)
            changed = True
        if changed:
            archive.replace_table(ORDERS, dict(sorted(table.items(), key=lambda i: int(i[0]))))
            self._archive_first = True
        self._reindex = True

    def _reconcile(self) -> None:
        """After a cut-short write to both files: each order in one file, the newest copy.

        For every order in both, the copy with the higher revision stays (the board file's
        on a tie); the index is rebuilt from the archive.
        """
        archive = self._arch()
        for doc in list(archive.data.get(ORDERS, {}).values()):
            number = doc.get("order")
            if not isinstance(number, str):
                continue
            mine = self._main.find(ORDERS, "order", number)
            if mine is None:
                continue
            if revision_of(doc) > revision_of(mine):
                self._main.delete(ORDERS, "order", number)
            else:
                archive.delete(ORDERS, "order", number)
                self._archive_first = True
        self._reindex = True

    def _update_index(self) -> None:
        """The board file's index, from the archive as this transaction leaves it.

        From the old index and the numbers this transaction moved, when it can (a
        close or a reopen then costs no scan of the archive); rebuilt after a migration
        or reconciliation, and from an archive read whole that is not the one the index
        was recorded with (its digest differs: changed by hand, or by another program),
        which the next close may then add to unread, trusting the index. ``last_id`` is
        a high-water mark: ids above it are not archived.
        """
        archive = self._archive
        if archive is None and not self._appended:
            return
        if archive is not None and not (archive.changed or self._reindex):
            return
        if self._index is _UNKNOWN:
            self._index = index_of(self._main.data)
        old = self._index
        old_last = _last_archived_id(self._main.data)
        current = self._main.data.get(ARCHIVED)
        read = self._archive_snap
        unverified = archive is not None and (
            read is None or read.check is None or read.check != archive_digest_of(self._main.data)
        )
        if self._reindex or old is None or old_last is None or unverified:
            archive = self._arch()
            numbers: set[str] | frozenset[str] = {
                str(d["order"])
                for d in archive.data.get(ORDERS, {}).values()
                if isinstance(d.get("order"), str)
            }
            last = _highest_id(archive.data)
            if current is None and not numbers:
                return
        else:
            present = {n: i for n, i in self._touched.items() if i is not None}
            numbers = (old - set(self._touched)) | set(present)
            last = max([old_last, *(int(i) for i in present.values())])
            if numbers == old and last == old_last:
                return
        table = archive_index(numbers, last)
        if _without_digest(current) != table:
            self._main.replace_table(ARCHIVED, table)

    def _record_digest(self, sums: bytes | None) -> None:
        """Record in the board file's index the archive's digest as just written (None:
        not known, nothing recorded)."""
        doc = self._main.data.get(ARCHIVED, {}).get("1")
        if not isinstance(doc, dict):
            return
        new = {k: v for k, v in doc.items() if k != DIGEST_KEY}
        if sums is not None:
            new[DIGEST_KEY] = sums.hex()
        if new != doc:
            self._main.replace_table(ARCHIVED, {"1": new})

    def _archive_before_board(self) -> Data | None:
        """What the archive must hold on disk before the board file is written, or None
        when the archive on disk is fine as it is until then.

        The archive as this transaction leaves it, plus (until the board file holds them)
        the orders moved out of it: a crash between the writes then leaves every order
        in one file at least.
        """
        assert self._archive is not None
        if not self._archive_first:
            return None
        final = self._archive.data
        if not self._moved_out:
            return final
        orders = dict(final.get(ORDERS, {}))
        present = {d.get("order") for d in orders.values() if _hashable(d)}
        spare = max((int(k) for k in orders), default=0) + 1
        for number, (doc_id, doc) in self._moved_out.items():
            if number in present:
                continue
            while doc_id in orders:
                doc_id, spare = str(spare), spare + 1
            orders[doc_id] = doc
        return {**final, ORDERS: dict(sorted(orders.items(), key=lambda i: int(i[0])))}


@dataclass(frozen=True)
class _Splice:
    """The archive with closed orders added to its bytes (see :meth:`Store._splice`)."""

    raw: mmap.mmap
    """The archive's bytes before (the new ones are all but their last two, and ``tail``),
    in memory given back when closed (see :func:`read_archive_copy`)."""
    fingerprint: Fingerprint
    """The archive's fingerprint when read."""
    tail: bytes
    """The closed orders' JSON and the closing braces."""
    sums: bytes
    """The :func:`digest` of the new bytes."""
    orders: list[tuple[str, dict[str, Any]]]
    """The closed orders: (id, document)."""


# ----------------------------------------------------------------------------- the store


class Store:
    """A board on disk (the board file and its archive), shared safely with other
    processes and threads."""

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
        self.archive_path = archive_path_of(self.path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.marker_path = self.path.with_name(f".{self.path.name}.reconcile")
        """Exists while a change to both files is being written (or its writer died)."""
        self._lock_timeout = lock_timeout
        self._clock = clock
        self.archive_backup_pending = False
        """:meth:`open` left the archive's daily backup to whoever opened the board."""
        self.open_notices: list[str] = []
        """What :meth:`open` could not do but did not stop the session for (today's
        backup on a full disk; any write at all on a read-only file system): one line
        each, for the board to say once it is drawn."""
        self._thread_lock = threading.RLock()
        self._local = threading.local()
        self._cache: Snapshot | None = None
        self._archive_cache: Snapshot | None = None
        self._indexes: Indexes = {}
        """Lookup indexes of the cached board file's tables (see :meth:`transaction`)."""
        self._fragments: dict[int, tuple[Any, orjson.Fragment]] = {}
        """id(document) -> (the document, its JSON) as last written to the board file (see
        :meth:`_board_bytes`); only used under the thread lock."""
        self._opened = False

    # ---------------------------------------------------------------- reading

    def fingerprint(self) -> Fingerprint | None:
        """The board's identity and version now (both files); cheap enough to poll.

        None when there is neither file. Any change to either file changes it.
        """
        board = self._stat(self.path)
        try:
            archive = self._stat(self.archive_path, archive=True)
        except StoreError:
            archive = None
        if archive is None:
            return board
        return (*(board or _NO_FILE), *archive)

    def _stat(self, path: Path, *, archive: bool = False) -> Fingerprint | None:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise _os_error(path, "cannot read", error, archive=archive) from None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def snapshot(self) -> Snapshot:
        """The board file as it is on disk now (re-read only when its fingerprint changed).

        Open orders, lessons, templates, settings; closed orders are in
        :meth:`archive_snapshot`. Raises :class:`StoreError` for a file that is not a
        usable board; reading never changes anything on disk.
        """
        cached = self._cache
        if cached is not None and cached.fingerprint == _board_part(self.fingerprint()):
            return cached
        snap, _ = self._load(cached)
        self._cache = snap
        return snap

    def archive_snapshot(self) -> Snapshot:
        """The archive file as it is on disk now (cached like :meth:`snapshot`).

        Raises :class:`ArchiveError` (naming the archive) when it is not usable.
        """
        cached = self._archive_cache
        current = self._stat(self.archive_path, archive=True)
        if current is None:
            self._refuse_missing_archive(self.snapshot())
        if cached is not None and cached.fingerprint == current:
            return cached
        snap, _ = self._load_archive(cached)
        self._archive_cache = snap
        return snap

    def _refuse_missing_archive(self, board: Snapshot) -> None:
        """:class:`ArchiveError` when the archive is missing though ``board`` (the board
        file) lists archived orders (see :func:`missing_archive`)."""
        problem = missing_archive(board, self.archive_path)
        if problem is not None:
            way = (
                "cancelboard doctor --restore puts back its newest good backup"
                if self.archive_backups()
                else "put it back, or cancelboard doctor --forget-archive gives its orders up"
            )
            raise ArchiveError(f"{self.archive_path}: {problem}; {way}")

    def forget_archive(self) -> tuple[int, Path | None]:
        """Give up a missing archive (see :func:`missing_archive`) that no backup brings
        back: the board file stops listing its orders, so orders can be closed again (a
        new archive starts), after a backup of the board file as it was. Returns how many
        orders were given up, and that backup."""
        made = self.backup(reason="forget-archive")
        with self._locked():
            snap, _ = self._load(self._cache)
            if missing_archive(snap, self.archive_path) is None:
                raise StoreError(f"{self.archive_path}: not missing, or no order listed in it")
            count = len(snap.archived_numbers or ())
            last = _last_archived_id(snap.data) or 0
            data = {**snap.data, ARCHIVED: archive_index((), last)}
            self._write_atomic(orjson.dumps(data), snap.fingerprint, target=self.path)
            self._cache = None
        return count, made

    def all_orders(self, snapshot: Snapshot | None = None) -> list[tuple[dict[str, Any], bool]]:
        """Every order, open and closed: (document, whether from the archive); see
        :func:`merged_orders`. Reads the archive."""
        return merged_orders(snapshot or self.snapshot(), self.archive_snapshot())

    def find_order(
        self, number: str, snapshot: Snapshot | None = None
    ) -> tuple[dict[str, Any], bool] | None:
        """The order ``number``: (document, whether from the archive), or None.

        The archive is read only when the number is not on the board file and the board
        file's index lists it (or there is no index but there is an archive).
        """
        snap = snapshot or self.snapshot()
        for doc in snap.data.get(ORDERS, {}).values():
            if doc.get("order") == number:
                return doc, False
        for doc in snap.pending.values():
            if doc.get("order") == number:
                return doc, False
        index = snap.archived_numbers
        if (number not in index) if index is not None else not self.archive_path.exists():
            return None
        for doc in self.archive_snapshot().data.get(ORDERS, {}).values():
            if doc.get("order") == number:
                return doc, True
        return None

    def _load(self, cached: Snapshot | None = None) -> tuple[Snapshot, bytes | None]:
        """Read and check the board file (and its bytes, for a backup); reuse ``cached``'s
        data when the bytes are the same."""
        got = read_file(self.path)
        if got is None:
            check_not_missing(self.path)
            return Snapshot(empty_board(), None), None
        raw, fingerprint = got
        if cached is not None and cached.check == raw and raw and not raw.isspace():
            return replace(cached, fingerprint=fingerprint), raw
        check_not_emptied(raw, self.path)
        data, schema = parse_board(raw, self.path)
        pending = data.pop(TO_ARCHIVE, {})
        if cached is not None:
            data = _share(data, cached.data)
        return Snapshot(data, fingerprint, schema, raw, pending), raw

    def _load_archive(self, cached: Snapshot | None = None) -> tuple[Snapshot, bytes | None]:
        got = read_file(self.archive_path, archive=True)
        if got is None:
            return Snapshot(empty_archive(), None), None
        raw, fingerprint = got
        grown = _grown_orders(raw, cached) if cached is not None else None
        if cached is not None and grown is not None:
            added, sums = grown
            orders = {**cached.data[ORDERS], **added}
            data = {**cached.data, ORDERS: orders}
            return Snapshot(data, fingerprint, SCHEMA, sums, canonical=True), raw
        sums = digest(raw)
        if cached is not None and cached.check == sums:
            return replace(cached, fingerprint=fingerprint), raw
        data, schema = parse_archive(raw, self.archive_path)
        if cached is not None:
            data = _share(data, cached.data)
        # Written by this program? (10,000 orders: ~20 ms, beside ~250 ms for the parse.)
        canonical = schema == SCHEMA and _orders_last(data) and orjson.dumps(data) == raw
        return Snapshot(data, fingerprint, schema, sums, canonical=canonical), raw

    def parse(self, raw: bytes) -> tuple[Data, int]:
        """A board file's bytes as data at the current schema, and the file's own schema.

        Raises :class:`StoreError` naming the file and what is wrong with it.
        """
        return parse_board(raw, self.path)

    # ---------------------------------------------------------------- opening

    def open(self, *, archive_backup: bool = True) -> Snapshot:
        """Check the board before a session: load it, tidy leftovers, make the daily backups.

        Raises :class:`StoreError` (the file untouched) when the board file is not usable;
        a damaged archive does not stop a session (what needs it is refused). Finishes a
        write to both files that a killed process left half done. Creates nothing when
        neither the file nor its folder exists yet. Without ``archive_backup`` the
        archive's daily backup is left for later (:attr:`archive_backup_pending`): the app
        has it made once the board is drawn. A backup that cannot be written (a full disk),
        or a lock that cannot be had because nothing can be written here (a read-only file
        system), does not stop it either: :attr:`open_notices` says so.
        """
        snap = self.snapshot()
        if snap.fingerprint is None and not self.path.parent.is_dir():
            return snap
        unfinished: StoreError | None = None
        if os.path.lexists(self.marker_path):
            try:
                with contextlib.suppress(ArchiveError), self.transaction():
                    pass  # reconciles the two files
            except StoreError as error:
                if not error.write_failed:
                    raise
                unfinished = error  # the next change finishes it
        backed_up = True
        try:
            with self._locked():
                snap, raw = self._load(self._cache)
                self._cache = snap
                if snap.fingerprint is not None and raw and not raw.isspace():
                    backed_up = self._open_backup(lambda: self._daily_backup(raw, self.path))
        except StoreError as error:
            if not error.write_failed:
                raise
            # Not even the lock file can be made or opened (a read-only file system, a
            # folder not writable by this user): nothing can be written, but reading
            # takes no lock (files are only ever replaced whole), so the board is shown;
            # each change is refused with the same words.
            self.open_notices.append(
                f"{_unwritten(error)}; the board is shown, changes are refused"
            )
            return self.snapshot()
        if unfinished is not None:
            self.open_notices.append(
                f"{_unwritten(unfinished)}; a change to both files cut short is finished"
                " once one can be written"
            )
        # When the board file's failed, the archive's is not tried: on the same disk it
        # would only fail again, and the board says it once.
        if backed_up and archive_backup:
            self._open_backup(self.daily_archive_backup)
        elif backed_up:
            self.archive_backup_pending = True
        return snap

    def _open_backup(self, make: Callable[[], Path | None]) -> bool:
        """Make one of today's backups as the board opens; False when it cannot be written
        (a full disk): reading needs no space, so the session goes on, and
        :attr:`open_notices` says so (the older backups are kept: a new one only replaces
        them once it is written whole)."""
        try:
            make()
        except StoreError as error:
            if not error.write_failed:
                raise
            message = _unwritten(error)
            kept = " (the older backups are kept)" if self.backups() else ""
            self.open_notices.append(f"No backup today: {message}{kept}")
            return False
        return True

    # ---------------------------------------------------------------- writing

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Tx]:
        """Lock the board, hand out the fresh state, write each file that changed, once.

        Raises :class:`StoreError` when a file cannot be locked, read or written; then
        nothing on disk has changed. An exception from the body writes nothing.
        """
        if getattr(self._local, "active", False):
            raise RuntimeError("a transaction is already open in this thread")
        with self._locked():
            self._local.active = True
            try:
                # Always re-read under the lock: the bytes (not a timestamp) decide whether
                # our cached state is the file's, so another process's write is never lost.
                snap, raw = self._load(self._cache)
                self._cache = snap
                marked = os.path.lexists(self.marker_path)
                # A shallow copy: transactions replace whole tables and documents, so the
                # cached snapshot others may be reading stays as it was.
                tx = Tx(
                    dict(snap.data),
                    lambda: self._archive_in_tx(snap),
                    self.archive_path.exists,
                    self._indexes,
                )
                if snap.pending:
                    tx._adopt(snap.pending)
                if marked:
                    tx._reconcile()
                yield tx
                self._commit(tx, snap, raw, marked)
                # The indexes of the tables now cached are kept for the next transaction
                # (building one costs 0.3 ms per 1,000 orders, and a change looks orders up
                # several times); a table re-read from disk is a new object, so its index is
                # not used (see _FileTx.find).
                data = tx._main.data
                self._indexes = {
                    k: held for k, held in tx._main._index.items() if data.get(k[0]) is held[0]
                }
            finally:
                self._local.active = False

    def _archive_in_tx(self, board: Snapshot) -> Snapshot:
        """The archive, re-read under the lock (for a transaction that needs it), beside
        the board file as ``board`` (read by the transaction). A missing archive that
        ``board`` lists archived orders in is refused: a close would start a new archive
        and the index would forget the orders of the old one."""
        snap, _ = self._load_archive(self._archive_cache)
        if snap.fingerprint is None:
            self._refuse_missing_archive(board)
        self._archive_cache = snap
        return snap

    def _commit(self, tx: Tx, snap: Snapshot, raw: bytes | None, marked: bool) -> None:
        """Write what ``tx`` changed: each file once, in the order that never loses an order.

        Archive first when orders move into it (or it changed alone), then the board
        file, then the archive again when orders moved out of it.
        """
        splice: _Splice | None = None
        if tx._appended and tx._archive is None:
            splice = None if tx._reindex else self._splice(tx, snap.data)
            if splice is None:
                tx._arch()  # the archive read after all: the closed orders go in as always
        try:
            self._write_both(tx, snap, raw, marked, splice)
        finally:
            if splice is not None:
                # Views of it may live on in an error's traceback: then it goes with them.
                with contextlib.suppress(BufferError):
                    splice.raw.close()

    def _write_both(
        self, tx: Tx, snap: Snapshot, raw: bytes | None, marked: bool, splice: _Splice | None
    ) -> None:
        """The writes of :meth:`_commit`."""
        tx._update_index()
        archive, before = tx._archive, tx._archive_snap
        needs_migration = snap.schema < SCHEMA and snap.fingerprint is not None
        board_changed = tx._main.changed or needs_migration
        archive_changed = splice is not None or (archive is not None and archive.changed)
        if not (board_changed or archive_changed):
            if marked:
                self._unmark()  # reconciled: nothing was out of step
            return
        if needs_migration and raw is not None:
            self._write_backup(raw, self.path, f"schema{snap.schema}")
        created = False
        if board_changed and archive_changed and not marked:
            self._mark()
            marked = created = True
        first: Data | None = None
        written: bytes | None = None
        """The digest of the archive as this change leaves it, once written."""
        try:
            if splice is not None:
                written = self._write_splice(splice)
            elif archive is not None and archive_changed:
                assert before is not None
                first = tx._archive_before_board()
                if first is not None:
                    sums = self._write_archive(first, before, final=first is archive.data)
                    if first is archive.data:
                        written = sums
        except StoreError:
            if created:
                self._unmark()
            raise
        if board_changed:
            if archive_changed:
                tx._record_digest(written)
            payload = self._board_bytes(tx._main.data)
            try:
                fingerprint = self._write_atomic(payload, snap.fingerprint, target=self.path)
            except StoreError as error:
                if splice is not None or first is not None:
                    self._take_back(error, before, splice)
                if created:
                    self._unmark()
                raise
            self._cache = Snapshot(tx._main.data, fingerprint, SCHEMA, payload)
        if archive is not None and archive_changed and first is not archive.data:
            assert before is not None
            try:
                self._write_archive(archive.data, self._archive_cache or before, final=True)
            except StoreError:
                # The board file holds the change (its copies have the higher revision):
                # the archive's stale copies go when the marker is next seen.
                return
        if marked:
            self._unmark()

    def _board_bytes(self, data: Data) -> bytes:
        """``data`` as the board file's bytes (what ``orjson.dumps(data)`` gives).

        After :meth:`warm`, each document's JSON is kept from the last write for as long as
        the document is on the board: documents are never changed in place (a change is a
        new document), so the same object always has the same JSON, and a change
        serialises only the documents it made. At 10,000 orders (2.3 MB): 2.6 ms instead
        of 4 ms in a new process, 0.6 ms instead of 2.4 ms once it has run a while.
        Without it (a command line call, one change), the whole board is serialised at
        once: working out each document's JSON apart costs 10 ms the first time.
        """
        if not self._fragments:
            return orjson.dumps(data)
        return orjson.dumps(self._documents_json(data))

    def _documents_json(self, data: Data) -> dict[str, dict[str, orjson.Fragment]]:
        """``data`` with each document as its JSON: kept ones reused, new ones worked out
        and kept (and ones no longer on the board forgotten)."""
        kept = self._fragments
        fresh: dict[int, tuple[Any, orjson.Fragment]] = {}
        tables: dict[str, dict[str, orjson.Fragment]] = {}
        for name, table in data.items():
            docs = tables[name] = {}
            for doc_id, doc in table.items():
                # The document itself is held with its JSON: while it is, no other object
                # can have its id().
                held = kept.get(id(doc))
                if held is None or held[0] is not doc:
                    held = (doc, orjson.Fragment(orjson.dumps(doc)))
                fresh[id(doc)] = held
                docs[doc_id] = held[1]
        self._fragments = fresh
        return tables

    def warm(self) -> None:
        """Work out the JSON of each document on the board now, so that every change of
        this session, the first one too, serialises only what it changed (see
        :meth:`_board_bytes`). For a session that will make several changes: the app
        calls it in a thread once its first paint is done (10 ms at 10,000 orders)."""
        with self._thread_lock:
            snap = self._cache
            if snap is not None and not self._fragments:
                try:
                    self._documents_json(snap.data)
                except (TypeError, orjson.JSONEncodeError):
                    self._fragments = {}  # a change will report it, as without this

    def _splice(self, tx: Tx, board: Data) -> _Splice | None:
        """The orders ``tx`` closed, added to the archive's bytes without reading them as
        JSON; None when that cannot be done safely (the archive is then read and written
        whole).

        Reading and checking the archive (tens of MB after years of orders) to add one
        order took 350 ms at 10,000 orders and kept ~100 MB for the rest of the session.
        The board file's index records the :func:`digest` of the archive as last written
        with it (:meth:`Tx._record_digest`), and the index lists every archived order. When
        the file still has that digest, its bytes are exactly as this program wrote them:
        compact JSON, the orders table last (``...}}``), holding none of these orders;
        each new order goes before the last two braces, where a whole write puts it. An
        id already in the archive (a document key ``"<id>":{`` in its orders table, after
        ``{`` or ``,``: inside a JSON string a quote is always escaped) refuses it.
        """
        recorded = archive_digest_of(board)
        got = read_archive_copy(self.archive_path) if recorded is not None else None
        if got is None:
            return None
        raw, fingerprint = got
        try:
            tail = self._splice_tail(raw, recorded, tx._appended)
        except BaseException:
            raw.close()
            raise
        if tail is None:
            raw.close()
            return None
        return _Splice(raw, fingerprint, *tail, tx._appended)

    @staticmethod
    def _splice_tail(
        raw: mmap.mmap, recorded: bytes | None, orders: list[tuple[str, dict[str, Any]]]
    ) -> tuple[bytes, bytes] | None:
        """What :meth:`_splice` puts in place of the archive's last two bytes, and the
        digest of the result; None when the archive is not as recorded."""
        start = raw.find(_ORDERS_KEY)
        if start < 0 or raw[-2:] != b"}}":
            return None
        # One pass over the bytes for both digests (as they are, and with the orders
        # added), in a thread of its own while this one looks for the ids: hashing
        # releases the GIL, and each takes ~15 ms at 21 MB.
        summed: list[Any] = []

        def sum_head() -> None:
            with memoryview(raw) as whole, whole[:-2] as head:
                summed.append(sha256(head))

        summing = threading.Thread(target=sum_head, daemon=True)
        summing.start()
        try:
            pieces = []
            for doc_id, doc in orders:
                key = b'"%s":{' % doc_id.encode()
                at = raw.find(key, start)
                while at >= 0:
                    if raw[at - 1 : at] in (b"{", b","):
                        return None
                    at = raw.find(key, at + 1)
                pieces.append(b'"%s":%s' % (doc_id.encode(), orjson.dumps(doc)))
        finally:
            summing.join()
        head_sum = summed[0]
        before = head_sum.copy()
        before.update(b"}}")
        if before.digest() != recorded:
            return None
        tail = (b"" if raw[-3:-2] == b"{" else b",") + b",".join(pieces) + b"}}"
        head_sum.update(tail)
        return tail, head_sum.digest()

    def _write_splice(self, splice: _Splice) -> bytes:
        """Write the archive :meth:`_splice` made; its digest. A cached archive of the bytes
        before is brought up to date (the archive view need not read it again)."""
        with memoryview(splice.raw) as whole, whole[:-2] as head:
            fingerprint = self._write_atomic(
                (head, splice.tail), splice.fingerprint, target=self.archive_path
            )
        cached = self._archive_cache
        if cached is not None and cached.fingerprint == splice.fingerprint:
            orders = {**cached.data.get(ORDERS, {}), **dict(splice.orders)}
            data = {**cached.data, ORDERS: orders}
            canonical = _orders_last(data)
            self._archive_cache = Snapshot(
                data, fingerprint, SCHEMA, splice.sums, canonical=canonical
            )
        else:
            self._archive_cache = None
        return splice.sums

    def _write_archive(self, data: Data, before: Snapshot, *, final: bool) -> bytes:
        """Write the archive whole; the :func:`digest` of what was written."""
        if ORDERS in data and not _orders_last(data):
            # The orders table last, where :meth:`_splice` adds closed orders.
            data = {**{k: v for k, v in data.items() if k != ORDERS}, ORDERS: data[ORDERS]}
        payload = orjson.dumps(data)
        fingerprint, sums = self._write_summed(payload, before.fingerprint, self.archive_path)
        if final:
            canonical = _orders_last(data)
            self._archive_cache = Snapshot(data, fingerprint, SCHEMA, sums, canonical=canonical)
        else:
            self._archive_cache = None
        return sums

    def _write_summed(
        self, payload: bytes, previous: Fingerprint | None, target: Path
    ) -> tuple[Fingerprint, bytes]:
        """:meth:`_write_atomic`, and the payload's :func:`digest` (for the cache), computed while
        the disk works: both release the GIL, so a big file costs no extra time."""
        if len(payload) < 1 << 20:
            return self._write_atomic(payload, previous, target=target), digest(payload)
        sums: list[bytes] = []
        worker = threading.Thread(target=lambda: sums.append(digest(payload)), daemon=True)
        worker.start()
        try:
            fingerprint = self._write_atomic(payload, previous, target=target)
        finally:
            worker.join()
        return fingerprint, sums[0]

    def _take_back(
        self, error: StoreError, before: Snapshot | None, splice: _Splice | None = None
    ) -> None:
        """The board file could not be written after the archive was: put the archive back
        (``before``, or for a spliced archive its bytes before).

        If even that fails, the marker stays and the next change finishes the change.
        """
        try:
            if splice is not None:
                self._archive_cache = None
                current = self._stat(self.archive_path)
                self._write_atomic((splice.raw,), current, target=self.archive_path)
            elif before is None:
                return
            elif before.fingerprint is None:
                try:
                    os.unlink(self.archive_path)
                except FileNotFoundError:
                    pass
                except OSError as unlink_error:
                    raise _os_error(self.archive_path, "cannot write", unlink_error) from None
                fsync_folder(self.archive_path.parent)
                self._archive_cache = None
            else:
                self._write_archive(before.data, before, final=True)
        except StoreError:
            message = str(error).replace("; nothing was written", "")
            raise StoreError(
                f"{message}; only the archive was written: the next change completes it"
            ) from None

    def _mark(self) -> None:
        """Leave the marker before writing both files (durably: a crash must not lose it)."""
        existed = os.path.lexists(self.marker_path)
        try:
            fd = os.open(
                self.marker_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _O_CLOEXEC, FILE_MODE
            )
            try:
                os.write(fd, b"a change to the board file and its archive is being written\n")
            finally:
                os.close(fd)
        except OSError as error:
            # Nothing of the change is written yet: a marker made here but not filled (a
            # full disk) would only say that a writer died mid-change. One that was there
            # already (a restore) still has a change to finish.
            if not existed:
                self._unmark()
            what = "disk full" if error.errno in (errno.ENOSPC, errno.EDQUOT) else "cannot write"
            raise self._error(what, error, unchanged=True) from None
        fsync_folder(self.path.parent)

    def _unmark(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.marker_path)

    def reconcile_pending(self) -> bool:
        """Whether a write to both files was cut short (the next change or start finishes
        it)."""
        return os.path.lexists(self.marker_path)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """This thread and process alone on the board; leftovers removed on first use."""
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
        try:
            fd = _flock(self.lock_path, self._lock_timeout)
        except TimeoutError:
            raise self._locked_out() from None
        except OSError as error:
            raise _lock_error(self.path, error) from None
        if fd is None:
            with self._portable_lock():
                yield
            return
        try:
            yield
        finally:
            _unflock(fd)

    @contextlib.contextmanager
    def _portable_lock(self) -> Iterator[None]:
        """filelock's lock, where ``flock`` is missing: not POSIX, or a file system
        without it (filelock then falls back to a lock of its own)."""
        from filelock import FileLock, Timeout

        lock = FileLock(
            self.lock_path,
            timeout=self._lock_timeout,
            mode=FILE_MODE,
            thread_local=False,
            poll_interval=LOCK_POLL,
        )
        try:
            lock.acquire()
        except Timeout:
            raise self._locked_out() from None
        except OSError as error:
            raise _lock_error(self.path, error) from None
        try:
            yield
        finally:
            lock.release()

    def _locked_out(self) -> StoreError:
        return StoreError(
            f"{self.path}: locked by another process for over {self._lock_timeout:.0f} s"
        )

    def _write_atomic(
        self,
        payload: bytes | tuple[bytes | memoryview | mmap.mmap, ...],
        previous: Fingerprint | None,
        *,
        target: Path | None = None,
        mode: int | None = None,
        mtime: int | None = None,
        about: Path | None = None,
    ) -> Fingerprint:
        """Replace ``target`` (the board file) with ``payload`` whole (bytes, or parts
        written one after the other); its new fingerprint.

        The new file keeps the old one's mode and group (a shared board stays shared); a
        new archive takes the board file's, else a file is created 0600. Its mtime is set
        past the previous one, so a watcher comparing fingerprints always sees a change,
        even within one clock tick (or to ``mtime``, for a backup). Errors name ``about``
        (default: the target when it is the archive, else the board file).
        """
        target = target or self.path
        archive = target == self.archive_path or (about is not None and about == self.archive_path)
        about = about or (self.archive_path if target == self.archive_path else self.path)
        folder = target.parent
        gid = -1
        if mode is None:
            mode = FILE_MODE
            templates = [target, self.path] if target == self.archive_path else [target]
            for template in templates:
                try:
                    st = os.stat(template)
                except OSError:
                    continue
                if stat.S_ISREG(st.st_mode):
                    mode, gid = stat.S_IMODE(st.st_mode), st.st_gid
                break
        tmp = folder / f".{self.path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp"
        try:
            if (
                target in (self.path, self.archive_path)
                and os.path.exists(target)
                and not os.access(target, os.W_OK)
            ):
                raise PermissionError(errno.EACCES, "the file is read-only")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_CLOEXEC, FILE_MODE)
            try:
                os.fchmod(fd, mode)
                if gid != -1 and gid != os.fstat(fd).st_gid:
                    with contextlib.suppress(OSError):
                        os.fchown(fd, -1, gid)
                        os.fchmod(fd, mode)  # chown may clear set-id bits
                for part in (payload,) if isinstance(payload, bytes) else payload:
                    view = memoryview(part)
                    while view:
                        written = os.write(fd, view)
                        view = view[written:]
                if mtime is None:
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
            elif target == self.archive_path:
                self._archive_cache = None
            what = "disk full" if error.errno in (errno.ENOSPC, errno.EDQUOT) else "cannot write"
            raise _os_error(
                about, what, error, unchanged=True, archive=archive, write_failed=True
            ) from None
        fsync_folder(folder)
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def _leftovers(self) -> list[Path]:
        # The archive's temp files are named after the board file too: one pattern for both.
        return sorted(self.path.parent.glob(f".{self.path.name}.*.tmp"))

    def _remove_leftovers(self) -> None:
        """Temp files of writers that died mid-write (we hold the lock: none is live)."""
        for leftover in self._leftovers():
            with contextlib.suppress(OSError):
                leftover.unlink()

    # ---------------------------------------------------------------- backups

    def backup(self, *, reason: str = "") -> Path | None:
        """Copy the board beside itself (``board.json.bak-20261126T140000Z[-why]``, and the
        archive likewise as ``board.archive.json.bak-...``).

        Only files that load are backed up (a damaged file never pushes out a good
        backup: :class:`StoreError` instead); the last :data:`BACKUPS_KEPT` of each are
        kept. Returns the board file's backup (None when there is no board file).
        """
        with self._locked():
            snap, raw = self._load(self._cache)
            archive, archive_raw = self._load_archive(self._archive_cache)
            made = None
            if snap.fingerprint is not None and raw and not raw.isspace():
                # A blank file holds nothing to keep; its backup would make it look emptied.
                made = self._write_backup(raw, self.path, reason)
            if archive.fingerprint is not None and archive_raw is not None:
                self._write_backup(
                    archive_raw, self.archive_path, reason, mtime=archive.fingerprint[2]
                )
            return made

    def daily_backup(self) -> Path | None:
        """A backup unless one was made today (UTC); cheap when there is one already."""
        if self._backed_up_today(self.path) or self._stat(self.path) is None:
            return None
        return self.backup()

    def _daily_backup(self, raw: bytes, source: Path) -> Path | None:
        if self._backed_up_today(source):
            return None
        return self._write_backup(raw, source)

    def archive_backup_due(self) -> bool:
        """Whether today's archive backup is still to be made: the archive exists, has no
        backup from today and is not as its newest backup. Cheap: reads no file."""
        current = self._stat(self.archive_path, archive=True)
        if current is None or self._backed_up_today(self.archive_path):
            return False
        newest = self.backups(self.archive_path)[:1]
        if newest:
            with contextlib.suppress(OSError):
                st = os.stat(newest[0])
                if (st.st_size, st.st_mtime_ns) == current[1:]:
                    return False
        return True

    def daily_archive_backup(self) -> Path | None:
        """Today's archive backup, unless the archive is as its newest backup (which is
        then already the copy we would make: the archive changes far less often than the
        board) or does not load (doctor reports it); None if none was due.

        Checking that the archive loads means reading all of it (~0.3 s and ~100 MB that
        Python keeps afterwards, at 10,000 orders): the app has it done by a process of
        its own (``python -m tui.archive_backup``) once the board is drawn. That read
        takes no lock (the archive is only ever replaced whole), so no session's change
        waits for it; only the copy is written under the lock. Raises
        :class:`StoreError` if the backup cannot be written.
        """
        if not self.archive_backup_due():
            return None
        try:
            snap, raw = self._load_archive()
        except ArchiveError:
            return None  # doctor reports it; a damaged copy must not push out a good one
        if raw is None or snap.fingerprint is None:
            return None
        with self._locked():
            if not self.archive_backup_due():
                return None  # another session made it meanwhile
            return self._write_backup(raw, self.archive_path, mtime=snap.fingerprint[2])

    def _backed_up_today(self, source: Path) -> bool:
        today = self._clock().strftime("%Y%m%d")
        return any(_stamp_of(p, ".bak-").startswith(today) for p in self.backups(source))

    def _write_backup(
        self, raw: bytes, source: Path, reason: str = "", *, mtime: int | None = None
    ) -> Path:
        stamp = self._clock().strftime("%Y%m%dT%H%M%SZ")
        target = self._unique(source, f".bak-{stamp}{'-' + reason if reason else ''}")
        self._write_atomic(raw, None, target=target, mode=FILE_MODE, mtime=mtime, about=source)
        for old in self.backups(source)[BACKUPS_KEPT:]:
            with contextlib.suppress(OSError):
                old.unlink()
        return target

    def _unique(self, source: Path, suffix: str) -> Path:
        target = source.with_name(source.name + suffix)
        count = 1
        while os.path.lexists(target):
            count += 1
            target = source.with_name(f"{source.name}{suffix}-{count}")
        return target

    def owns(self, path: str | os.PathLike[str]) -> str | None:
        """What ``path`` is, if it is one of this board's own files (the board file, its
        archive, their lock files, backups and damaged copies, the reconcile marker)."""
        real = Path(os.path.realpath(Path(path).expanduser()))
        if real.parent != self.path.parent:
            return None
        name = real.name
        for source, what in (
            (self.path, "the board file"),
            (self.archive_path, "the board's archive"),
        ):
            if name == source.name:
                return what
            if name == source.name + ".lock":
                return f"the lock file of {what}"
            if name.startswith(source.name + ".bak-"):
                return f"a backup of {what}"
            if name.startswith(source.name + ".damaged-"):
                return f"a damaged copy of {what} kept for you"
        if name == self.marker_path.name:
            return "the board's reconcile marker"
        return None

    def backups(self, source: Path | None = None) -> list[Path]:
        """Backups of the board file (or of ``source``, e.g. the archive), newest first."""
        source = source or self.path
        found = [p for p in source.parent.glob(f"{source.name}.bak-*") if p.is_file()]
        return sorted(
            found, key=lambda p: (_stamp_of(p, ".bak-")[:16], _mtime_ns(p), p.name), reverse=True
        )

    def archive_backups(self) -> list[Path]:
        """Backups of the archive file, newest first."""
        return self.backups(self.archive_path)

    def damaged_copies(self) -> list[Path]:
        """Damaged files that :meth:`restore` set aside (board file and archive), newest
        first."""
        found = [
            *self.path.parent.glob(f"{self.path.name}.damaged-*"),
            *self.path.parent.glob(f"{self.archive_path.name}.damaged-*"),
        ]
        return sorted(found, key=lambda p: p.name, reverse=True)

    def leftovers(self) -> list[Path]:
        """Temp files left by writers that were killed mid-write."""
        return self._leftovers()

    def restore(self, backup: Path) -> Path | None:
        """Put ``backup`` in place of the file it is a backup of (the board file, or the
        archive for ``board.archive.json.bak-...``), keeping the current file aside.

        The current file (damaged, or any file at all) is kept as
        ``<name>.damaged-<stamp>``, never deleted; returns that path (None when there
        was no file). The two files are then reconciled (an order in both keeps its
        newest copy; the index is rebuilt). The restored file keeps the current one's mode
        (a board shared with its group stays so), unless others could read it: then it,
        and the copy kept aside, are made 0600. Raises :class:`StoreError` if the backup
        does not load.
        """
        archive = backup.name.startswith(f"{self.archive_path.name}.bak-")
        target = self.archive_path if archive else self.path
        got = read_file(backup, archive=archive)
        if got is None:
            raise StoreError(f"{backup}: no such backup")
        raw = got[0]
        if not raw or raw.isspace():
            raise StoreError(f"{backup}: empty, not a backup of a board")
        if archive:
            parse_archive(raw, backup)
        else:
            parse_board(raw, backup)
        with self._locked():
            aside = None
            mode = FILE_MODE
            stamp = self._clock().strftime("%Y%m%dT%H%M%SZ")
            try:
                st = os.lstat(target)
            except FileNotFoundError:
                st = None
            except OSError as error:
                raise self._error("cannot read", error, unchanged=True) from None
            self._mark()
            if st is not None:
                aside = self._unique(target, f".damaged-{stamp}")
                if stat.S_ISREG(st.st_mode):
                    # A board shared with its group stays shared; one that others could
                    # read (copied in, a umask of 022) is made private again, and so is
                    # the damaged copy kept of it: both hold buyers' names and messages.
                    private = not stat.S_IMODE(st.st_mode) & 0o007
                    mode = stat.S_IMODE(st.st_mode) if private else FILE_MODE
                    # A second name for the same bytes: nothing is copied, nothing can be lost.
                    try:
                        os.link(target, aside)
                    except OSError:
                        self._copy_aside(target, aside)
                    if not private:
                        with contextlib.suppress(OSError):
                            os.chmod(aside, FILE_MODE)
                else:
                    try:
                        os.rename(target, aside)
                    except OSError as error:
                        raise self._error("cannot move the damaged file aside", error) from None
            self._write_atomic(raw, None, target=target, mode=mode)
            self._cache = None
            self._archive_cache = None
        fsync_folder(self.path.parent)
        # The other file may be older or newer than the backup: reconcile (the marker says
        # so). If the other file is damaged too, that waits until it is restored as well.
        with contextlib.suppress(StoreError), self.transaction():
            pass
        return aside

    def _copy_aside(self, source: Path, aside: Path) -> None:
        try:
            with open(source, "rb") as src:
                raw = src.read()
        except OSError as error:
            raise self._error("cannot read", error, unchanged=True) from None
        self._write_atomic(raw, None, target=aside, mode=FILE_MODE, about=source)

    # ---------------------------------------------------------------- errors

    def _error(self, what: str, error: OSError, *, unchanged: bool = False) -> StoreError:
        return _os_error(self.path, what, error, unchanged=unchanged)


def _board_part(fingerprint: Fingerprint | None) -> Fingerprint | None:
    """The board file's part of :meth:`Store.fingerprint` (None: no board file)."""
    if fingerprint is None:
        return None
    head = fingerprint[:3]
    return None if head == _NO_FILE else head


def backup_time(backup: Path) -> datetime | None:
    """When ``backup`` was made: the time in its name (``.bak-20261126T140000Z``), else
    its modification time; None when neither can be read."""
    try:
        return datetime.strptime(_stamp_of(backup, ".bak-")[:16], "%Y%m%dT%H%M%SZ").replace(
            tzinfo=UTC
        )
    except ValueError:
        pass
    mtime = _mtime_ns(backup)
    return datetime.fromtimestamp(mtime / 1e9, UTC) if mtime else None


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


LOCK_POLL = 0.005
"""Seconds between two tries at a lock another process holds."""

_BUSY = {errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES}
"""What ``flock`` answers when another process holds the lock (EACCES on some file
systems, as filelock also reads it)."""


def _flock(path: Path, timeout: float) -> int | None:
    """The open lock file, locked with ``flock`` (as filelock locks it on POSIX, so
    sessions of either kind exclude each other); None when ``flock`` is missing here
    (then filelock's lock, which has a fallback of its own).

    Not filelock itself: importing it took ~20 ms of every start. Raises
    :class:`TimeoutError` after ``timeout`` seconds of another process holding it."""
    if fcntl is None:
        return None
    flags = os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags | os.O_RDWR, FILE_MODE)
    except PermissionError:
        fd = os.open(path, flags | os.O_RDONLY, FILE_MODE)  # a lock needs no writing
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except OSError as error:
                if error.errno == errno.ENOSYS:
                    os.close(fd)
                    return None
                if error.errno not in _BUSY:
                    raise
            if time.monotonic() >= deadline:
                raise TimeoutError(path)
            time.sleep(LOCK_POLL)
    except BaseException:
        with contextlib.suppress(OSError):
            os.close(fd)
        raise


def _unflock(fd: int) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
