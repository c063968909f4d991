"""What a key press costs over a slow link: bytes the board writes to a real terminal.

A board of 80 orders in two columns, at 120x40 in tmux, every byte recorded (pipe-pane).
Moving the cursor within a column and between columns must repaint the cards involved,
not whole columns or the screen (issue 4: at most 15 kB per move at 120x40), and a board
left alone must write nothing at all.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.conftest import stored_orders
from tests.perf._perf_boards import build_board
from tui.app import STARTUP_ROWS_SECONDS
from tui.board import Board
from tui.domain import Initiator, Move, OrderDraft, Stage
from tui.store import Store

from .helpers import Tmux, app_env, board_command, columns_of

pytestmark = pytest.mark.terminal

MOVE_LIMIT = 15_000
PER_COLUMN = 40
STARTS = 12


def quiet_size(path: Path, quiet: float = 0.4, timeout: float = 10.0) -> int:
    """The recording's size once nothing has been written for ``quiet`` seconds."""
    deadline = time.monotonic() + timeout
    size, since = path.stat().st_size, time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = path.stat().st_size
        if now != size:
            size, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return size
    raise AssertionError(f"the board kept writing for {timeout} s")


def start_recorded(tmux: Tmux, db: Path, home: Path, output: Path, term: str) -> None:
    """The board on ``db`` at 120x40, every byte it writes appended to ``output``."""
    output.touch()
    tmux.start(
        board_command(db),
        app_env(home, TERM=term),
        width=120,
        height=40,
        then=tmux.record_output(output),
    )


def test_the_first_frame_draws_the_whole_board(tmp_path: Path, db: Path, home: Path) -> None:
    # Textual rendered the first frame while the app was still starting and threw it away;
    # what followed repainted only what changed since, so on most starts the terminal
    # showed the cards with no columns around them (no borders, no titles) until a later
    # full repaint. Each start here is recorded from its first byte: the columns must be
    # drawn before any card is. (Without the fix, ~1 start in 4 showed it: 12 starts
    # catch it 97 times in 100.)
    card = build_board(db, 200).first_talk  # 20 open orders, four in each column
    assert card is not None
    for start in range(STARTS):
        tmux = Tmux(tmp_path)
        output = tmp_path / f"start-{start}.bytes"
        try:
            start_recorded(tmux, db, home, output, "tmux-256color")
            tmux.wait_for("Talk to buyer (4)", card)
        finally:
            tmux.kill()
        written = output.read_bytes()
        first_card, first_border = written.find(card.encode()), written.find("╭".encode())
        assert 0 <= first_border < first_card, (start, written[:400])


def test_a_start_sends_each_card_once(tmp_path: Path, db: Path, home: Path) -> None:
    # After the first frame Textual repainted the whole screen two or three times more
    # (a screen resumed, its widgets mounted, the size it is told at start; the lists'
    # first layout asked for theirs too, and their scrollbars came one layout late):
    # 80-116 kB for a 35 kB board at 120x40. Each card on the screen, and each column's
    # frame, must reach the terminal once, scrollbars and all.
    card = build_board(db, 1000).first_talk  # 100 open orders: every column overflows
    assert card is not None
    output = tmp_path / "start.bytes"
    tmux = Tmux(tmp_path)
    try:
        start_recorded(tmux, db, home, output, "tmux-256color")
        began = time.monotonic()
        tmux.wait_for("Talk to buyer (20)", card)
        started = quiet_size(output, quiet=1.0)
        screen, styled = tmux.screen(), tmux.styled_screen()
        # What was left out was on the terminal: a whole repaint, forced once the start
        # is over (a resize there and back), draws the very same screen.
        time.sleep(max(0.0, began + STARTUP_ROWS_SECONDS + 0.5 - time.monotonic()))
        assert redrawn_whole(tmux, output) == styled
        second = re.findall(r"FO[0-9A-F]{10}", columns_of(screen)[0])[1]
        tmux.keys("j")  # and the board goes on answering as before
        tmux.wait_card_focused(second)
    finally:
        tmux.kill()
    sent = output.read_bytes()[:started].decode("utf-8", "replace")
    shown = set(re.findall(r"FO[0-9A-F]{10}", screen)) - {card}  # not the cursor's
    assert len(shown) >= 20, screen
    assert {number: sent.count(number) for number in shown} == dict.fromkeys(shown, 1)
    assert screen.count("╭") == 5 and sent.count("╭") == 5
    # The first frame has the header's count (the start shows its first cards first, and
    # Textual's Header took the count a frame later).
    assert 0 <= sent.find("100 open") < sent.find(card)
    assert any(block in screen for block in "▁▂▃▄▅▆▇█"), screen  # the scrollbars' thumbs
    print(f"bytes at start (120x40, 100 open orders): {started:,}")


def redrawn_whole(tmux: Tmux, output: Path) -> str:
    """The styled screen after a repaint of all of it (a resize there and back)."""
    tmux.tmux("resize-window", "-t", tmux.target, "-x", "100", "-y", "30")
    tmux.wait_until(lambda screen: len(screen.splitlines()) <= 30, "the smaller window")
    quiet_size(output)
    tmux.tmux("resize-window", "-t", tmux.target, "-x", "120", "-y", "40")
    quiet_size(output)
    return tmux.styled_screen()


def focused_title(tmux: Tmux) -> str | None:
    """The title drawn underlined: the column that has focus (it must read without colour)."""
    underlined = re.compile(r"\x1b\[(?!38|48)(?:\d+;)*4(?:;\d+)*m(?:\x1b\[[\d;]*m)*(\w[\w ]*)")
    titles = [m.group(1) for m in underlined.finditer(tmux.styled_screen())]
    return next((t.strip() for t in titles if t.startswith(("Talk", "Cancellation"))), None)


def two_columns(db: Path) -> None:
    """FO0000-FO0039 in Talk to buyer, FO0040-FO0079 in Cancellation requested."""
    board = Board(Store(db))
    for i in range(2 * PER_COLUMN):
        number = f"FO{i:04d}"
        board.add_order(OrderDraft(number=number, buyer=f"buyer number {i}", amount="25"))
        if i >= PER_COLUMN:
            board.move(number, Move(Stage.REQUESTED, reason="scope", initiator=Initiator.ME))


def start_two_columns(tmux: Tmux, db: Path, home: Path) -> Path:
    """The :func:`two_columns` board, recorded (see :func:`start_recorded`), its first
    card focused; the recording's path."""
    two_columns(db)
    output = db.parent / "tty.bytes"
    start_recorded(tmux, db, home, output, "xterm-256color")
    tmux.wait_for("Talk to buyer (40)", "FO0040")
    tmux.wait_card_focused("FO0000")
    return output


def test_moving_the_cursor_repaints_only_what_changed(tmux: Tmux, db: Path, home: Path) -> None:
    output = start_two_columns(tmux, db, home)
    costs: dict[str, list[int]] = {}
    talk, requested = "Talk to buyer", "Cancellation requested"
    steps = [("j", "FO0001", talk), ("j", "FO0002", talk), ("l", "FO0042", requested)]
    steps += [("h", "FO0002", talk), ("l", "FO0042", requested), ("k", "FO0041", requested)]
    steps += [("h", "FO0001", talk)]
    for key, focused, column in steps:
        before = quiet_size(output)
        tmux.keys(key)
        tmux.wait_card_focused(focused)
        costs.setdefault(key, []).append(quiet_size(output) - before)
        # The focused column shows by its title, and only that one.
        assert focused_title(tmux) == column, (key, tmux.styled_screen()[:600])
    print(f"bytes per key at 120x40: {costs}")
    for key, sizes in costs.items():
        assert all(0 < size <= MOVE_LIMIT for size in sizes), (key, sizes)
    # Within a column, two cards change: far less than a column (~10 kB here).
    assert max(costs["j"] + costs["k"]) <= 3_000, costs
    # Left alone, the board writes nothing (no clock, no blinking cursor).
    idle_from = quiet_size(output)
    time.sleep(2.0)
    assert output.stat().st_size == idle_from
    # What those repaints of a few rows left on the terminal is what a whole repaint draws.
    styled = tmux.styled_screen()
    assert redrawn_whole(tmux, output) == styled


def test_a_move_reaches_the_terminal_whole_once_written(tmux: Tmux, db: Path, home: Path) -> None:
    # A move is drawn while it is written and its frames are held until the write
    # returns (tests/ui/test_early_show.py): written late, in order, they must leave the
    # terminal as a whole repaint draws it, the cards where the file says.
    output = start_two_columns(tmux, db, home)
    sizes = []
    for moved, count in (("FO0040", 41), ("FO0041", 42)):
        tmux.keys("l", "g")  # the first card of Cancellation requested
        tmux.wait_card_focused(moved)
        before = quiet_size(output)
        tmux.keys("<")  # back to Talk to buyer: no dialog
        tmux.wait_for(f"Talk to buyer ({count})")
        tmux.wait_card_focused(moved)
        sizes.append(quiet_size(output) - before)
        assert stored_orders(db)[moved]["stage"] == "talk"
    print(f"bytes per move at 120x40: {sizes}")
    assert all(0 < size <= MOVE_LIMIT for size in sizes), sizes
    styled = tmux.styled_screen()
    assert redrawn_whole(tmux, output) == styled
