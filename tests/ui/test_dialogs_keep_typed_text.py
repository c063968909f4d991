"""Typed text survives: other sessions' changes, conflicts and jumps never drop a dialog."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Static

from tests.ui.helpers import make_app, screen_text, wait_for, wait_for_text
from tui.board import Board
from tui.domain import Move, OrderDraft, Stage
from tui.screens.editor import EntryEditor
from tui.screens.forms import OrderForm
from tui.screens.order import OrderScreen
from tui.store import Store


def stored(db: Path) -> dict[str, dict[str, object]]:
    return {d["order"]: d for d in json.loads(db.read_text())["orders"].values()}


async def test_an_edit_conflict_keeps_the_form_and_a_second_save_applies(db_path: Path) -> None:
    Board(Store(db_path)).add_order(OrderDraft("FO1", "jane", order_date="2024-01-02"))
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderForm))
        Board(Store(db_path)).edit_order(
            "FO1", OrderDraft("FO1", "jane", gig="theirs", order_date="2024-01-02")
        )
        await pilot.press("tab", "ctrl+u", *"mine")
        await pilot.press("ctrl+s")
        await wait_for_text(pilot, "changed in another session")
        # What they changed is named: the board behind the form cannot be seen.
        said = str(app.screen.query_one("#e-form", Static).render())
        assert "FO1 was changed in another session (Gig: theirs)" in said
        assert "ctrl+s again saves yours with them" in said  # not "your Buyer over theirs"
        assert isinstance(app.screen, OrderForm) and app.is_running
        # What the seller typed stays; the field they left shows the other session's.
        assert app.screen.draft().buyer == "mine"
        assert app.screen.draft().gig == "theirs"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: stored(db_path)["FO1"]["buyer"] == "mine")
        assert stored(db_path)["FO1"]["gig"] == "theirs"  # their change is kept
    assert stored(db_path)["FO1"]["order_date"] == "2024-01-02"


@pytest.mark.parametrize(
    ("theirs", "said"),
    [
        ("buyer", "(Buyer: theirs): ctrl+s again saves your Buyer over theirs"),
        ("stage", "in none of these fields (its stage or entries): ctrl+s again saves"),
    ],
)
async def test_an_edit_conflict_says_what_a_second_save_overwrites(
    db_path: Path, theirs: str, said: str
) -> None:
    # It said "saves your Gig over theirs" when the other session had only moved it.
    Board(Store(db_path)).add_order(OrderDraft("FO1", "jane"))
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderForm))
        other = Board(Store(db_path))
        if theirs == "buyer":
            other.edit_order("FO1", OrderDraft("FO1", "theirs"))
        else:
            other.move("FO1", Move(Stage.REQUESTED))
        await pilot.press("tab", "ctrl+u", *"mine", "ctrl+s")
        await wait_for_text(pilot, "changed in another session")
        assert said in str(app.screen.query_one("#e-form", Static).render())
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: stored(db_path)["FO1"]["buyer"] == "mine")


async def test_after_a_conflict_a_field_set_back_to_its_old_value_is_saved_so(
    db_path: Path,
) -> None:
    # Set back by hand to what it was when the form opened, the amount was taken for one
    # the seller had left, and the other session's was saved instead.
    Board(Store(db_path)).add_order(OrderDraft("FO1", "jane", amount="25"))
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderForm))
        Board(Store(db_path)).edit_order("FO1", OrderDraft("FO1", "jane", amount="30"))
        await pilot.press("tab", "ctrl+u", *"mine", "ctrl+s")
        await wait_for_text(pilot, "changed in another session")
        form = app.screen
        assert isinstance(form, OrderForm) and form.draft().amount == "30.00"
        form.query_one("#f-amount").focus()
        await pilot.pause()
        await pilot.press("ctrl+u", *"25.00", "ctrl+s")
        await wait_for(pilot, lambda: stored(db_path)["FO1"]["buyer"] == "mine")
        assert stored(db_path)["FO1"]["amount_cents"] == 2500


async def test_untouched_edit_form_closes_without_asking(db_path: Path) -> None:
    Board(Store(db_path)).add_order(OrderDraft("FO1", "jane", order_date="2024-01-02"))
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderForm))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, OrderForm))
        assert "Throw away" not in screen_text(app)


async def test_a_note_being_typed_survives_the_order_being_deleted_elsewhere(db_path: Path) -> None:
    Board(Store(db_path)).add_order(OrderDraft("FO1", "jane"))
    app = make_app(db_path, watch_interval=0.1)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
        await pilot.press("N")
        await wait_for(pilot, lambda: isinstance(app.screen, EntryEditor))
        await pilot.press(*"important")
        Board(Store(db_path)).delete_order("FO1")
        await pilot.pause(0.5)
        assert isinstance(app.screen, EntryEditor)
        assert app.screen.draft().text == "important"


async def test_jumping_from_the_palette_does_not_drop_an_open_editor(db_path: Path) -> None:
    board = Board(Store(db_path))
    board.add_order(OrderDraft("FO1", "jane"))
    board.add_order(OrderDraft("FO2", "anna"))
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "FO2")
        await pilot.press("N")
        await wait_for(pilot, lambda: isinstance(app.screen, EntryEditor))
        await pilot.press(*"draft")
        app.open_order("FO2")
        await pilot.pause(0.2)
        assert isinstance(app.screen, EntryEditor)
        assert app.screen.draft().text == "draft"


async def test_duplicate_reasons_are_refused_in_the_editor(db_path: Path) -> None:
    Board(Store(db_path)).add_order(OrderDraft("FO1", "jane"))
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "FO1")
        app.edit_reasons()
        await wait_for_text(pilot, "Cancellation reasons")
        await pilot.press("ctrl+end", "enter", *"Other: again", "ctrl+s")
        await wait_for_text(pilot, "appears twice")
        await pilot.press("escape")
        await wait_for_text(pilot, "Throw away what you typed?")
        await pilot.press("y")
        await pilot.press("greater_than_sign")
        await wait_for_text(pilot, "why?")
        assert app.is_running


async def test_ctrl_q_with_a_note_typed_asks_before_quitting(db_path: Path) -> None:
    # ctrl+q (which ctrl+c tells you to press) quit at once, and the note typed was lost.
    from tui.screens.editor import EntryEditor
    from tui.screens.questions import ConfirmModal

    Board(Store(db_path)).add_order(OrderDraft("FO1", "jane"))
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("N")
        await wait_for(pilot, lambda: isinstance(app.screen, EntryEditor))
        await pilot.press(*"important", "ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert app.is_running
        await pilot.press("n")  # keep editing: the text is there
        await wait_for(pilot, lambda: isinstance(app.screen, EntryEditor))
        assert app.screen.draft().text == "important"  # type: ignore[attr-defined]
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.is_running)
    # With nothing typed, ctrl+q quits at once.
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("N")
        await wait_for(pilot, lambda: isinstance(app.screen, EntryEditor))
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running)
