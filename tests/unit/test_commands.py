"""The command palette's order search: what matches, in which order, and how many."""

from __future__ import annotations

from tui.commands import HITS, PREFIX, _display, rank


def texts(*lines: str) -> list[tuple[str, str]]:
    return [(line, line.lower()) for line in lines]


def test_found_as_typed_comes_first_earlier_before_later() -> None:
    found = rank("ali", texts("FO1 · bob", "FO2 · Alice", "FO3 · natalia", "FO4 · a_l_i"))
    assert [index for _, index, _ in found] == [1, 2, 3]
    scores = [score for score, _, _ in found]
    assert scores == sorted(scores, reverse=True) and scores[-1] < 0.5 <= scores[-2]
    assert found[0][2] == (6, 7, 8)  # where "Ali" is, for underlining


def test_letters_in_order_match_closer_together_first() -> None:
    found = rank("fo9", texts("FO1 · zed", "FO9 · x", "F-O-9 · y", "FO1 · 9x"))
    assert [index for _, index, _ in found] == [1, 2, 3]
    assert rank("zz", texts("FO1 · z")) == []
    assert rank("", texts("FO1 · z")) == []


def test_at_most_the_best_hits_and_zeros_do_not_blow_up() -> None:
    # Order numbers full of zeros: Textual's matcher tried every way the letters fall.
    many = texts(*(f"FO{n:010X} · buyer_{n:05d}" for n in range(10_000)))
    found = rank("fo0000000029", many)
    assert len(found) == HITS
    assert found[0][1] == 0x29 and found[0][2] == tuple(range(12))
    assert rank("buyer_00042", many)[0][1] == 42


def test_a_hit_underlines_only_its_letters_and_never_reads_markup() -> None:
    content = _display("FO2 · [@click=app.quit]mallory", (0, 1, 2))
    assert content.plain == PREFIX + "FO2 · [@click=app.quit]mallory"
    underlined = {
        index
        for span in content.spans
        for index in range(span.start, span.end)
        if "underline" in str(span.style)
    }
    assert underlined == {len(PREFIX), len(PREFIX) + 1, len(PREFIX) + 2}


def test_equal_matches_list_the_newest_orders_first_and_a_whole_number_before_others() -> None:
    # Texts are oldest first: a buyer with more orders than HITS keeps the newest (the
    # open ones) in reach.
    many = texts(*(f"FO{n} · alice" for n in range(HITS + 20)))
    found = rank("alice", many)
    assert [index for _, index, _ in found] == list(range(HITS + 19, 19, -1))
    found = rank("fo1", texts("FO12 · x", "FO1 · y", "FO123 · z"))
    assert [index for _, index, _ in found] == [1, 2, 0]
