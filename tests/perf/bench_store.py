"""Write latency of one change (``Board.add_entry``, fsync included) on big boards.

Run: ``python tests/perf/bench_store.py [--orders 1000 10000] [--changes 30] [--dir PATH]``.
Builds a board of N orders with 5 entries each (written directly, in one go), then times
single changes through the board service, each a full transaction: lock, re-read and
compare, change, serialize, write a temp file, fsync, rename, fsync the folder. Also: the
time a new session takes to open the board (parse and convert every order), and the time an
open board takes to pick up another session's change (re-read, parse, convert what changed).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import orjson

from tui import domain
from tui.board import Board
from tui.domain import Direction, EntryKind, OrderDraft
from tui.store import META, ORDERS, SCHEMA, Store

ENTRIES_PER_ORDER = 5


def build_board(path: Path, orders: int) -> str:
    """Write a board of ``orders`` orders with 5 entries each; returns one order number."""
    now = domain.utcnow()
    table: dict[str, dict[str, object]] = {}
    number = ""
    for i in range(orders):
        number = f"FO{i:010X}"
        draft = OrderDraft(
            number=number,
            buyer=f"buyer_{i}",
            gig="I will design a logo for your business",
            amount="45.00",
            due=(now + timedelta(days=3)).date().isoformat(),
        )
        order = domain.new_order(draft, now - timedelta(days=2))
        for j in range(ENTRIES_PER_ORDER):
            kind = (EntryKind.NOTE, EntryKind.MESSAGE, EntryKind.LESSON)[j % 3]
            direction = Direction.FROM_BUYER if kind is EntryKind.MESSAGE else None
            text = f"Entry {j} on {number}: the buyer asked for a change of scope, twice."
            order, _ = domain.add_entry(order, kind, text, now, direction=direction)
        table[str(i + 1)] = order.to_dict()
    data = {META: {"1": {"app": "cancelboard", "schema": SCHEMA}}, ORDERS: table}
    path.write_bytes(orjson.dumps(data))
    path.chmod(0o600)
    return number


def bench(folder: Path, orders: int, changes: int) -> dict[str, float]:
    path = folder / f"board-{orders}.json"
    number = build_board(path, orders)
    board = Board(Store(path))
    board.orders()
    board.add_entry(number, EntryKind.NOTE, "warm-up")
    times = []
    for i in range(changes):
        started = time.perf_counter()
        board.add_entry(number, EntryKind.NOTE, f"note {i}")
        times.append(time.perf_counter() - started)
    # A new session opening the board: read, parse and convert every order.
    other = Board(Store(path))
    started = time.perf_counter()
    other.orders()
    first_read = time.perf_counter() - started
    # An open board after another session's change: re-read, parse, convert what changed.
    board.add_entry(number, EntryKind.NOTE, "from the other session")
    started = time.perf_counter()
    other.orders()
    reread = time.perf_counter() - started
    times.sort()
    return {
        "orders": orders,
        "size_mb": path.stat().st_size / 1e6,
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": times[int(len(times) * 0.95) - 1] * 1000,
        "max_ms": times[-1] * 1000,
        "first_read_ms": first_read * 1000,
        "reread_ms": reread * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--changes", type=int, default=30)
    parser.add_argument("--dir", type=Path, help="folder for the boards (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        print(
            f"{'orders':>7} {'file MB':>8} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}"
            f" {'open ms':>8} {'reload ms':>9}"
        )
        for n in args.orders:
            r = bench(Path(tmp), n, args.changes)
            print(
                f"{r['orders']:>7} {r['size_mb']:>8.1f} {r['median_ms']:>10.1f} {r['p95_ms']:>8.1f}"
                f" {r['max_ms']:>8.1f} {r['first_read_ms']:>8.1f} {r['reread_ms']:>9.1f}"
            )


if __name__ == "__main__":
    main()
