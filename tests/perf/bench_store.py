"""Write latency of one change (fsync included) on big boards, and what reading them costs.

Run: ``python tests/perf/bench_store.py [--orders 1000 10000] [--changes 30] [--dir PATH]``.
Builds the benchmark boards of ``_perf_boards.py`` (10% open, the rest archived, 5 entries
each), then times single changes through the board service, each a full transaction
(lock, re-read and compare, change, serialise, write a temp file, fsync, rename, fsync the
folder):

- note: ``add_entry`` on an open order (the board file only);
- move: an open order between Follow up and Lessons (the board file only);
- close: a new session's first close, then closes of other orders (both files; the
  archive added to, unread), and their reopens (both files, the archive read);
- archived note: ``add_entry`` on a closed order (the archive only).

Also: a new session's start (``Store.open`` and the open orders converted), every order
converted (``orders(archived=True)``, as the archive view, stats and exports need), and
the time an open board takes to pick up another session's change.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the _perf_* helpers

from _perf_boards import build_board, number_of  # noqa: E402

from tui.board import Board  # noqa: E402
from tui.domain import EntryKind, Move, Outcome, Stage  # noqa: E402
from tui.store import Store  # noqa: E402


def timed(action: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return sorted(times)


def timed_move(board: Board, number: str, move: Move) -> float:
    started = time.perf_counter()
    board.move(number, move)
    return time.perf_counter() - started


def bench(folder: Path, orders: int, changes: int) -> dict[str, float]:
    path = folder / f"board-{orders}" / "board.json"
    info = build_board(path, orders)
    Store(path).open()  # today's backups, outside the timings (once a day)
    assert info.first_talk and info.first_follow_up
    number, follow_up = info.first_talk, info.first_follow_up
    board = Board(Store(path))
    board.orders()
    board.store.warm()  # as the app does once it has drawn the board
    board.add_entry(number, EntryKind.NOTE, "warm-up")
    notes = timed(lambda: board.add_entry(number, EntryKind.NOTE, "a note"), changes)

    def move() -> None:
        stage = board.get(follow_up).stage
        board.move(follow_up, Move(Stage.LESSONS if stage is Stage.FOLLOW_UP else Stage.FOLLOW_UP))

    moves = timed(move, changes)
    rounds = max(3, changes // 3)
    talk = [o.number for o in board.orders() if o.stage is Stage.TALK and o.number != number]
    # A new session's first close (nothing of the archive read yet), then a day's closes.
    first_close = timed(
        lambda: Board(Store(path)).move(talk[0], Move(Stage.CLOSED, outcome=Outcome.SAVED)), 1
    )
    closes = [
        timed_move(board, n, Move(Stage.CLOSED, outcome=Outcome.SAVED))
        for n in talk[1 : rounds + 1]
    ]
    reopens = [timed_move(board, n, Move(Stage.TALK)) for n in talk[1 : rounds + 1]]
    archived = number_of(0)  # the oldest order: closed
    archived_notes = timed(lambda: board.add_entry(archived, EntryKind.NOTE, "late"), rounds)
    # A new session: check the board and draw the open orders.
    other = Board(Store(path))
    started = time.perf_counter()
    other.store.open()
    other.orders()
    first_read = time.perf_counter() - started
    started = time.perf_counter()
    other.orders(archived=True)
    read_all = time.perf_counter() - started
    # An open board after another session's change: re-read, parse, convert what changed.
    board.add_entry(number, EntryKind.NOTE, "from the other session")
    started = time.perf_counter()
    other.orders()
    reread = time.perf_counter() - started
    archive = path.with_name("board.archive.json")
    return {
        "orders": orders,
        "board_mb": path.stat().st_size / 1e6,
        "archive_mb": archive.stat().st_size / 1e6 if archive.exists() else 0.0,
        "note_ms": statistics.median(notes) * 1000,
        "note_p95_ms": notes[max(0, int(len(notes) * 0.95) - 1)] * 1000,
        "note_max_ms": notes[-1] * 1000,
        "move_ms": statistics.median(moves) * 1000,
        "first_close_ms": first_close[0] * 1000,
        "close_ms": statistics.median(closes) * 1000,
        "reopen_ms": statistics.median(reopens) * 1000,
        "archived_note_ms": statistics.median(archived_notes) * 1000,
        "open_ms": first_read * 1000,
        "all_ms": read_all * 1000,
        "reread_ms": reread * 1000,
    }


COLUMNS = [
    ("orders", "orders", "{:>7.0f}"),
    ("board MB", "board_mb", "{:>8.1f}"),
    ("archive MB", "archive_mb", "{:>10.1f}"),
    ("note ms", "note_ms", "{:>8.1f}"),
    ("p95", "note_p95_ms", "{:>6.1f}"),
    ("max", "note_max_ms", "{:>6.1f}"),
    ("move ms", "move_ms", "{:>8.1f}"),
    ("1st close ms", "first_close_ms", "{:>12.1f}"),
    ("close ms", "close_ms", "{:>8.1f}"),
    ("reopen ms", "reopen_ms", "{:>9.1f}"),
    ("arch. note ms", "archived_note_ms", "{:>13.1f}"),
    ("open ms", "open_ms", "{:>8.1f}"),
    ("all orders ms", "all_ms", "{:>13.1f}"),
    ("reload ms", "reread_ms", "{:>9.1f}"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--changes", type=int, default=30)
    parser.add_argument("--dir", type=Path, help="folder for the boards (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        widths = [len(fmt.format(0)) for _, _, fmt in COLUMNS]
        print(" ".join(f"{name:>{w}}" for (name, _, _), w in zip(COLUMNS, widths, strict=True)))
        for n in args.orders:
            r = bench(Path(tmp), n, args.changes)
            print(" ".join(fmt.format(r[key]) for _, key, fmt in COLUMNS), flush=True)


if __name__ == "__main__":
    main()
