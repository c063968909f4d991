"""Pasted text reaches the app without its escape sequences, whatever reads split it."""

from __future__ import annotations

import pytest
from textual import events
from textual._xterm_parser import XTermParser
from textual.drivers import linux_driver

from tui.terminal_input import PASTE_END, PASTE_START, PasteFilter, clean_pasted_sequences

COLOURED = "A esc\x1b[31mRED\x1b[0m end B\x1b]0;title\x07 C"
"""Text copied from a coloured terminal (and a window title change)."""


@pytest.fixture(autouse=True)
def _driver_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    """The driver's parser is put back after each test (the app patches it for good)."""
    monkeypatch.setattr(linux_driver, "XTermParser", XTermParser)


def read_in(chunks: list[str]) -> list[events.Event]:
    """What the driver's parser makes of ``chunks``, read as the driver reads them."""
    assert clean_pasted_sequences()
    parser = linux_driver.XTermParser()  # type: ignore[attr-defined]
    found: list[events.Event] = []
    for chunk in chunks:
        found.extend(parser.feed(chunk))
    return found


def pasted(found: list[events.Event]) -> list[str]:
    return [event.text for event in found if isinstance(event, events.Paste)]


def keys(found: list[events.Event]) -> list[str]:
    return [event.key for event in found if isinstance(event, events.Key)]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 4096])
def test_a_paste_arrives_whole_without_its_sequences_however_it_is_read(size: int) -> None:
    stream = "x" + PASTE_START + COLOURED + PASTE_END + "y"
    found = read_in([stream[i : i + size] for i in range(0, len(stream), size)])
    assert pasted(found) == ["A escRED end B C"]
    assert keys(found) == ["x", "y"]  # nothing of the paste typed as keys


def test_without_the_filter_the_sequences_were_typed_and_the_text_reordered() -> None:
    # What the filter is for: Textual's parser alone reads the paste's sequences as keys.
    found = list(XTermParser().feed(PASTE_START + COLOURED + PASTE_END))
    assert pasted(found) != ["A escRED end B C"]
    assert "circumflex_accent" in keys(found)


def test_keys_outside_pastes_pass_as_they_come() -> None:
    paste_filter = PasteFilter()
    # An escape alone, or an escape and "[", may be a key of its own: nothing is held.
    assert paste_filter("j\x1b") == "j\x1b"
    assert paste_filter("[A\x1b[") == "[A\x1b["
    assert paste_filter("B\x1b[31m") == "B\x1b[31m"  # outside a paste: Textual's to read
    # An opening split over reads is passed as it comes, and what follows it is held.
    assert paste_filter("k\x1b[20") == "k\x1b[20"
    assert paste_filter("0~hi\x1b[1m") == "0~"
    assert paste_filter("!" + PASTE_END + "z") == "hi!" + PASTE_END + "z"
    assert paste_filter(PASTE_START + "never ended") == PASTE_START
    assert paste_filter("") == "never ended"  # the end of input: whatever is held
