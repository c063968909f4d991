"""A card wraps its own lines: its height must always match what it draws."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.app import App
from textual.style import Style
from textual.visual import RenderOptions

from tui.widgets.card import CardText, fold

CARD = ("FO1A2B3C4D5E", "Very Long Buyer Name Ltd", "25.00 USD · 3d", "31h left", "", "#late")
AWKWARD = [
    "aaaaaa bbbbbb cccccc",  # word wrap needs more lines than length / width
    "supercalifragilisticexpialidocious",  # one word longer than the column
    "日本語のバイヤー名前です",  # wide characters: two cells each
    "emoji 🎉🎉🎉 party",
    "  leading and  double  spaces ",
    "cancelled-no-response partial-refund -x- a--b",  # hyphens: breaks after them
    "",
    "x",
]


@pytest.mark.parametrize("text", AWKWARD)
@pytest.mark.parametrize("width", [1, 2, 3, 5, 8, 13, 20, 40])
def test_fold_keeps_every_character_within_the_width(text: str, width: int) -> None:
    lines = fold(text, width)
    assert all(cell_len(line) <= max(width, 2) for line in lines)
    if width >= 2:
        assert all(cell_len(line) <= width for line in lines)
    # Nothing is lost but the spaces where lines were broken.
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_fold_breaks_between_words_and_leaves_short_lines_alone() -> None:
    assert fold("Jane Doe", 20) == ["Jane Doe"]
    assert fold("aaaaaa bbbbbb cccccc", 10) == ["aaaaaa", "bbbbbb", "cccccc"]
    assert fold("abcdefghij", 4) == ["abcd", "efgh", "ij"]
    assert fold("日本語", 3) == ["日", "本", "語"]


def test_fold_breaks_after_a_hyphen_rather_than_inside_a_word() -> None:
    # At 80 columns with the archive shown, an outcome read "partial-refu" / "nd".
    assert fold("partial-refund", 11) == ["partial-", "refund"]
    assert fold("cancelled-no-response", 13) == ["cancelled-no-", "response"]
    assert fold("saved · partial-refund", 12) == ["saved ·", "partial-", "refund"]
    assert fold("a-b", 3) == ["a-b"]
    assert fold("f/up 2027-01-05", 13) == ["f/up", "2027-01-05"]  # a date stays whole


@pytest.mark.parametrize("width", [4, 9, 13, 16, 30])
async def test_a_cards_height_is_the_number_of_lines_it_draws(width: int) -> None:
    lines = (*CARD[:1], AWKWARD[0] + " " + AWKWARD[2], *CARD[2:])
    card = CardText(lines)
    app = App[None]()
    async with app.run_test():
        widget = app.screen
        card.get_height(widget.styles, 34 - width)  # asked at another width first
        height = card.get_height(widget.styles, width)
        strips = card.render_strips(
            width, None, Style(), RenderOptions(widget._get_style, widget.styles)
        )
    assert len(strips) == height
    drawn = [strip.text.rstrip() for strip in strips]
    assert "".join(drawn).replace(" ", "") == "".join(
        text for text in (lines[0], lines[1], lines[2], lines[3], lines[5])
    ).replace(" ", "")
    assert all(cell_len(line) <= width for line in drawn)


def test_card_text_is_cleaned_and_one_line_per_field() -> None:
    card = CardText(("FO1", "evil\x1b]52;c;aGk=\x07 buyer\nname", "1.00 USD · 0d", "", "", ""))
    assert card.plain.splitlines() == ["FO1", "evil buyer name", "1.00 USD · 0d"]


async def test_a_card_never_draws_wider_than_its_width() -> None:
    card = CardText(("FO1", "日本", "1.00 USD · 0d", "", "", ""))
    app = App[None]()
    async with app.run_test():
        widget = app.screen
        for width in (1, 2, 3):
            strips = card.render_strips(
                width, None, Style(), RenderOptions(widget._get_style, widget.styles)
            )
            assert len(strips) == card.get_height(widget.styles, width)
            assert all(strip.cell_length <= width for strip in strips), width
