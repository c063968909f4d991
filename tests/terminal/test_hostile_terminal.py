"""Buyers' text is data: markup shows literally, escape sequences never reach the terminal.

Orders are added through the installed command line with hostile buyer names and notes
(markup, OSC 52 clipboard writes, title changes, CSI, C1, bidi overrides, a 100 KB word,
CJK and emoji). The board is then opened at 80x24 inside tmux with every byte the program
writes to the terminal recorded (``pipe-pane``), moved around in, the orders opened, and the
click markup clicked with the mouse. tmux is set to take OSC 52 into its paste buffers and
to take window titles, so anything that got through would show there too.

A second run opens the same board after the file was edited by hand to hold the raw
sequences (the command line cleans text on the way in; the screen must clean on the way
out, for files written by hand or by older versions).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .helpers import COLUMN_TITLES, Tmux, app_env, board_command, run_cli, stored_orders

pytestmark = pytest.mark.terminal

BOLD = "[bold red]x[/]"
CLICK = "[@click=app.quit]click[/]"
LINK = "[link=http://x]y[/link]"
OSC52 = "a\x1b]52;c;aGk=\x07b"
TITLE = "t\x1b]0;PWNED\x07t"
CSI = "c\x1b[2Jc"
C1 = "d\x9b31md"
BIDI = "e\u202ef\u2066g"
CJK = "日本語の買い手🙂"
BIG_WORD = "w" * 100_000

# Order number -> (buyer, how to get to its stage): spread over the columns so that each
# column's cards fit without scrolling.
ORDERS: dict[str, tuple[str, list[list[str]]]] = {
    "FOH01": (BOLD, []),
    "FOH02": ("[/]", []),
    "FOH03": (CLICK, [["requested"]]),
    "FOH04": (LINK, [["requested"]]),
    "FOH05": (OSC52, [["requested"], ["review"]]),
    "FOH06": (TITLE, [["requested"], ["review"]]),
    "FOH07": (CSI, [["follow-up", "--outcome", "saved"]]),
    "FOH08": (C1, [["follow-up", "--outcome", "saved"]]),
    "FOH09": (BIDI, [["follow-up", "--outcome", "saved"], ["lessons"]]),
    "FOH10": (CJK, []),
}
# Notes on FOH01, oldest first: the big word, every hostile string, and one to read.
NOTES = [BIG_WORD, OSC52, TITLE, CSI, C1, BIDI, CLICK, LINK, CJK, BOLD]

FORBIDDEN: dict[str, bytes] = {
    "an OSC 52 clipboard write": b"\x1b]52",
    "a window title change (OSC 0)": b"\x1b]0;",
    "a window title change (OSC 2)": b"\x1b]2;",
    "the title text": b"PWNED",
    "the buyer's CSI (clear screen)": b"c\x1b[2Jc",
    "a C1 CSI (U+009B)": "\x9b".encode(),
    "a bidi override (U+202E)": "\u202e".encode(),
    "a bidi isolate (U+2066)": "\u2066".encode(),
}


@pytest.fixture(scope="module")
def hostile_board(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A board file made with the command line, holding every hostile string (made once)."""
    folder = tmp_path_factory.mktemp("hostile")
    db, home = folder / "board.json", folder / "home"
    home.mkdir()
    for number, (buyer, moves) in ORDERS.items():
        run_cli(db, home, "add", number, "--buyer", buyer)
        for move in moves:
            run_cli(db, home, "move", number, *move)
    for text in NOTES:
        run_cli(db, home, "note", "FOH01", text)
    run_cli(db, home, "message", "FOH01", OSC52 + TITLE + BOLD)
    return db


def edit_by_hand(db: Path) -> None:
    """Put the raw strings back into the file, the way a hand edit or an old version would."""
    data = json.loads(db.read_text(encoding="utf-8"))
    for doc in data["orders"].values():
        doc["buyer"] = ORDERS[doc["order"]][0]
        if doc["order"] == "FOH01":
            notes = [e for e in doc["entries"] if e["kind"] == "note"]
            for entry, text in zip(notes, NOTES, strict=True):
                entry["text"] = text
    db.write_text(json.dumps(data), encoding="utf-8")


def screen_lines_with(screen: str, text: str) -> list[tuple[int, int]]:
    """(row, column) of each place ``text`` starts on screen (ASCII lines only)."""
    found = []
    for row, line in enumerate(screen.splitlines()):
        start = line.find(text)
        if start >= 0:
            found.append((row, start))
    return found


def click(tmux: Tmux, row: int, column: int) -> None:
    """A left click at a screen cell, as an xterm SGR mouse report (press, release)."""
    for final in (b"M", b"m"):
        tmux.raw(b"\x1b[<0;%d;%d" % (column + 1, row + 1) + final)


@pytest.mark.parametrize("source", ["cli", "edited-by-hand"])
def test_hostile_text_is_shown_literally_and_never_reaches_the_terminal(
    tmux: Tmux, hostile_board: Path, tmp_path: Path, home: Path, source: str
) -> None:
    db = tmp_path / "board.json"
    shutil.copyfile(hostile_board, db)
    if source == "edited-by-hand":
        edit_by_hand(db)
    else:
        # The command line stored the text cleaned, markup as typed.
        stored = stored_orders(db)
        assert stored["FOH01"]["buyer"] == BOLD
        assert stored["FOH05"]["buyer"] == "ab"
    output = tmp_path / "output.bytes"
    tmux.start(
        board_command(db),
        app_env(home, TERM="xterm-256color"),
        then=tmux.record_output(output),
    )

    # The board, with every card's text as data.
    screen = tmux.wait_for(*COLUMN_TITLES, "FOH01", "FOH09", "[/]", "日本語")
    for cleaned in ("ab", "tt", "cc", "dd", "efg"):
        assert f"│{cleaned} " in screen, f"{cleaned!r} not shown as a card's buyer"

    # Move around every column and back (no crash, nothing interpreted).
    tmux.keys("j", "j", "k", "G", "g", "l", "j", "l", "j", "l", "l", "Right", "Down", "Up")
    tmux.keys("h", "h", "h", "h", "Left", "g")

    # Filter down to FOH01 and open it: its buyer reads literally, the notes too (the big
    # one cut, not a stall).
    tmux.keys("/")
    tmux.wait_for("filter: order, buyer")
    tmux.type("foh01")
    tmux.wait_until(lambda s: "FOH01" in s and "FOH02" not in s, "the filtered board")
    tmux.keys("Enter")  # keeps the filter, back to the cards
    tmux.wait_card_focused("FOH01")
    tmux.keys("Enter")
    screen = tmux.wait_for(f"FOH01  {BOLD}", f"Notes ({len(NOTES)})", "Buyer messages (1)")
    assert screen.count(BOLD) >= 2, "the markup note is not shown literally"
    tmux.keys("j", "k", "k", "l", "j", "l", "h", "h")
    tmux.keys("Escape")  # back to the board
    tmux.wait_until(lambda s: "Notes (" not in s and "FOH01" in s, "the filtered board again")
    tmux.keys("Escape")  # clears the filter
    tmux.wait_for("FOH03", "FOH09")

    # Click the click markup, on its card (which opens the order) and on the order screen.
    screen = tmux.screen()
    places = screen_lines_with(screen, "click[/]")  # the card's second line, as wrapped
    assert len(places) == 1, f"the click markup card is not on screen:\n{screen}"
    ((row, column),) = places
    click(tmux, row, column + 1)
    screen = tmux.wait_for(f"FOH03  {CLICK}")
    ((row, column),) = screen_lines_with(screen, CLICK)
    click(tmux, row, column + CLICK.index("]click") + 2)
    click(tmux, row, column + 2)
    tmux.wait_for(f"FOH03  {CLICK}", "Notes (0)")
    tmux.keys("Escape")
    tmux.wait_until(
        lambda s: "Notes (" not in s and all(t in s for t in COLUMN_TITLES), "the board again"
    )
    assert tmux.exit_status() is None, "the app quit"

    # Nothing reached tmux's clipboard or the window title.
    assert "PWNED" not in tmux.show("#{pane_title}")
    buffers = tmux.tmux("show-buffer", check=False)
    assert buffers.returncode != 0 or not buffers.stdout, "something was copied to the clipboard"
    assert not tmux.tmux("list-buffers").stdout.strip()

    # Still running until asked: q quits cleanly.
    tmux.keys("q")
    assert tmux.wait_exit() == "0"

    # Nothing from the data was among the bytes written to the terminal, start to end.
    written = output.read_bytes()
    assert b"FOH09" in written, "pipe-pane recorded nothing"
    for what, sequence in FORBIDDEN.items():
        assert sequence not in written, f"{what} reached the terminal"


def test_invalid_utf8_from_the_terminal_is_not_a_crash(tmux: Tmux, db: Path, home: Path) -> None:
    tmux.start(board_command(db), app_env(home, TERM="xterm-256color"))
    tmux.wait_for(*COLUMN_TITLES)
    tmux.raw(b"Jos\xe9")  # "José" from a terminal set to ISO-8859-1
    tmux.keys("n")
    screen = tmux.wait_until(
        lambda s: "New order" in s or tmux.exit_status() is not None, "the form, or an exit"
    )
    assert tmux.exit_status() is None, f"the app ended:\n{screen}"
    assert "New order" in screen
