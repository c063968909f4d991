"""People's text is data on every screen: markup shows as typed, escapes never get out."""

from __future__ import annotations

import json
from pathlib import Path

from tests.ui.helpers import make_app, screen_text, wait_for, wait_for_text
from tui.board import Board
from tui.domain import EntryKind, Move, OrderDraft, Stage
from tui.store import Store

MARKUP = [
    "[/]",
    "[bold red]x[/]",
    "[link=http://evil]y[/link]",
    "[@click=app.quit]quit[/]",
    "[@click=screen.dismiss]d[/]",
    "[$accent]v[/]",
]
ESCAPES = [
    "\x1b]52;c;aGVsbG8=\x07",
    "\x1b]0;PWNED\x07",
    "\x1b[2J",
    "\x9b31m",
    "\u202e",
    "\u2066",
    "\x1bP+q\x1b\\",
]


def hostile_board(db: Path) -> Board:
    board = Board(Store(db))
    for index, text in enumerate(MARKUP):
        number = f"FO{index}"
        board.add_order(OrderDraft(number, text, gig=text, tags=f"#{index}x"))
        board.add_entry(number, EntryKind.NOTE, f"note {text}")
        board.add_entry(number, EntryKind.MESSAGE, f"msg {text}")
        board.add_entry(number, EntryKind.LESSON, f"lesson {text}", tags="#t")
        board.move(number, Move(Stage.REQUESTED, reason_text=text))
    return board


def raw_board_with_escapes(db: Path) -> None:
    """A file written by another tool: escape sequences stored as they came."""
    board = Board(Store(db))
    board.add_order(OrderDraft("FO9", "plain"))
    board.add_entry("FO9", EntryKind.NOTE, "x")
    data = json.loads(db.read_text())
    doc = next(iter(data["orders"].values()))
    doc["buyer"] = "ev" + "".join(ESCAPES) + "il"
    doc["gig"] = "g" + ESCAPES[0]
    doc["entries"][0]["text"] = "note" + "".join(ESCAPES) + "end"
    db.write_text(json.dumps(data))


def rendered_segments(app: object) -> str:
    strips = app.screen._compositor.render_strips()  # type: ignore[attr-defined]
    return "".join(segment.text for strip in strips for segment in strip)


async def test_markup_shows_literally_everywhere_and_runs_nothing(db_path: Path) -> None:
    hostile_board(db_path)
    app = make_app(db_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for_text(pilot, "(6)")
        app.screen.focus_column(app.screen.query_one("#col-requested"))  # type: ignore[attr-defined]
        seen: set[str] = set()
        for _ in MARKUP:
            await pilot.press("y")
            seen.update(n.message for n in app._notifications)
            await pilot.press("enter")
            await wait_for(pilot, lambda: type(app.screen).__name__ == "OrderScreen")
            await wait_for_text(pilot, "note ")
            await pilot.press("y", "H")
            await wait_for_text(pilot, "History of")
            await pilot.press("escape", "escape")
            await wait_for(pilot, lambda: type(app.screen).__name__ == "BoardScreen")
            await pilot.press("j")
        assert app.is_running
        await pilot.press("2")
        await wait_for_text(pilot, "lesson ")
        text = screen_text(app)
        assert "[bold red]x[/]" in text
        await pilot.press("3")
        await pilot.pause(0.3)
        await pilot.press("1", "ctrl+p", *"quit")
        await pilot.pause(0.3)
        await pilot.press("escape")
        assert app.is_running
        assert "Copied order FO3 ([@click=app.quit]quit[/]) to the clipboard" in seen


async def test_board_shows_markup_in_cards(db_path: Path) -> None:
    hostile_board(db_path)
    app = make_app(db_path)
    async with app.run_test(size=(200, 50)) as pilot:
        await wait_for_text(pilot, "(6)")
        text = screen_text(app)
        for markup in ("[bold red]x[/]", "[@click=app.quit]quit[/]", "[link=http://evil]y[/link]"):
            assert markup in text


async def test_escape_sequences_from_the_file_never_reach_the_screen(db_path: Path) -> None:
    raw_board_with_escapes(db_path)
    app = make_app(db_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_text(pilot, "evil")
        await pilot.press("enter")
        await wait_for_text(pilot, "noteend")
        segments = rendered_segments(app)
        for bad in ("\x1b", "\x9b", "\u202e", "\u2066", "\x07", "PWNED"):
            assert bad not in segments


async def test_hostile_text_typed_into_the_form_is_kept_literally(db_path: Path) -> None:
    app = make_app(db_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("n")
        await wait_for_text(pilot, "New order")
        await pilot.press(*"FO1", "tab", *"[@click=app.quit]b[/]", "tab", *"[/]")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: db_path.exists() and "FO1" in db_path.read_text())
        await wait_for_text(pilot, "[@click=app.qu")
        assert app.is_running
    order = Board(Store(db_path)).get("FO1")
    assert (order.buyer, order.gig) == ("[@click=app.quit]b[/]", "[/]")


async def test_a_megabyte_note_and_long_words_keep_the_layout(db_path: Path) -> None:
    board = Board(Store(db_path))
    board.add_order(OrderDraft("FO1", "x" * 80, gig="日本語のギグ 🎉" * 5))
    board.add_entry("FO1", EntryKind.NOTE, "word " * 200_000)
    board.add_entry("FO1", EntryKind.MESSAGE, "y" * 5000)
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "FO1")
        assert "Lessons (0)" in screen_text(app)
        await pilot.press("enter")
        await wait_for_text(pilot, "more characters")
        assert "Buyer messages (1)" in screen_text(app)
        await pilot.press("escape")
        await wait_for_text(pilot, "Talk to buyer")


async def test_filter_palette_and_lessons_find_accents_however_they_were_typed(
    db_path: Path,
) -> None:
    # Buyers pasted from macOS hold 'e' and a combining accent: a filter for 'émile'
    # (one character) showed no card, the palette "No matches found"; a zero-width space
    # copied inside a name hid it from '/zerowidth'.
    board = Board(Store(db_path))
    board.add_order(OrderDraft("FO1", "e\u0301mile_k"))
    board.add_order(OrderDraft("FO2", "zero\u200bwidth"))
    board.add_order(OrderDraft("FO3", "bob"))
    board.add_entry("FO3", EntryKind.LESSON, "Ask for the re\u0301sume\u0301 first")
    app = make_app(db_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_text(pilot, "bob")
        await pilot.press("slash", *"ÉMILE", "enter")
        await wait_for(pilot, lambda: "bob" not in screen_text(app))
        assert "FO1" in screen_text(app) and "FO2" not in screen_text(app)
        await pilot.press("escape")
        await pilot.press("slash", *"zerowidth", "enter")
        await wait_for(pilot, lambda: "bob" not in screen_text(app))
        assert "FO2" in screen_text(app)
        await pilot.press("escape")
        await wait_for_text(pilot, "bob")
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"émile")
        await wait_for_text(pilot, "Jump to order FO1")
        await pilot.press("escape")
        await pilot.press("2")
        await wait_for_text(pilot, "first")
        await pilot.press("slash", *"résumé")
        await pilot.pause(0.2)
        assert "first" in screen_text(app)
