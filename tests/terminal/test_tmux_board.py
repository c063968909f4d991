"""The board in a real terminal (tmux, 80x24): add, advance, move back, a note, quit.

Run once as a modern terminal (xterm-256color) and once as a plain 16-colour xterm with
``NO_COLOR`` set, reading the screen the way a person would and the file the way a script
would. A last test has a script change the file while the board is open.
"""

from __future__ import annotations

import json
import re
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tui.board import Board
from tui.domain import Move, OrderDraft, Outcome, Stage
from tui.store import Store

from .helpers import (
    COLUMN_TITLES,
    Tmux,
    add_note,
    add_order,
    advance_to_requested,
    app_env,
    board_command,
    columns_of,
    move_back_to_talk,
    run_cli,
    stored_orders,
)

pytestmark = pytest.mark.terminal

ORDER = "FO5B2A1C3D4E"
BUYER = "alice_buys"
NOTE = "offer partial refund"  # fits one line of the Notes panel at 80 columns
EMPTY_HINT = "No orders yet. Press n to add the first one"

TERMINALS = [
    pytest.param({"TERM": "xterm-256color"}, id="xterm-256color"),
    pytest.param({"TERM": "xterm", "NO_COLOR": "1"}, id="xterm-16-no-color"),
]

SGR = re.compile(rb"\x1b\[([0-9;:]*)m")
CHROMATIC = {str(n) for n in (*range(31, 37), *range(41, 47), *range(91, 97), *range(101, 107))}


def sgr_params(output: bytes) -> set[str]:
    """Every parameter of every SGR sequence in ``output``."""
    params: set[str] = set()
    for match in SGR.finditer(output):
        params.update(p.decode() for p in re.split(rb"[;:]", match.group(1)) if p)
    return params


def stored_order(db: Path) -> dict[str, Any]:
    """The order as the board file holds it now."""
    orders = stored_orders(db)
    assert list(orders) == [ORDER]
    return orders[ORDER]


@pytest.mark.parametrize("terminal", TERMINALS)
def test_add_advance_back_note_quit(
    tmux: Tmux, db: Path, home: Path, tmp_path: Path, terminal: dict[str, str]
) -> None:
    output = tmp_path / "output.bytes"
    tmux.start(
        board_command(db),
        app_env(home, **terminal),
        then=tmux.record_output(output),
    )

    # An empty board: every column title in full (the second wraps at 80 columns), the hint.
    screen = tmux.wait_for(*COLUMN_TITLES, "Lessons", EMPTY_HINT)
    cols = columns_of(screen)
    assert "Talk to buyer" in cols[0]
    assert "Cancellation" in cols[1] and "requested" in cols[1]
    assert "Fiverr review" in cols[2]
    assert "Follow up" in cols[3]
    assert "Lessons" in cols[4]

    # n: the new-order form; order number, tab, buyer, ctrl+s: the card, and no hint.
    add_order(tmux, ORDER, BUYER)
    screen = tmux.wait_gone(EMPTY_HINT)
    assert BUYER in columns_of(screen)[0]
    assert stored_order(db)["stage"] == "talk"

    # >: the reason modal; enter takes its default; the card shows the 48 h countdown.
    screen = advance_to_requested(tmux, ORDER)
    assert "47h left" in columns_of(screen)[1]
    assert stored_order(db)["stage"] == "requested"  # on disk once on screen

    # <: back to Talk to buyer.
    screen = move_back_to_talk(tmux, ORDER)
    assert "47h left" not in screen
    assert stored_order(db)["stage"] == "talk"

    # enter opens the order; N writes a private note; ctrl+s saves it into Notes.
    tmux.keys("Enter")
    tmux.wait_for("Notes (0)", "Buyer messages", BUYER)
    add_note(tmux, NOTE, 1)

    # escape: back to the board; q quits cleanly.
    tmux.keys("Escape")
    screen = tmux.wait_until(
        lambda s: "Notes (1)" not in s and ORDER in columns_of(s)[0], "the board again"
    )
    tmux.keys("q")
    assert tmux.wait_exit() == "0"

    # The file, as a script reads it.
    order = stored_order(db)
    assert order["buyer"] == BUYER
    assert order["stage"] == "talk"
    assert [e["text"] for e in order["entries"] if e["kind"] == "note"] == [NOTE]
    moves = [(h.get("from"), h.get("to")) for h in order["history"] if h["action"] == "moved"]
    assert moves == [("talk", "requested"), ("requested", "talk")]
    assert stat.S_IMODE(db.stat().st_mode) == 0o600

    # The colours asked for: 16 colours for a plain xterm, and only greys with NO_COLOR.
    params = sgr_params(output.read_bytes())
    if terminal["TERM"] == "xterm":
        assert not {"38", "48"} & params, "256-colour or true-colour codes on a 16-colour xterm"
    if "NO_COLOR" in terminal:
        assert not CHROMATIC & params, f"colours despite NO_COLOR: {sorted(CHROMATIC & params)}"


def test_changes_from_a_script_show_on_the_open_board(tmux: Tmux, db: Path, home: Path) -> None:
    # The design says within a second; the margin is for a loaded CI machine.
    tmux.start(board_command(db), app_env(home, TERM="xterm-256color"))
    tmux.wait_for(*COLUMN_TITLES)
    run_cli(db, home, "add", "FOSCRIPT01", "--buyer", "from_cron")
    tmux.wait_until(lambda s: "FOSCRIPT01" in columns_of(s)[0], "the script's order", timeout=3)
    run_cli(db, home, "move", "FOSCRIPT01", "requested")
    tmux.wait_until(lambda s: "FOSCRIPT01" in columns_of(s)[1], "the script's move", timeout=3)
    run_cli(db, home, "note", "FOSCRIPT01", "typed in a shell")
    tmux.wait_card_focused("FOSCRIPT01")  # the focus followed the card
    tmux.keys("Enter")
    tmux.wait_for("Notes (1)", "typed in a shell")
    tmux.keys("q")
    assert tmux.wait_exit() == "0"


def test_a_form_typed_in_one_burst_fills_the_right_fields(tmux: Tmux, db: Path, home: Path) -> None:
    """Fast typing or a paste over SSH: keys arrive together with the tabs between them."""
    tmux.start(board_command(db), app_env(home, TERM="xterm-256color"))
    tmux.wait_for(EMPTY_HINT)
    tmux.keys("n")
    tmux.wait_for("New order")
    # One tmux command: every key reaches the program in the same read.
    tmux.tmux(
        "send-keys", "-t", tmux.target,
        "F", "O", "7", "Tab", "b", "o", "b", "Tab", "L", "o", "g", "o", "Enter", "2", "5", "C-s",
    )  # fmt: skip
    tmux.wait_gone("New order")
    order = stored_orders(db)["FO7"]
    assert (order["buyer"], order["gig"], order["amount_cents"]) == ("bob", "Logo", 2500)


def test_the_key_that_opens_a_form_and_what_follows_it_in_one_burst(
    tmux: Tmux, db: Path, home: Path
) -> None:
    """``n`` and the order typed ahead in the same read: the form's first field took focus
    after the keys after ``n`` were read, and they were lost. ``N`` and a note likewise."""
    tmux.start(board_command(db), app_env(home, TERM="xterm-256color"))
    tmux.wait_for(EMPTY_HINT)
    tmux.tmux(
        "send-keys", "-t", tmux.target,
        "n", "F", "O", "8", "Tab", "c", "a", "t", "C-s",
    )  # fmt: skip
    tmux.wait_for("FO8")
    assert stored_orders(db)["FO8"]["buyer"] == "cat"
    tmux.tmux("send-keys", "-t", tmux.target, "N", "h", "i", " ", "c", "a", "t", "C-s")
    tmux.wait_until(lambda s: "Note added" in s or "note added" in s.lower(), "the note saved")
    assert [e["text"] for e in stored_orders(db)["FO8"]["entries"]] == ["hi cat"]


def test_a_reason_picked_and_tab_in_one_burst_is_the_reason_kept(
    tmux: Tmux, db: Path, home: Path
) -> None:
    """``k k k k tab`` typed fast in the reason dialog: tab moved on first, the k's then
    found no binding where focus was, and the request was recorded as "Other"."""
    Board(Store(db)).add_order(OrderDraft("FO1", "jane"))
    tmux.start(board_command(db), app_env(home, TERM="xterm-256color"))
    tmux.wait_for("FO1")
    tmux.keys(">")
    tmux.wait_for("Cancellation requested: why?")
    tmux.tmux("send-keys", "-t", tmux.target, "k", "k", "k", "k", "Tab")
    time.sleep(0.3)
    tmux.keys("Enter")
    tmux.wait_until(lambda s: "why?" not in s, "the request made")
    assert stored_orders(db)["FO1"]["reason"] == "unresponsive"


def test_a_dialog_key_and_its_answer_typed_in_one_burst(tmux: Tmux, db: Path, home: Path) -> None:
    """Typed fast over SSH: 'x s' lost its 's' (the close dialog was not up yet); '> e' and
    a ticket opened the order's edit form with the ticket in its order number, or picked
    the first answer with the enter meant for the ticket."""
    board = Board(Store(db))
    board.add_order(OrderDraft("FO1", "jane"))
    board.add_order(OrderDraft("FO2", "bob"))
    board.move("FO2", Move(Stage.REQUESTED))
    tmux.start(board_command(db), app_env(home, TERM="xterm-256color"))
    tmux.wait_for("FO2")
    tmux.tmux("send-keys", "-t", tmux.target, "x", "s")
    tmux.wait_gone("FO1")
    assert Board(Store(db)).get("FO1").outcome is Outcome.SAVED
    tmux.keys("l")
    tmux.wait_card_focused("FO2")
    tmux.tmux("send-keys", "-t", tmux.target, ">", "e", "n", "e", "t", "-", "7", "Enter")
    tmux.wait_until(lambda s: "CS 0d" in s, "the escalation")
    escalated = Board(Store(db)).get("FO2")
    assert (escalated.stage, escalated.ticket) == (Stage.REVIEW, "net-7")


def test_what_is_typed_after_a_save_in_one_burst_waits_for_it(
    tmux: Tmux, db: Path, home: Path
) -> None:
    """Keys typed after ctrl+s in one read went into the field still in focus: two notes
    were saved as one ('secondNthird'), a second new order's keys went into the first
    one's amount and neither was saved; after a search's enter, 'j' went into the search."""
    board = Board(Store(db))
    for number, buyer in (("FO1", "anna_k"), ("FO2", "anna_j"), ("FO3", "zed")):
        board.add_order(OrderDraft(number, buyer))
    tmux.start(board_command(db), app_env(home, TERM="xterm-256color"))
    tmux.wait_for("FO3")
    tmux.tmux(
        "send-keys", "-t", tmux.target,
        "N", "o", "n", "e", "C-s", "N", "t", "w", "o", "C-s",
    )  # fmt: skip
    tmux.wait_until(lambda s: len(stored_orders(db)["FO1"]["entries"]) == 2, "two notes")
    assert [e["text"] for e in stored_orders(db)["FO1"]["entries"]] == ["one", "two"]
    tmux.tmux(
        "send-keys", "-t", tmux.target,
        "n", "F", "O", "4", "Tab", "d", "a", "v", "e", "Tab", "S", "E", "O", "Tab", "8", "0",
        "C-s", "n", "F", "O", "5", "Tab", "e", "r", "i", "n", "Tab", "T", "r", "Tab", "1", "5",
        "C-s",
    )  # fmt: skip
    tmux.wait_until(lambda s: "FO5" in stored_orders(db), "the second order")
    orders = stored_orders(db)
    assert (orders["FO4"]["buyer"], orders["FO4"]["amount_cents"]) == ("dave", 8000)
    assert (orders["FO5"]["buyer"], orders["FO5"]["gig"]) == ("erin", "Tr")
    tmux.wait_gone("New order")
    tmux.tmux("send-keys", "-t", tmux.target, "/", "a", "n", "n", "a", "Enter", "j")
    tmux.wait_card_focused("FO2")
    assert "annaj" not in tmux.screen()


def test_a_search_typed_in_one_burst_after_slash_is_the_filters(
    tmux: Tmux, db: Path, home: Path
) -> None:
    """``/`` and a search pasted, or typed ahead over a slow link: the keys after ``/`` are
    read before the filter box has focus. Each goes into it, in order; none acts on the
    board (``a`` would show the archive, ``n`` open the new-order form, ``j`` and ``g``
    move the cursor)."""
    board = Board(Store(db))
    for number, buyer in (("FO1", "anna_k"), ("FO2", "nan_jg"), ("FO3", "zed")):
        board.add_order(OrderDraft(number, buyer))
    tmux.start(board_command(db), app_env(home, TERM="xterm-256color"))
    tmux.wait_for("FO3")
    # One tmux command: every key reaches the program in the same read.
    tmux.tmux("send-keys", "-t", tmux.target, "/", "n", "a", "n", "_", "j", "g", "Enter")
    screen = tmux.wait_until(
        lambda s: "nan_jg" in s and "anna_k" not in s and "FO3" not in s, "the filter"
    )
    assert "New order" not in screen and "Closed" not in screen
    tmux.keys("Escape")  # the filter cleared: every card again
    tmux.wait_for("FO1", "FO3")


def test_text_pasted_from_a_coloured_terminal_is_kept_in_order_without_its_sequences(
    tmux: Tmux, db: Path, home: Path, tmp_path: Path
) -> None:
    """A bracketed paste holding escape sequences (text copied from a coloured terminal):
    Textual read each sequence as keys typed at once and the rest as a paste when it
    ended, so the note read ``^[31mRED^[0m end BA esc``."""
    run_cli(db, home, "add", ORDER, "--buyer", BUYER)
    tmux.start(board_command(db), app_env(home, TERM="xterm-256color"))
    tmux.wait_for(ORDER)
    tmux.keys("N")
    tmux.wait_for("Private note")
    copied = tmp_path / "copied.txt"
    copied.write_bytes(b"A esc\x1b[31mRED\x1b[0m end B")
    tmux.tmux("load-buffer", str(copied))
    tmux.tmux("paste-buffer", "-p", "-t", tmux.target)  # -p: as a bracketed paste
    tmux.wait_for("A escRED end B")
    tmux.keys("C-s")
    tmux.wait_gone("Private note")
    notes = [e["text"] for e in stored_orders(db)[ORDER]["entries"] if e["kind"] == "note"]
    assert notes == ["A escRED end B"]


def change_stored_order(db: Path, number: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Edit one order as stored, as a hand edit of the board file would."""
    data = json.loads(db.read_text())
    for doc in data["orders"].values():
        if isinstance(doc, dict) and doc.get("order") == number:
            change(doc)
    db.write_text(json.dumps(data))


def ended_with_one_error_line(tmux: Tmux) -> str:
    """The program ended with exit status 2 and printed one error line: that line."""
    assert tmux.wait_exit() == "2"
    # -J joins the rows a long line wrapped onto (what the program wrote as one line);
    # -S - starts in the history, where its first rows scrolled.
    joined = tmux.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", tmux.target).stdout
    lines = [line for line in joined.splitlines() if "error" in line]
    assert len(lines) == 1, joined
    assert lines[0].startswith("cancelboard: error: ")
    return lines[0]


def test_a_damaged_order_past_the_first_cards_ends_the_board_with_one_line(
    tmux: Tmux, db: Path, home: Path
) -> None:
    """The start reads the cards a column can show first (eight at 24 rows), the rest once
    they are drawn: a damaged one among the rest ends the session as one among the first
    does before the board opens, with one line naming the file and the order."""
    board = Board(Store(db))
    numbers = [f"FO{n:02d}" for n in range(1, 13)]
    for number in numbers:
        board.add_order(OrderDraft(number, "bob"))
    change_stored_order(db, numbers[-1], lambda doc: doc.update(amount_cents="lots"))
    before = db.read_bytes()
    tmux.start(board_command(db), app_env(home, TERM="xterm-256color"))
    line = ended_with_one_error_line(tmux)
    assert str(db) in line and f"order {numbers[-1]} is damaged" in line
    assert db.read_bytes() == before


def test_a_damaged_entry_ends_the_board_with_one_line(tmux: Tmux, db: Path, home: Path) -> None:
    """Entries are read once the board is drawn; a damaged one ends the session as a
    damaged order always did: exit code 2, one line naming the file and the order."""
    run_cli(db, home, "add", ORDER, "--buyer", BUYER)
    run_cli(db, home, "note", ORDER, NOTE)
    change_stored_order(db, ORDER, lambda doc: doc["entries"][0].update(kind="no-such-kind"))
    before = db.read_bytes()
    tmux.start(board_command(db), app_env(home, TERM="xterm-256color"))
    line = ended_with_one_error_line(tmux)
    assert str(db) in line and f"order {ORDER}" in line and "no-such-kind" in line
    assert db.read_bytes() == before
