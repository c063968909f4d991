"""How long the views that read every order take to answer, on big boards (headless).

Run: ``python tests/perf/bench_views.py [--orders 1000 10000] [--runs 3]``.

Builds the benchmark boards of ``_perf_boards.py`` (10% open, the rest archived, 5 entries
each: a lesson among them) and, in the app under Textual's Pilot at 120x40, times from the
key to what a user waits for:

- ``2``: the lessons library listed; ``/`` and a query typed: the order searched for is
  listed (each key answered in turn, as typed);
- ``3``: the stats report shown;
- ``ctrl+p``: the palette's first orders listed; a buyer typed in full: that order is
  the first hit; an order number likewise;
- ``a``: the Closed column shown; and the session's RSS after each;
- in a session of its own: a close (``x s``), to the card gone from its column and the
  archive replaced, and the session's RSS after it.

Headless: these are the app's own costs (reading, converting, laying out), not the
terminal's; ``bench.py`` measures what a real terminal adds. Medians of ``--runs``, each
run a new process (so that its RSS is its own).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the _perf_* helpers

from _perf_boards import build_board  # noqa: E402
from textual.command import CommandList  # noqa: E402
from textual.pilot import Pilot  # noqa: E402

from tui.app import CancelboardApp  # noqa: E402
from tui.board import Board  # noqa: E402
from tui.store import Store, archive_path_of  # noqa: E402

SIZE = (120, 40)
TIMEOUT = 120.0


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def until(pilot: Pilot[None], condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the view did not answer")
        await pilot.pause(0.002)


async def timed(
    pilot: Pilot[None], action: Callable[[], Awaitable[object]], done: Callable[[], bool]
) -> float:
    started = time.perf_counter()
    await action()
    await until(pilot, done)
    return time.perf_counter() - started


def palette_hits(app: CancelboardApp) -> list[str]:
    try:
        hits = app.screen.query_one(CommandList)
    except Exception:
        return []
    return [str(hits.get_option_at_index(i).prompt) for i in range(hits.option_count)]


def lesson_title(app: CancelboardApp) -> str:
    try:
        return str(app.screen.query_one("#lesson-list").border_title or "")
    except Exception:
        return ""


async def one_run(path: Path, info_first_talk: str) -> dict[str, float]:
    out: dict[str, float] = {}
    store = Store(path)
    store.open(archive_backup=False)
    app = CancelboardApp(Board(store))
    async with app.run_test(size=SIZE) as pilot:
        await until(
            pilot, lambda: info_first_talk in str(app.screen.query_one("#col-talk").numbers)
        )
        await pilot.pause(1.0)  # the start's work after the paint
        out["board_rss_mb"] = rss_mb()

        out["lessons_s"] = await timed(
            pilot, lambda: pilot.press("2"), lambda: "of" in lesson_title(app)
        )
        wanted = "FO0000000001"
        out["lessons_search_s"] = await timed(
            pilot,
            lambda: pilot.press("slash", *wanted),
            lambda: lesson_title(app).startswith("Lessons (1 of"),
        )
        out["lessons_rss_mb"] = rss_mb()
        await pilot.press("escape", "escape")

        out["stats_s"] = await timed(
            pilot,
            lambda: pilot.press("3"),
            lambda: "cases:" in str(app.screen.query_one("#stats-text").render()),
        )
        await pilot.press("1")
        await pilot.pause(0.3)

        out["palette_s"] = await timed(
            pilot,
            lambda: pilot.press("ctrl+p"),
            lambda: any("Jump to order" in hit for hit in palette_hits(app)),
        )
        for name, query, expect in (
            ("palette_buyer_s", "buyer_00042", "buyer_00042"),
            ("palette_number_s", "FO0000000029", "FO0000000029"),
        ):
            out[name] = await timed(
                pilot,
                lambda query=query: pilot.press(*query),  # type: ignore[misc]
                lambda expect=expect: bool(palette_hits(app)) and expect in palette_hits(app)[0],  # type: ignore[misc]
            )
            await pilot.press(*["backspace"] * len(query))
            await pilot.pause(0.3)
        await pilot.press("escape")
        await pilot.pause(0.3)

        out["archive_view_s"] = await timed(
            pilot,
            lambda: pilot.press("a"),
            lambda: (
                bool(app.screen.query_one("#col-closed").display)
                and bool(app.screen.query_one("#col-closed").numbers)
            ),
        )
        out["archive_view_rss_mb"] = rss_mb()
    return out


async def close_run(path: Path, number: str) -> dict[str, float]:
    """A fresh session closes the first card of Talk to buyer (the archive unread)."""
    store = Store(path)
    store.open(archive_backup=False)
    store.archive_backup_pending = False
    app = CancelboardApp(Board(store))
    archive = archive_path_of(path)
    async with app.run_test(size=SIZE) as pilot:
        talk = app.screen.query_one("#col-talk")
        await until(pilot, lambda: number in talk.numbers)
        await pilot.pause(1.0)
        before = os.stat(archive).st_ino
        app.screen.focus_column(talk)  # type: ignore[attr-defined]
        await pilot.pause(0.2)
        await pilot.press("x")
        await pilot.pause(0.3)
        started = time.perf_counter()
        await pilot.press("s")
        await until(pilot, lambda: number not in talk.numbers and os.stat(archive).st_ino != before)
        return {"close_s": time.perf_counter() - started, "close_rss_mb": rss_mb()}


ROWS = [
    ("session RSS on the board", "board_rss_mb", "MB"),
    ("'2': lessons library listed", "lessons_s", "s"),
    ("  '/' + 12 keys: the order's lesson listed", "lessons_search_s", "s"),
    ("  RSS with the library read", "lessons_rss_mb", "MB"),
    ("'3': stats report shown", "stats_s", "s"),
    ("ctrl+p: palette's orders listed", "palette_s", "s"),
    ("  a buyer typed (11 keys): first hit", "palette_buyer_s", "s"),
    ("  a number typed (12 keys): first hit", "palette_number_s", "s"),
    ("'a': Closed column shown", "archive_view_s", "s"),
    ("  RSS with the archive shown", "archive_view_rss_mb", "MB"),
    ("'x s' in a fresh session: card gone + archive replaced", "close_s", "s"),
    ("  RSS after the close", "close_rss_mb", "MB"),
]


def one_session(path: Path, first_talk: str, which: str) -> dict[str, float]:
    """One session on a copy of a board, in this (fresh) process: its RSS is its own."""
    if which == "close":
        return asyncio.run(close_run(path, first_talk))
    return asyncio.run(one_run(path, first_talk))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_session(Path(args.one[0]), args.one[1], args.one[2])))
        return
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, HOME=tmp, CANCELBOARD_CONFIG=os.devnull)  # nothing of yours
        for n in args.orders:
            source = Path(tmp) / f"source-{n}" / "board.json"
            info = build_board(source, n)
            assert info.first_talk is not None
            samples: dict[str, list[float]] = {}
            for run in range(args.runs):
                work = Path(tmp) / f"run-{n}-{run}"
                shutil.copytree(source.parent, work)
                for which in ("views", "close"):
                    child = subprocess.run(
                        [sys.executable, __file__, "--one", str(work / "board.json")]
                        + [info.first_talk, which],
                        env=env,
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    found = json.loads(child.stdout.strip().splitlines()[-1])
                    for key, value in found.items():
                        samples.setdefault(key, []).append(value)
                shutil.rmtree(work)
            results[n] = {key: statistics.median(values) for key, values in samples.items()}
    print(
        f"Views, headless (Pilot {SIZE[0]}x{SIZE[1]}), median of {args.runs} runs, each a new process"
    )
    print(f"{'':58}" + "".join(f"{n:>14,}" for n in args.orders))
    for label, key, unit in ROWS:
        cells = []
        for n in args.orders:
            value = results[n].get(key)
            if value is None:
                cells.append(f"{'-':>14}")
            elif unit == "s":
                cells.append(f"{value * 1000:>11,.0f} ms")
            else:
                cells.append(f"{value:>11,.0f} MB")
        print(f"{label:58}" + "".join(cells))


if __name__ == "__main__":
    main()
