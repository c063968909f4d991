"""In-process measurements, each run in a fresh interpreter (as the app and the CLI start).

Run by ``bench.py`` as ``python _perf_inproc.py breakdown|writes ...``; prints one JSON
object of lists of seconds. A fresh process matters: the garbage collector's cost while a
board is parsed and converted grows with everything else alive in the process, so timing it
inside the benchmark (which holds every board it built) would overstate it.
"""

from __future__ import annotations

import gc
import json
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from tui.board import Board
from tui.domain import EntryKind, Move, Stage
from tui.store import Store
from tui.widgets.card import card_lines


def breakdown(path: Path) -> dict[str, list[float]]:
    """What a start spends on the board before Textual draws anything (one pass each)."""
    out: dict[str, list[float]] = {}

    def timed(name: str, fn):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        value = fn()
        out.setdefault(name, []).append(time.perf_counter() - started)
        return value

    raw = timed("read", path.read_bytes)
    timed("parse", lambda: orjson.loads(raw))
    gc.disable()
    timed("parse_nogc", lambda: orjson.loads(raw))
    gc.enable()
    gc.collect()
    # What ``cancelboard`` does before the app starts (cli._open_board), then the board
    # screen's first reload (open orders only: converted already, so memo hits) and cards.
    store = Store(path)
    timed("open", store.open)
    board = Board(store)
    orders = timed("convert_all", lambda: board.orders(archived=True))
    timed("convert_open_again", lambda: board.orders(archived=False))
    now = board.clock()
    timed("cards", lambda: [card_lines(o, now, board.settings) for o in orders if o.is_open])
    fresh = Board(Store(path))
    fresh.store.snapshot()
    timed("convert_open_only", lambda: fresh.orders(archived=False))
    gc.collect()
    gc.disable()
    fresh = Board(Store(path))
    fresh.store.snapshot()
    timed("convert_all_nogc", lambda: fresh.orders(archived=True))
    gc.enable()
    return out


def writes(path: Path, number: str, follow_up: str, changes: int) -> dict[str, list[float]]:
    """A change through the service, timed from the call to its return (fsync included)."""
    out: dict[str, list[float]] = {"add_entry": [], "move": []}
    board = Board(Store(path))
    board.store.open()
    board.orders(archived=True)
    board.store.warm()  # as the app does once it has drawn the board
    board.add_entry(number, EntryKind.NOTE, "warm-up")
    for i in range(changes):
        started = time.perf_counter()
        board.add_entry(number, EntryKind.NOTE, f"bench note {i}")
        out["add_entry"].append(time.perf_counter() - started)
    if follow_up:
        for _ in range(changes):
            stage = board.get(follow_up).stage
            to = Stage.LESSONS if stage is Stage.FOLLOW_UP else Stage.FOLLOW_UP
            started = time.perf_counter()
            board.move(follow_up, Move(to))
            out["move"].append(time.perf_counter() - started)
    out["stall"] = [stall(lambda: board.add_entry(number, EntryKind.NOTE, "in a thread"))]
    for _ in range(max(1, changes // 3) - 1):
        out["stall"].append(stall(lambda: board.add_entry(number, EntryKind.NOTE, "in a thread")))
    return out


def stall(change: Callable[[], object]) -> float:
    """The longest the main thread waits for the GIL while ``change`` runs in a thread.

    What the app does (``asyncio.to_thread``): the event loop keeps running only while the
    worker releases the GIL. The main thread ticks every millisecond; the longest gap
    between two ticks, less the millisecond, is how long the UI would be frozen.
    """
    worker = threading.Thread(target=change)
    last = time.perf_counter()
    worst = 0.0
    worker.start()
    while worker.is_alive():
        time.sleep(0.001)
        now = time.perf_counter()
        worst = max(worst, now - last - 0.001)
        last = now
    worker.join()
    return worst


def main(argv: list[str]) -> int:
    command, path = argv[0], Path(argv[1])
    if command == "breakdown":
        result = breakdown(path)
    elif command == "writes":
        result = writes(path, argv[2], argv[3], int(argv[4]))
    else:
        raise SystemExit(f"unknown command {command!r}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
