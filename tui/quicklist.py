"""``cancelboard``'s entry point: a plain ``list --json`` answered without the domain.

Scripts (a status bar, a cron job) call ``list --json`` over and over. The full command
imports the domain, builds its argument parser and turns every open order into objects
and back (measured: 140 ms on an empty board, 232 ms at 10,000 orders, where Python itself
starts in 18 ms). Here a plain ``list --json`` (``--db`` and an open ``--stage`` at most)
reads the board file's bytes, and:

- prints the answer kept for exactly those bytes, if there is one (:func:`cached`): a
  status bar asks again and again about a board that has not changed;
- else works it out from the bytes with nothing but Python's own modules
  (:func:`tui.listjson.list_json`) and keeps it for next time;
- else (a hand-edited field, text to clean, no file, an option this does not know) leaves
  it to the full command, with all its checks and error messages.

Measured at 10,000 orders (2.3 MB board file; ``python -c pass`` 13 ms): 50 ms to work the
answer out here (21 of them parsing the JSON), ~20 ms to print a kept one (the file read
and its SHA-256, 3 ms).
"""

from __future__ import annotations

import gc
import os
import stat
import sys

TYPE_CHECKING = False  # not typing's: importing typing is a tenth of this module's start
if TYPE_CHECKING:
    from collections.abc import Iterable

OPEN_STAGE_VALUES = ("talk", "requested", "review", "follow-up", "lessons")
"""Open stages, left to right (the order ``list`` sorts by); a test holds them to the
domain's."""


def default_db() -> str:
    """``$CANCELBOARD_DB``, else the platform's user data dir, ``cancelboard/board.json``."""
    env = os.environ.get("CANCELBOARD_DB")
    if env:
        return os.path.expanduser(env)
    from platformdirs import user_data_dir

    return os.path.join(user_data_dir("cancelboard", appauthor=False), "board.json")


def wanted(argv: list[str]) -> tuple[str, str | None] | None:
    """The board file and stage asked for, if ``argv`` is a plain ``list --json`` (with
    ``--db`` and an open ``--stage`` at most); None for anything else."""
    command = as_json = False
    db: str | None = None
    stage: str | None = None
    args = iter(argv)
    for arg in args:
        if arg == "list" and not command:
            command = True
        elif arg == "--json" and command:
            as_json = True
        elif arg in ("--db", "--stage") or arg.startswith(("--db=", "--stage=")):
            name, sep, value = arg.partition("=")
            if not sep:
                value = next(args, "-")
            if value.startswith("-") or (name == "--stage" and not command):
                return None
            if name == "--db":
                db = value
            else:
                stage = value
        else:
            return None
    if not (command and as_json) or (stage is not None and stage not in OPEN_STAGE_VALUES):
        return None
    return os.path.expanduser(db or default_db()), stage


NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def read_raw(path: str, *, follow: bool = True) -> bytes | None:
    """The bytes of the regular file at ``path`` (None for no such file, a folder, a fifo,
    one that cannot be read, or with ``follow`` false a symbolic link)."""
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | os.O_NONBLOCK
    try:
        fd = os.open(path, flags if follow else flags | NOFOLLOW)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as file:
            return file.read()
    except OSError:
        return None
    finally:
        os.close(fd)


# ------------------------------------------------------------------ answers kept

CACHE_MAGIC = b"cancelboard list --json 1\n"
CODE = ("quicklist.py", "listjson.py", "text.py", "fileformat.py")
"""The modules an answer is worked out by: a kept answer is for their files as they are
(an upgrade or an edit changes a file's size or time, and with it every key)."""


def cache_dir() -> str | None:
    """Where answers are kept: ``$XDG_CACHE_HOME/cancelboard`` (``~/.cache/cancelboard``),
    the platform's user cache folder on macOS and Windows; None when that is not an
    absolute path (no home: nothing is kept, rather than in the current folder)."""
    if sys.platform in ("darwin", "win32"):
        from platformdirs import user_cache_dir

        folder = user_cache_dir("cancelboard", appauthor=False)
    else:
        home = os.environ.get("XDG_CACHE_HOME", "").strip()
        if not os.path.isabs(home):  # the XDG rule: a relative one is ignored
            home = os.path.expanduser("~/.cache")
        folder = os.path.join(home, "cancelboard")
    return folder if os.path.isabs(folder) else None


def _private(folder: str) -> bool:
    """Whether ``folder`` is a real folder of this user's that no one else can write to
    (else someone else could plant answers)."""
    try:
        found = os.lstat(folder)
    except OSError:
        return False
    owner = getattr(os, "geteuid", None)  # not on Windows: its folders are the user's
    return (
        stat.S_ISDIR(found.st_mode)
        and (owner is None or found.st_uid == owner())
        and not found.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def answer_key(raw: bytes, stage: str | None, code: Iterable[str] = CODE) -> bytes | None:
    """What an answer is for: the board file's bytes, the stage asked for and the code
    that works it out (None when that code's files cannot be found)."""
    import hashlib

    digest = hashlib.sha256()
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        for name in code:
            found = os.stat(os.path.join(here, name))
            digest.update(f"{name}:{found.st_size}:{found.st_mtime_ns};".encode())
    except OSError:
        return None
    digest.update(f"stage:{stage or ''};".encode())
    digest.update(raw)
    return digest.hexdigest().encode("ascii")


def cache_file(path: str, stage: str | None) -> str | None:
    """The file that keeps the last answer for this board file and stage (None: nowhere)."""
    import hashlib

    folder = cache_dir()
    if folder is None:
        return None
    # As bytes: a path need not be UTF-8 (``os.fsencode`` gives its bytes back).
    name = os.fsencode(os.path.abspath(path)) + b"\0" + (stage or "").encode()
    slot = hashlib.sha256(name).hexdigest()
    return os.path.join(folder, f"list-{slot[:32]}")


def cached(where: str, key: bytes) -> bytes | None:
    """The answer kept in ``where`` for ``key``, whole (its length and CRC checked), or
    None."""
    import zlib

    if not _private(os.path.dirname(where)):
        return None
    kept = read_raw(where, follow=False)
    if kept is None or not kept.startswith(CACHE_MAGIC):
        return None
    header, newline, body = kept[len(CACHE_MAGIC) :].partition(b"\n")
    if header != b"%s %d %d" % (key, len(body), zlib.crc32(body)) or not newline:
        return None
    return body


def keep(where: str, key: bytes, body: bytes) -> None:
    """Keep ``body`` as the answer for ``key`` in ``where``, or nothing (a cache that cannot
    be written is no error). It is replaced whole; it is not synced to disk: a torn one
    fails its length or CRC and is worked out again."""
    import zlib

    folder = os.path.dirname(where)
    temporary = f"{where}.{os.getpid()}-{os.urandom(4).hex()}.tmp"
    made = False
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if not _private(folder):
            return
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW, 0o600)
        made = True
        try:
            with os.fdopen(fd, "wb", closefd=False) as file:
                file.write(CACHE_MAGIC + b"%s %d %d\n" % (key, len(body), zlib.crc32(body)))
                file.write(body)
        finally:
            os.close(fd)
        os.replace(temporary, where)
    except OSError:
        if made:
            try:
                os.unlink(temporary)
            except OSError:
                pass
        return
    prune(folder)


STALE_SECONDS = 30 * 24 * 3600
"""An answer not rewritten for this long is dropped (its board may be gone: it holds
buyers' names)."""


def prune(folder: str) -> None:
    """Drop the answers of ``folder`` not rewritten in :data:`STALE_SECONDS`, and the
    temporary files a killed process left there (older than an hour)."""
    import time

    now = time.time()
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if not entry.name.startswith("list-"):
                    continue
                limit = 3600 if entry.name.endswith(".tmp") else STALE_SECONDS
                if now - entry.stat(follow_symlinks=False).st_mtime > limit:
                    os.unlink(entry.path)
    except OSError:
        pass


def quick_list_json(argv: list[str]) -> bytes | None:
    """What ``cancelboard list --json`` prints for ``argv``, or None when this module cannot
    vouch for it (see the module's doc)."""
    asked = wanted(argv)
    if asked is None:
        return None
    path, stage = asked
    raw = read_raw(path)
    if raw is None:
        return None
    key = answer_key(raw, stage)
    where = cache_file(path, stage)
    if key is not None and where is not None:
        found = cached(where, key)
        if found is not None:
            return found
    from tui.listjson import list_json

    out = list_json(raw, stage)
    if out is not None and key is not None and where is not None:
        keep(where, key, out)
    return out


def asked_slots(names: Iterable[str]) -> list[tuple[str, str | None]]:
    """The kept answers some script asked for about the board file at any of ``names``:
    each as its file and the stage it is for (a status bar asks one question, over and
    over). The same file may be named another way (a link): each name has its slots."""
    found = []
    for name in dict.fromkeys(names):
        for stage in (None, *OPEN_STAGE_VALUES):
            where = cache_file(name, stage)
            if where is not None and os.path.lexists(where):
                found.append((where, stage))
    if found and not _private(os.path.dirname(found[0][0])):
        return []  # nothing is kept there (see :func:`keep`)
    return found


def refresh(names: list[str]) -> None:
    """Work out again, for the board file as it is now, the answers scripts asked for
    about it (:func:`asked_slots`), so that the next one is answered from them.

    The board runs this (:mod:`tui.refresh_answers`) once the board file has changed and
    settled: a status bar's first ``list --json`` after a change no longer works its answer
    out (~75 ms at 10,000 orders: ~20 ms when kept). An answer this cannot vouch for is
    left as it was: the next call leaves it to the full command, as it would have. A slot
    keeps its file's time (when a script last had it worked out), so one no script asks
    about any more still expires."""
    slots = asked_slots(names)
    raw = read_raw(names[0]) if slots else None
    if raw is None:
        return
    import time

    stale: list[tuple[str, str | None, bytes, os.stat_result]] = []
    for where, stage in slots:
        try:
            found = os.lstat(where)
        except OSError:
            continue
        if time.time() - found.st_mtime > STALE_SECONDS:
            continue  # no script has had it worked out for a month: left to expire
        key = answer_key(raw, stage)
        if key is not None and cached(where, key) is None:
            stale.append((where, stage, key, found))
    if not stale:
        return
    from tui.listjson import list_jsons

    answers = list_jsons(raw, [stage for _, stage, _, _ in stale])
    for where, stage, key, found in stale:
        out = answers[stage]
        if out is None:
            continue
        keep(where, key, out)
        try:
            # Its time stays the time a script last had it worked out: a slot no script
            # asks about any more expires (:data:`STALE_SECONDS`), kept fresh or not.
            os.utime(where, ns=(found.st_atime_ns, found.st_mtime_ns), follow_symlinks=False)
        except OSError:
            pass


def run() -> None:
    """Console-script entry point: a plain ``list --json`` is answered here, anything else
    by the full command line (:func:`tui.cli.run`)."""
    # Nothing made while starting is garbage worth a collector's pass (it walked every
    # object Textual's and our imports made, ~7 ms of a start): off until the command is
    # done, a server starts, or the board is drawn (``tui.app``).
    gc.disable()
    out = quick_list_json(sys.argv[1:])
    if out is None:
        from tui.cli import run as full

        full()
        return
    try:
        sys.stdout.buffer.write(out)
        sys.stdout.flush()
    except BrokenPipeError:
        # `cancelboard list --json | head`: the reader left; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except OSError as error:  # `list --json > /dev/full`: one line, as the full command
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print(f"cancelboard: error: cannot write the output: {error.strerror}", file=sys.stderr)
        sys.exit(2)
    sys.exit(0)
