"""Cancelboard's benchmark suite (issue 7): the app on big boards against a bare Textual app.

Run: ``python tests/perf/bench.py [--sizes 0,1,1000,10000] [--runs 3] [--quick] [--profile]``.

Builds boards of N orders (10% open, the rest archived with outcomes; 5 entries each),
written straight to disk in the store's format (see ``_perf_boards.py``), and measures, in a
real terminal (a private tmux server, 120x40 unless ``--size``), interleaving the app on
every board with a bare Textual app that shows one word:

- startup: the process started to the board drawn (the column title "Talk to buyer" and the
  first card's number on screen; the empty-board hint on an empty board), against the bare
  app's word on screen;
- key latency: ``j`` and ``l`` (focus moves) to the end of the redraw, and ``>`` on the first
  card of "Follow up" (no modal) to the card shown in "Lessons" AND the board file replaced
  (then checked: the order's stage on disk is ``lessons``); against the bare app's key
  echo (a key press changes its word), and beside the same move in a plain Textual app
  (five lists of 200 cards, no data, no disk: what Textual itself takes to draw it);
- bytes written to the terminal from the start until the screen settles, per ``j``, ``l``
  and ``>`` (``pipe-pane`` into a file), and over an idle period;
- peak memory: ``VmHWM`` of the program's process at the end of its session;
- in a fresh interpreter (``_perf_inproc.py``): a change's write latency (``Board.add_entry``
  and ``Board.move``, lock to fsync), how long a write run in a thread (as the app runs it)
  keeps the main thread from running, and what a start spends parsing and converting;
- the CLI: ``cancelboard list --json`` against ``python -c pass``: its answer kept from the
  call before, none kept (worked out), and as a status bar asks it: once before a board
  session and again 2.5 s after its ``>`` (the board refreshes the answers scripts asked
  for once its file settles).

Times are dated by tmux: keys go in and screens come out through one control-mode client
(no process per command), and a screen change is dated by the output that brought it.

Each figure is the median over the runs (and over the key presses of every run), and its
ratio to the bare app's figure from the same runs. ``--json FILE`` keeps every sample.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the _perf_* helpers

from _perf_boards import BoardInfo, build_board, write_private  # noqa: E402
from _perf_term import KeyTiming, Term, TermError, peak_rss_kib  # noqa: E402

from tui.domain import Stage  # noqa: E402
from tui.store import ORDERS, Store, archive_path_of  # noqa: E402

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CANCELBOARD = BIN / "cancelboard"
BARE_WORD = "BAREWORD"
STATUS_BAR_SECONDS = 2.5
PARSE_ONLY = "import gc, json, sys; gc.disable(); json.loads(open(sys.argv[1], 'rb').read())"
"""The least a worked-out ``list --json`` does: a fresh Python parses the board file."""
"""How long after ``>`` the status bar asks ``list --json`` again."""
BARE_APP = f'''\
"""The floor: a Textual app that shows one word and changes it on every key press."""

from textual.app import App, ComposeResult
from textual.events import Key
from textual.widgets import Static


class Bare(App[None]):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Static("{BARE_WORD}", id="word")

    def on_key(self, event: Key) -> None:
        if event.key != "q":
            self.count = getattr(self, "count", 0) + 1
            self.query_one("#word", Static).update(f"Echo {{self.count:03d}}")


if __name__ == "__main__":
    Bare().run()
'''

FLOOR_APP = '''\
"""Textual's own floor for a '>': five bordered, titled lists of 200 four-line cards (as
the board's columns at 10,000 orders); '>' moves the highlighted card of the fourth to the
end of the fifth, shown there, as a plain Textual app does it. No data, no disk."""

from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

TITLES = ["Talk to buyer", "Cancellation requested", "Fiverr review", "Follow up", "Lessons"]


def card(n: int) -> str:
    return f"FLOOR{n:07d}\\nbuyer_{n:05d}\\n{100 + n % 50}.00 USD · 1d\\ndue 12-08"


class Floor(App[None]):
    CSS = """
    Vertical { border: round $primary; width: 1fr; }
    .title { border-bottom: solid $primary; }
    OptionList { height: 1fr; border: none; }
    """
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        self.counts = [200] * 5
        with Horizontal():
            for c, title in enumerate(TITLES):
                with Vertical():
                    yield Static(f"{title} (200)", id=f"t{c}", classes="title")
                    yield OptionList(
                        *(Option(card(c * 1000 + i), id=str(c * 1000 + i)) for i in range(200)),
                        id=f"l{c}",
                    )

    def on_mount(self) -> None:
        self.query_one("#l3").focus()

    def key_greater_than_sign(self) -> None:
        source, target = self.query_one("#l3", OptionList), self.query_one("#l4", OptionList)
        index = source.highlighted or 0
        moved = source.get_option_at_index(index)
        source.remove_option_at_index(index)
        target.add_option(Option(moved.prompt, id=moved.id))
        target.highlighted = target.option_count - 1
        self.counts[3] -= 1
        self.counts[4] += 1
        for c in (3, 4):
            self.query_one(f"#t{c}", Static).update(f"{TITLES[c]} ({self.counts[c]})")


if __name__ == "__main__":
    Floor().run()
'''

LINE_FLOOR_APP = """\
\"\"\"A '>' written for speed in Textual: the same five columns of 200 four-line cards
as :data:`FLOOR_APP`, each drawn by a line API widget of its own (a ``ScrollView``: each
row is a card's line, drawn once and kept), whose title is its border's. '>' takes the
card off the fourth list, which repaints only its rows from that card down, and puts it
at the end of the fifth, which scrolls to it. No data, no disk.\"\"\"

from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.geometry import Size
from textual.reactive import Reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from rich.segment import Segment
from rich.style import Style

TITLES = ["Talk to buyer", "Cancellation requested", "Fiverr review", "Follow up", "Lessons"]
HEIGHT = 5  # four lines and a rule


def card(n: int) -> list[str]:
    return [f"FLOOR{n:07d}", f"buyer_{n:05d}", f"{100 + n % 50}.00 USD · 1d", "due 12-08"]


class Cards(ScrollView):
    DEFAULT_CSS = "Cards { border: round $primary; width: 1fr; height: 1fr; }"

    # A card more or less changes the list's lines, never its size on screen: no layout
    # of the whole screen for it (Textual's default lays the screen out again: ~20 ms).
    virtual_size = Reactive(Size(0, 0), layout=False)

    def __init__(self, title: str, cards: list[list[str]], **kwargs) -> None:
        super().__init__(**kwargs)
        self.title = title
        self.cards = cards
        self.cursor = 0
        self.drawn: dict[tuple[int, int, bool], Strip] = {}

    def on_mount(self) -> None:
        self.update_size()

    def update_size(self) -> None:
        self.border_title = f"{self.title} ({len(self.cards)})"
        self.virtual_size = size = Size(0, len(self.cards) * HEIGHT)
        self._scroll_update(size)

    def render_line(self, y: int) -> Strip:
        line = y + self.scroll_offset.y
        index, row = divmod(line, HEIGHT)
        width = self.scrollable_content_region.width
        if index >= len(self.cards):
            return Strip.blank(width)
        card = self.cards[index]
        key = (id(card), row, index == self.cursor, width)
        strip = self.drawn.get(key)
        if strip is None:
            text = "─" * width if row == 4 else card[row][:width].ljust(width)
            style = Style(reverse=True) if index == self.cursor and row < 4 else Style()
            strip = self.drawn[key] = Strip([Segment(text, style)], width)
        return strip

    def take(self, index: int) -> list[str]:
        card = self.cards.pop(index)
        self.update_size()
        top = index * HEIGHT - self.scroll_offset.y
        self.refresh_lines(max(top, 0), self.size.height - max(top, 0))
        return card

    def put(self, card: list[str]) -> None:
        self.cards.append(card)
        self.cursor = len(self.cards) - 1
        self.update_size()
        self.scroll_to(y=len(self.cards) * HEIGHT, animate=False, immediate=True)
        self.refresh()


class LineFloor(App[None]):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        with Horizontal():
            for c, title in enumerate(TITLES):
                yield Cards(title, [card(c * 1000 + i) for i in range(200)], id=f"l{c}")

    def key_greater_than_sign(self) -> None:
        source, target = self.query_one("#l3", Cards), self.query_one("#l4", Cards)
        target.put(source.take(source.cursor))


if __name__ == "__main__":
    LineFloor().run()
"""

TARGETS = """\
Targets (issue 7, at the largest board): startup <= 1.15x the one-order board and <= 1.6x
bare · focus move <= 1.3x bare echo · '>' <= 2x bare echo · a change persisted <= 30 ms ·
list --json <= 1.2x 'python -c pass' + parse · RSS <= 2.5x bare."""


# ----------------------------------------------------------------------------- results


@dataclass
class Samples:
    """Every sample of one target (the bare app, or the app on one board)."""

    startup: list[float] = field(default_factory=list)
    j_last: list[float] = field(default_factory=list)
    j_first: list[float] = field(default_factory=list)
    j_bytes: list[int] = field(default_factory=list)
    l_last: list[float] = field(default_factory=list)
    l_first: list[float] = field(default_factory=list)
    l_bytes: list[int] = field(default_factory=list)
    advance: list[float] = field(default_factory=list)
    advance_screen: list[float] = field(default_factory=list)
    advance_file: list[float] = field(default_factory=list)
    advance_bytes: list[int] = field(default_factory=list)
    echo_screen: list[float] = field(default_factory=list)
    floor_advance: list[float] = field(default_factory=list)
    """The bare target's: '>' in a plain Textual app (:data:`FLOOR_APP`)."""
    line_floor_advance: list[float] = field(default_factory=list)
    """The bare target's: '>' in the line API app (:data:`LINE_FLOOR_APP`)."""
    idle_bytes: list[int] = field(default_factory=list)
    start_bytes: list[int] = field(default_factory=list)
    hwm_kib: list[int] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    add_entry: list[float] = field(default_factory=list)
    move: list[float] = field(default_factory=list)
    stall: list[float] = field(default_factory=list)
    cli: list[float] = field(default_factory=list)
    cli_new: list[float] = field(default_factory=list)
    cli_after_change: list[float] = field(default_factory=list)
    cli_parse_only: list[float] = field(default_factory=list)
    """A fresh ``python`` that imports ``json`` and parses the board file, nothing else:
    what a worked-out answer cannot go below (orjson's own import costs more)."""
    parse: list[float] = field(default_factory=list)
    convert: list[float] = field(default_factory=list)
    parse_nogc: list[float] = field(default_factory=list)
    convert_nogc: list[float] = field(default_factory=list)
    convert_open: list[float] = field(default_factory=list)
    cards: list[float] = field(default_factory=list)
    open_board: list[float] = field(default_factory=list)
    imports: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def median(values: Iterable[float]) -> float | None:
    values = list(values)
    return statistics.median(values) if values else None


# ----------------------------------------------------------------------------- sessions


class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.home = workdir / "home"
        self.home.mkdir()
        self.bare = workdir / "bare_app.py"
        self.bare.write_text(BARE_APP)
        self.floor = workdir / "floor_app.py"
        self.floor.write_text(FLOOR_APP)
        self.line_floor = workdir / "line_floor_app.py"
        self.line_floor.write_text(LINE_FLOOR_APP)
        self.term = Term(workdir, args.width, args.height)
        self.boards: dict[int, BoardInfo] = {}
        self.pristine: dict[int, dict[Path, bytes]] = {}
        self.samples: dict[str, Samples] = {}

    def env(self) -> dict[str, str]:
        """A clean environment: private HOME and XDG dirs (no user config), UTF-8."""
        return {
            "PATH": f"{BIN}:/usr/bin:/bin",
            "HOME": str(self.home),
            "XDG_DATA_HOME": str(self.home / "data"),
            "XDG_CONFIG_HOME": str(self.home / "config"),
            "XDG_CACHE_HOME": str(self.home / "cache"),
            "XDG_STATE_HOME": str(self.home / "state"),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "TERM": "tmux-256color",
        }

    # ---------------------------------------------------------------- boards

    def build(self, size: int) -> None:
        folder = self.workdir / f"board-{size}"
        started = time.perf_counter()
        info = build_board(folder / "board.json", size)
        self.boards[size] = info
        files = [info.path, archive_path_of(info.path)]
        self.pristine[size] = {p: p.read_bytes() for p in files if p.exists()}
        # The daily backup is made now, not in the first timed start (it is once a day).
        Store(info.path).open()
        took = time.perf_counter() - started
        say(
            f"board {size:,}: {info.size_bytes / 1e6:.1f} MB + archive"
            f" {info.archive_bytes / 1e6:.1f} MB, {info.open_orders} open,"
            f" built in {took:.1f} s"
        )

    def restore(self, size: int) -> None:
        for path, payload in self.pristine[size].items():
            write_private(path, payload)

    # ---------------------------------------------------------------- one session each

    def session_app(self, size: int, *, warmup: bool = False) -> None:
        info = self.boards[size]
        out = self.samples.setdefault(str(size), Samples())
        self.restore(size)
        if not warmup:
            self.list_json(info.path)  # a status bar asked: its answer is kept
        pipe = self.workdir / f"tty-{size}.out"
        target, started = self.term.start(
            [str(CANCELBOARD), "--db", str(info.path)], self.env(), pipe
        )
        marker = info.first_talk or "No orders yet"

        def drawn(screen: str) -> bool:
            return "Talk to buyer" in screen and marker in screen

        try:
            startup = self.term.wait(target, pipe, started, screen_ok=drawn, quiet=0.3)
            if warmup:
                return
            assert startup.screen is not None
            out.startup.append(startup.screen)
            pid = self.term.pane_pid(target)
            self.term.settle(pipe)
            out.start_bytes.append(pipe.stat().st_size)
            # Focus moves down the first column.
            presses = min(self.args.keys, max(0, info.talk_count - 1))
            for _ in range(presses):
                timing = self.key(target, pipe, "j")
                out.j_last.append(timing.last or 0.0)
                out.j_first.append(timing.first or 0.0)
                out.j_bytes.append(timing.bytes)
            out.idle_bytes.append(self.idle(pipe))
            # Across the columns to "Follow up".
            for _ in range(3):
                timing = self.key(target, pipe, "l")
                out.l_last.append(timing.last or 0.0)
                out.l_first.append(timing.first or 0.0)
                out.l_bytes.append(timing.bytes)
            if info.first_follow_up:
                self.advance(target, pipe, info, out)
                # The status bar asks again, a while after the change (the board has
                # refreshed its answer meanwhile, or it is worked out now).
                time.sleep(STATUS_BAR_SECONDS)
                out.cli_after_change.append(self.list_json(info.path))
            hwm, rss = peak_rss_kib(pid)
            out.hwm_kib.append(hwm)
            out.rss_kib.append(rss)
        except TermError as error:
            out.problems.append(f"size {size}: {error}")
            say(f"  size {size}: {str(error).splitlines()[0]}")
        finally:
            if not self.term.stop(target):
                out.problems.append(f"size {size}: did not quit on q")

    def session_bare(self, *, warmup: bool = False) -> None:
        out = self.samples.setdefault("bare", Samples())
        pipe = self.workdir / "tty-bare.out"
        target, started = self.term.start([sys.executable, str(self.bare)], self.env(), pipe)
        try:
            startup = self.term.wait(
                target, pipe, started, screen_ok=lambda s: BARE_WORD in s, quiet=0.3
            )
            if warmup:
                return
            assert startup.screen is not None
            out.startup.append(startup.screen)
            pid = self.term.pane_pid(target)
            self.term.settle(pipe)
            out.start_bytes.append(pipe.stat().st_size)
            for count in range(1, self.args.keys + 1):
                word = f"Echo {count:03d}"
                timing = self.key(target, pipe, "j", screen_ok=lambda s, w=word: w in s)
                out.j_last.append(timing.last or 0.0)
                out.j_first.append(timing.first or 0.0)
                out.j_bytes.append(timing.bytes)
                out.echo_screen.append(timing.screen or 0.0)
            out.idle_bytes.append(self.idle(pipe))
            hwm, rss = peak_rss_kib(pid)
            out.hwm_kib.append(hwm)
            out.rss_kib.append(rss)
        except TermError as error:
            out.problems.append(f"bare: {error}")
            say(f"  bare: {str(error).splitlines()[0]}")
        finally:
            if not self.term.stop(target):
                out.problems.append("bare: did not quit on q")

    def session_floor(self, *, lines: bool = False) -> None:
        """'>' in :data:`FLOOR_APP` (or, with ``lines``, :data:`LINE_FLOOR_APP`): what
        Textual itself takes to show a card moved from one list of cards to another (no
        data, no disk), against the bare echo."""
        out = self.samples.setdefault("bare", Samples())
        name = "line floor" if lines else "floor"
        samples = out.line_floor_advance if lines else out.floor_advance
        app = self.line_floor if lines else self.floor
        pipe = self.workdir / f"tty-{name.replace(' ', '-')}.out"
        target, started = self.term.start([sys.executable, str(app)], self.env(), pipe)
        lessons = slice(4 * self.args.width // 5, self.args.width)
        try:
            self.term.wait(target, pipe, started, screen_ok=lambda s: "FLOOR0003000" in s)
            self.term.settle(pipe)
            for count in range(self.args.keys):
                number = f"FLOOR{3000 + count:07d}"

                def in_lessons(screen: str, number: str = number) -> bool:
                    return any(number in line[lessons] for line in screen.splitlines())

                timing = self.key(target, pipe, ">", screen_ok=in_lessons)
                samples.append(timing.screen or 0.0)
        except TermError as error:
            out.problems.append(f"{name}: {error}")
            say(f"  {name}: {str(error).splitlines()[0]}")
        finally:
            if not self.term.stop(target):
                out.problems.append(f"{name}: did not quit on q")

    def key(
        self,
        target: str,
        pipe: Path,
        key: str,
        *,
        screen_ok: Callable[[str], bool] | None = None,
        file: Path | None = None,
    ) -> KeyTiming:
        self.term.settle(pipe, quiet=0.1)
        sent = self.term.send_keys(target, key, literal=True)
        return self.term.wait(target, pipe, sent, screen_ok=screen_ok, file=file, timeout=30)

    def list_json(self, path: Path) -> float:
        """Seconds ``cancelboard list --json`` took on the board file, as a script runs it."""
        started = time.perf_counter()
        argv = [str(CANCELBOARD), "list", "--json", "--db", str(path)]
        subprocess.run(argv, env=self.env(), stdout=subprocess.DEVNULL, check=True)
        return time.perf_counter() - started

    def idle(self, pipe: Path) -> int:
        self.term.settle(pipe, quiet=0.2)
        before = pipe.stat().st_size
        time.sleep(self.args.idle)
        return pipe.stat().st_size - before

    def advance(self, target: str, pipe: Path, info: BoardInfo, out: Samples) -> None:
        """``>`` on the first card of Follow up: shown in Lessons and written to disk."""
        number = info.first_follow_up
        assert number is not None
        self.key(target, pipe, "g")  # the first card of the column
        width = self.args.width // 5
        lessons = slice(4 * width, 5 * width)

        def in_lessons(screen: str) -> bool:
            # The card's number inside the Lessons column (not in the notice of the move).
            return any(number in line[lessons] and "→" not in line for line in screen.splitlines())

        if in_lessons(self.term.capture(target)):
            raise TermError(f"{number} is in the Lessons column before '>'")
        timing = self.key(target, pipe, ">", screen_ok=in_lessons, file=info.path)
        assert timing.screen is not None and timing.file is not None
        data = orjson.loads(info.path.read_bytes())
        stages = [d["stage"] for d in data[ORDERS].values() if d["order"] == number]
        if stages != [Stage.LESSONS.value]:
            raise TermError(f"{number} on disk after '>': {stages}, not lessons")
        out.advance.append(max(timing.screen, timing.file))
        out.advance_screen.append(timing.screen)
        out.advance_file.append(timing.file)
        out.advance_bytes.append(timing.bytes)

    # ---------------------------------------------------------------- in-process

    def inproc(self, *args: str) -> dict[str, list[float]]:
        """Run ``_perf_inproc.py`` in a fresh interpreter; its timings."""
        result = subprocess.run(
            [sys.executable, str(HERE / "_perf_inproc.py"), *args],
            env={**self.env(), "PYTHONPATH": str(HERE)},
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(result.stdout)  # type: ignore[no-any-return]

    def writes(self, size: int) -> None:
        """A change's latency through the service: lock, re-read, change, write, fsync."""
        info = self.boards[size]
        out = self.samples.setdefault(str(size), Samples())
        number = info.first_talk or info.first_follow_up
        if number is None:
            return
        self.restore(size)
        args = [str(info.path), number, info.first_follow_up or "", str(self.args.changes)]
        found = self.inproc("writes", *args)
        out.add_entry += found["add_entry"]
        out.move += found["move"]
        out.stall += found["stall"]
        self.restore(size)

    def breakdown(self, size: int) -> None:
        """What a start spends on the board before Textual: read, parse, convert, cards."""
        out = self.samples.setdefault(str(size), Samples())
        for _ in range(self.args.runs):
            found = self.inproc("breakdown", str(self.boards[size].path))
            out.parse += found["parse"]
            out.parse_nogc += found["parse_nogc"]
            out.open_board += found["open"]
            out.convert += found["convert_all"]
            out.convert_nogc += found["convert_all_nogc"]
            out.convert_open += found["convert_open_only"]
            out.cards += found["cards"]

    def cli(self, sizes: list[int]) -> None:
        """``cancelboard list --json`` on each board, interleaved with ``python -c pass``:
        with its answer kept from the call before (a status bar asking again), and with
        none kept (the first call after a change: the answer is worked out)."""
        env = self.env()
        cold = self.workdir / "cold-cache"
        for _ in range(self.args.cli_runs):
            for name in ["bare", *map(str, sizes)]:
                if name == "bare":
                    argv = [sys.executable, "-c", "pass"]
                else:
                    path = self.boards[int(name)].path
                    argv = [str(CANCELBOARD), "list", "--json", "--db", str(path)]
                    shutil.rmtree(cold, ignore_errors=True)
                    started = time.perf_counter()
                    subprocess.run(
                        argv,
                        env={**env, "XDG_CACHE_HOME": str(cold)},
                        stdout=subprocess.DEVNULL,
                        check=True,
                    )
                    self.samples[name].cli_new.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    subprocess.run(
                        [sys.executable, "-c", PARSE_ONLY, str(path)], env=env, check=True
                    )
                    self.samples[name].cli_parse_only.append(time.perf_counter() - started)
                started = time.perf_counter()
                subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
                self.samples[name].cli.append(time.perf_counter() - started)
            for name, module in (("bare", "textual.app"), ("app", "tui.app")):
                started = time.perf_counter()
                subprocess.run([sys.executable, "-c", f"import {module}"], env=env, check=True)
                self.samples.setdefault(name, Samples()).imports.append(
                    time.perf_counter() - started
                )


# ----------------------------------------------------------------------------- profile


def profile_start(bench: Bench, size: int) -> str:
    """The app's start on the board of ``size`` under cProfile, in the terminal."""
    info = bench.boards[size]
    bench.restore(size)
    stats_file = bench.workdir / f"start-{size}.prof"
    pipe = bench.workdir / "tty-profile.out"
    argv = [sys.executable, "-m", "cProfile", "-o", str(stats_file), "-m", "tui"]
    target, started = bench.term.start([*argv, "--db", str(info.path)], bench.env(), pipe)
    marker = info.first_talk or "No orders yet"
    bench.term.wait(target, pipe, started, screen_ok=lambda s: "Talk to buyer" in s and marker in s)
    bench.term.stop(target)
    deadline = time.monotonic() + 10
    while not stats_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    import io
    import pstats

    text = io.StringIO()
    stats = pstats.Stats(str(stats_file), stream=text)
    stats.sort_stats("cumulative").print_stats(35)
    stats.sort_stats("tottime").print_stats(20)
    return text.getvalue()


# ----------------------------------------------------------------------------- table


def fmt_ms(value: float | None) -> str:
    return (
        "-"
        if value is None
        else f"{value * 1000:,.0f} ms"
        if value >= 0.1
        else f"{value * 1000:.1f} ms"
    )


def fmt_bytes(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 1e6:
        return f"{value / 1e6:.1f} MB"
    if value >= 1e4:
        return f"{value / 1e3:.0f} kB"
    return f"{value:,.0f} B"


def fmt_kib(value: float | None) -> str:
    return "-" if value is None else f"{value / 1024:.0f} MB"


def cell(value: float | None, base: float | None, fmt: Callable[[float | None], str]) -> str:
    text = fmt(value)
    if value is not None and base:
        text += f" ({value / base:.2f}x)"
    return text


def table(bench: Bench, sizes: list[int]) -> str:
    s = bench.samples
    bare = s["bare"]
    cols = [str(n) for n in sizes]
    m = {name: s[name] for name in ["bare", *cols]}

    def row(
        label: str,
        get: Callable[[Samples], list[Any]],
        fmt: Callable[[float | None], str],
        base: Callable[[Samples], list[Any]] | None = None,
        bare_cell: str | None = None,
    ) -> list[str]:
        ref = median(base(bare)) if base else None
        cells = [bare_cell if bare_cell is not None else fmt(median(get(bare)))]
        cells += [cell(median(get(m[c])), ref, fmt) for c in cols]
        return [label, *cells]

    def app_row(label: str, values: Callable[[str], str], bare_cell: str = "") -> list[str]:
        return [label, bare_cell, *(values(c) for c in cols)]

    rows: list[list[str]] = [
        ["", "bare app", *(f"{n:,} orders" for n in sizes)],
        app_row(
            "board file (open orders)",
            lambda c: (
                f"{fmt_bytes(bench.boards[int(c)].size_bytes)} ({bench.boards[int(c)].open_orders})"
            ),
        ),
        app_row(
            "archive file (closed orders)",
            lambda c: (
                f"{fmt_bytes(bench.boards[int(c)].archive_bytes)}"
                f" ({bench.boards[int(c)].orders - bench.boards[int(c)].open_orders})"
            ),
        ),
        row("startup to board drawn", lambda x: x.startup, fmt_ms, lambda x: x.startup),
        row(
            "j: focus move to redraw done",
            lambda x: x.j_last,
            fmt_ms,
            lambda x: x.j_last,
        ),
        row("  j: first output", lambda x: x.j_first, fmt_ms, lambda x: x.j_first),
        row("l: focus move to redraw done", lambda x: x.l_last, fmt_ms, lambda x: x.j_last),
        row("  l: first output", lambda x: x.l_first, fmt_ms, lambda x: x.j_first, ""),
        row(
            "'>' to card in Lessons + on disk",
            lambda x: x.advance,
            fmt_ms,
            lambda x: x.echo_screen,
            bare_cell=fmt_ms(median(bare.echo_screen)) + " (echo)",
        ),
        [
            "  plain Textual app, same move, no disk",
            cell(median(bare.floor_advance), median(bare.echo_screen), fmt_ms),
            *("" for _ in cols),
        ],
        [
            "  line API app, same move, no disk",
            cell(median(bare.line_floor_advance), median(bare.echo_screen), fmt_ms),
            *("" for _ in cols),
        ],
        row(
            "  of which: file replaced",
            lambda x: x.advance_file,
            fmt_ms,
            lambda x: x.echo_screen,
            "",
        ),
        row(
            "  of which: card on screen",
            lambda x: x.advance_screen,
            fmt_ms,
            lambda x: x.echo_screen,
            "",
        ),
        row("bytes to terminal per j", lambda x: x.j_bytes, fmt_bytes, lambda x: x.j_bytes),
        row("bytes to terminal per l", lambda x: x.l_bytes, fmt_bytes, lambda x: x.j_bytes, ""),
        row(
            "bytes to terminal per '>'",
            lambda x: x.advance_bytes,
            fmt_bytes,
            lambda x: x.j_bytes,
            "",
        ),
        row(
            "bytes to terminal at start (settled)",
            lambda x: x.start_bytes,
            fmt_bytes,
            lambda x: x.start_bytes,
        ),
        row(
            f"idle bytes over {bench.args.idle:g} s",
            lambda x: x.idle_bytes,
            fmt_bytes,
            None,
        ),
        row("peak RSS (VmHWM)", lambda x: x.hwm_kib, fmt_kib, lambda x: x.hwm_kib),
        row("write: Board.add_entry", lambda x: x.add_entry, fmt_ms, None, ""),
        row("write: Board.move", lambda x: x.move, fmt_ms, None, ""),
        row("  main thread frozen by a write", lambda x: x.stall, fmt_ms, None, ""),
        row(
            "CLI list --json (answer kept)",
            lambda x: x.cli,
            fmt_ms,
            lambda x: x.cli,
            bare_cell=fmt_ms(median(bare.cli)) + " (-c pass)",
        ),
        row("  same, worked out (none kept)", lambda x: x.cli_new, fmt_ms, lambda x: x.cli, ""),
        row(
            "    python: import json, parse the file",
            lambda x: x.cli_parse_only,
            fmt_ms,
            lambda x: x.cli,
            "",
        ),
        row(
            f"  same, {STATUS_BAR_SECONDS:g} s after '>' in the board",
            lambda x: x.cli_after_change,
            fmt_ms,
            lambda x: x.cli,
            "",
        ),
        ["in a fresh process, before Textual:", "", *("" for _ in cols)],
        row("  orjson.loads of the file", lambda x: x.parse, fmt_ms, None, ""),
        row("    same, gc disabled", lambda x: x.parse_nogc, fmt_ms, None, ""),
        row("  Store.open (read, parse, lock)", lambda x: x.open_board, fmt_ms, None, ""),
        row("  Board.orders(archived=True)", lambda x: x.convert, fmt_ms, None, ""),
        row("    same, gc disabled", lambda x: x.convert_nogc, fmt_ms, None, ""),
        row("  Board.orders() open ones only", lambda x: x.convert_open, fmt_ms, None, ""),
        row("  card_lines of the open orders", lambda x: x.cards, fmt_ms, None, ""),
        [
            "import textual.app / tui.app",
            fmt_ms(median(bare.imports)),
            fmt_ms(median(s["app"].imports)) if "app" in s else "-",
            *("" for _ in cols[1:]),
        ],
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for index, r in enumerate(rows):
        first = r[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)]
        lines.append("  ".join([first, *rest]).rstrip())
        if index == 0:
            lines.append("-" * len(lines[0]))
    return "\n".join(lines)


def verdicts(bench: Bench, sizes: list[int]) -> list[str]:
    """The targets of issue 7 at the largest board: met or not."""
    big = str(max(sizes))
    s, bare = bench.samples, bench.samples["bare"]
    app = s[big]
    out: list[str] = []

    def check(what: str, value: float | None, limit: float | None, unit: str = "x") -> None:
        if value is None or limit is None:
            out.append(f"  {what}: not measured")
            return
        mark = "met" if value <= limit else "MISSED"
        out.append(f"  {what}: {value:.2f}{unit} (limit {limit:.2f}{unit}) {mark}")

    def ratio(a: list[Any], b: list[Any]) -> float | None:
        ma, mb = median(a), median(b)
        return ma / mb if ma is not None and mb else None

    if "1" in s and big != "1":
        check("startup vs one-order board", ratio(app.startup, s["1"].startup), 1.15)
    check("startup vs bare", ratio(app.startup, bare.startup), 1.6)
    check("j vs bare echo", ratio(app.j_last, bare.j_last), 1.3)
    check("'>' vs bare echo", ratio(app.advance, bare.echo_screen), 2.0)
    floor = ratio(bare.floor_advance, bare.echo_screen)
    versus = ratio(app.advance, bare.floor_advance)
    if floor is not None and versus is not None:
        out.append(
            f"    a plain Textual app's own '>' (no disk) takes {floor:.2f}x the echo;"
            f" the board's is {versus:.2f}x that"
        )
    line_floor = ratio(bare.line_floor_advance, bare.echo_screen)
    if line_floor is not None:
        out.append(
            f"    a line API app written for this move (no OptionList, no layout, no disk) takes"
            f" {line_floor:.2f}x the echo"
        )
    writes = median(app.add_entry + app.move)
    check("a change persisted", writes * 1000 if writes else None, 30, " ms")
    parse, passed, cli = median(app.parse), median(bare.cli), median(app.cli)
    limit = 1.2 * passed + parse if passed is not None and parse is not None else None
    check("list --json", cli * 1000 if cli else None, limit * 1000 if limit else None, " ms")
    for what, samples in (
        ("  first call after a change in the board", app.cli_after_change),
        ("  worked out (none kept)", app.cli_new),
        ("  a fresh python only parsing the file", app.cli_parse_only),
    ):
        took = median(samples)
        check(what, took * 1000 if took else None, limit * 1000 if limit else None, " ms")
    check("RSS vs bare", ratio(app.hwm_kib, bare.hwm_kib), 2.5)
    return out


# ----------------------------------------------------------------------------- main


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="0,1,1000,10000", help="board sizes (orders)")
    parser.add_argument("--runs", type=int, default=3, help="sessions per target")
    parser.add_argument("--keys", type=int, default=5, help="j presses per session")
    parser.add_argument("--idle", type=float, default=10.0, help="idle seconds per session")
    parser.add_argument("--changes", type=int, default=15, help="timed writes per kind")
    parser.add_argument("--cli-runs", type=int, default=7, help="CLI calls per board")
    parser.add_argument("--size", default="120x40", help="terminal size (e.g. 80x24)")
    parser.add_argument("--quick", action="store_true", help="sizes 0,1000; 2 runs; short idle")
    parser.add_argument("--profile", action="store_true", help="cProfile the largest start")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--json", type=Path, help="write every sample to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.runs, args.keys, args.idle = "0,1000", 2, 3, 3.0
        args.changes, args.cli_runs = 5, 3
    args.width, args.height = (int(v) for v in args.size.lower().split("x"))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("tmux") is None:
        say("tmux is not installed")
        return 2
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    began = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="cancelboard-bench-"))
    bench = Bench(args, workdir)
    try:
        for size in sizes:
            bench.build(size)
        say("warm-up (not counted): one start of each")
        bench.session_bare(warmup=True)
        for size in sizes:
            bench.session_app(size, warmup=True)
        targets: list[int | None] = [None, *sizes]
        for run in range(args.runs):
            # Interleaved, and rotated so no target always runs first after another.
            shift = run % len(targets)
            order = targets[shift:] + targets[:shift]
            say(
                f"run {run + 1}/{args.runs}: {', '.join('bare' if t is None else str(t) for t in order)}"
            )
            for t in order:
                if t is None:
                    bench.session_bare()
                    bench.session_floor()
                    bench.session_floor(lines=True)
                else:
                    bench.session_app(t)
        say("in-process writes and start breakdown; CLI")
        for size in sizes:
            bench.breakdown(size)
            bench.writes(size)
        bench.cli(sizes)
        profile = profile_start(bench, max(sizes)) if args.profile else ""
    finally:
        bench.term.close()
    took = time.perf_counter() - began
    header = (
        f"Cancelboard benchmark: {os.cpu_count()} cores, {platform.machine()},"
        f" Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}, tmux {args.width}x"
        f"{args.height}; median of {args.runs} runs ({args.keys} key presses each);"
        " (ratio) = / the bare Textual app in the same runs"
    )
    print(header)
    print(table(bench, sizes))
    print()
    print(TARGETS)
    print("\n".join(verdicts(bench, sizes)))
    problems = [p for x in bench.samples.values() for p in x.problems]
    if problems:
        print("\nProblems:")
        print("\n".join(f"  {p.splitlines()[0]}" for p in problems))
    print(f"\nTotal time: {took:.0f} s")
    if profile:
        print(f"\ncProfile of the start at {max(sizes):,} orders:\n{profile}")
    if args.json:
        dump = {
            "cores": os.cpu_count(),
            "terminal": f"{args.width}x{args.height}",
            "runs": args.runs,
            "boards": {str(k): {**asdict(v), "path": str(v.path)} for k, v in bench.boards.items()},
            "samples": {k: asdict(v) for k, v in bench.samples.items()},
            "seconds": took,
        }
        args.json.write_text(json.dumps(dump, indent=1))
    if args.keep:
        say(f"work folder kept: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
