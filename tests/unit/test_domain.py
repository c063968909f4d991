"""The domain rules: parsing, the transition table, history, countdowns."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from tests.conftest import FROZEN
from tui.domain import (
    FORWARD,
    DamagedOrder,
    Direction,
    EntryKind,
    Initiator,
    Move,
    Order,
    OrderDraft,
    Outcome,
    Settings,
    Stage,
    ValidationError,
    add_entry,
    card_timer,
    edit_order,
    fill_template,
    format_countdown,
    history_text,
    move_order,
    new_order,
    next_stage,
    parse_amount,
    parse_date,
    parse_order_number,
    parse_tags,
    previous_stage,
)


def order_in(stage: Stage, **changes: object) -> Order:
    order = new_order(OrderDraft("FO1", "jane", amount="25"), FROZEN)
    from dataclasses import replace

    return replace(order, stage=stage, **changes)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("25", 2500),
        ("25.5", 2550),
        ("25.00", 2500),
        ("0", 0),
        ("", 0),
        ("1,200.50", 120050),
        ("1,200", 120000),
        ("12,345,678.90", 1234567890),
    ],
)
def test_amounts_are_integer_cents(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["abc", "-1", "1.234", "1.500", "nan", "inf", "1e400"])
def test_bad_amounts_name_the_field(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_amount(text)
    assert caught.value.field == "amount"


@pytest.mark.parametrize(
    "text", ["1,50", "0,5", "0,99", "1.500,00", "12,34", "1,2345", ",50", "1,", "0,500"]
)
def test_a_comma_that_is_not_between_thousands_is_refused_not_guessed(text: str) -> None:
    # Read as a thousands separator, "1,50" was saved as 150.00 and "1.500,00" as 1.50.
    with pytest.raises(ValidationError) as caught:
        parse_amount(text, "refund")
    assert caught.value.field == "refund" and "dot" in caught.value.message


@pytest.mark.parametrize(
    "text",
    [
        "2026-13-01",
        "26-11-01",
        "tomorrow",
        "2026/11/01",
        "2026-02-30",
        "9999-12-31",
        "1999-12-31",
    ],
)
def test_bad_dates_are_refused(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_date(text)
    assert caught.value.field == "due"


def test_dates_and_order_numbers() -> None:
    assert parse_date("2026-11-30") == date(2026, 11, 30)
    assert parse_date("") is None
    assert parse_order_number(" fo5b2a1c3d4e ") == "FO5B2A1C3D4E"
    for bad in ["", "   ", "FO 1", "[bold]", "x" * 41]:
        with pytest.raises(ValidationError):
            parse_order_number(bad)


def test_tags_are_normalised() -> None:
    assert parse_tags("#Late, repeat-buyer #late") == ("late", "repeat-buyer")


def test_a_draft_needs_order_and_buyer() -> None:
    with pytest.raises(ValidationError) as caught:
        new_order(OrderDraft("FO1", "  "), FROZEN)
    assert caught.value.field == "buyer"


# ----------------------------------------------------------------------------- transitions


def test_new_orders_start_talking_with_a_created_event() -> None:
    order = new_order(OrderDraft("fo1", "jane", amount="25.00", due="2026-12-01"), FROZEN)
    assert order.stage is Stage.TALK
    assert order.amount_cents == 2500
    assert [e.action for e in order.history] == ["created"]


def test_requesting_records_reason_initiator_and_time_with_defaults() -> None:
    moved = move_order(order_in(Stage.TALK), Move(Stage.REQUESTED), FROZEN)
    assert (moved.reason, moved.initiator, moved.requested_at) == ("other", Initiator.ME, FROZEN)
    assert moved.revision == 2
    assert moved.history[-1].from_stage is Stage.TALK
    assert moved.history[-1].to_stage is Stage.REQUESTED


def test_unknown_reason_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        move_order(order_in(Stage.TALK), Move(Stage.REQUESTED, reason="nope"), FROZEN)
    assert caught.value.field == "reason"


@pytest.mark.parametrize(("edge", "rule"), list(FORWARD.items()), ids=lambda v: str(v))
def test_every_forward_transition_with_each_allowed_outcome(
    edge: tuple[Stage, Stage], rule: object
) -> None:
    source, target = edge
    outcomes = sorted(FORWARD[edge].outcomes, key=list(Outcome).index) or [None]
    for outcome in outcomes:
        refund = "5" if outcome is Outcome.PARTIAL_REFUND else None
        moved = move_order(order_in(source), Move(target, outcome=outcome, refund=refund), FROZEN)
        assert moved.stage is target
        assert moved.outcome is outcome
        assert moved.history[-1].outcome is outcome


@pytest.mark.parametrize("edge", [e for e, r in FORWARD.items() if r.outcome_required])
def test_transitions_that_need_an_outcome_refuse_without(edge: tuple[Stage, Stage]) -> None:
    with pytest.raises(ValidationError) as caught:
        move_order(order_in(edge[0]), Move(edge[1]), FROZEN)
    assert caught.value.field == "outcome"


def test_an_outcome_that_does_not_fit_the_move_is_refused() -> None:
    with pytest.raises(ValidationError, match="does not fit"):
        move_order(order_in(Stage.REQUESTED), Move(Stage.FOLLOW_UP, outcome=Outcome.SAVED), FROZEN)
    with pytest.raises(ValidationError, match="records no outcome"):
        move_order(order_in(Stage.FOLLOW_UP), Move(Stage.LESSONS, outcome=Outcome.SAVED), FROZEN)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (Stage.TALK, Stage.REVIEW),
        (Stage.TALK, Stage.LESSONS),
        (Stage.REQUESTED, Stage.LESSONS),
        (Stage.REVIEW, Stage.LESSONS),
    ],
)
def test_skipping_forward_is_refused(source: Stage, target: Stage) -> None:
    with pytest.raises(ValidationError, match="cannot move"):
        move_order(order_in(source), Move(target), FROZEN)


def test_same_stage_is_refused() -> None:
    with pytest.raises(ValidationError, match="already"):
        move_order(order_in(Stage.TALK), Move(Stage.TALK), FROZEN)


@pytest.mark.parametrize("stage", [s for s in Stage if s is not Stage.CLOSED])
@pytest.mark.parametrize("outcome", list(Outcome))
def test_any_stage_closes_with_any_outcome(stage: Stage, outcome: Outcome) -> None:
    refund = "5" if outcome is Outcome.PARTIAL_REFUND else None
    closed = move_order(order_in(stage), Move(Stage.CLOSED, outcome=outcome, refund=refund), FROZEN)
    assert closed.stage is Stage.CLOSED
    assert closed.outcome is outcome
    assert closed.history[-1].action == "closed"


def test_closing_needs_an_outcome() -> None:
    with pytest.raises(ValidationError, match="outcome"):
        move_order(order_in(Stage.TALK), Move(Stage.CLOSED), FROZEN)


def test_moving_back_clears_the_resolution() -> None:
    resolved = move_order(
        order_in(Stage.REQUESTED), Move(Stage.FOLLOW_UP, outcome=Outcome.CANCELLED_MUTUAL), FROZEN
    )
    back = move_order(resolved, Move(Stage.REQUESTED), FROZEN)
    assert back.outcome is None
    assert previous_stage(back) is Stage.TALK
    assert previous_stage(order_in(Stage.TALK)) is None


def test_reopening_returns_to_the_stage_it_was_closed_from() -> None:
    closed = move_order(
        order_in(Stage.REVIEW), Move(Stage.CLOSED, outcome=Outcome.WITHDRAWN), FROZEN
    )
    assert previous_stage(closed) is Stage.REVIEW
    reopened = move_order(closed, Move(Stage.REVIEW), FROZEN)
    assert reopened.history[-1].action == "reopened"


def test_refunds() -> None:
    partial = move_order(
        order_in(Stage.TALK),
        Move(Stage.FOLLOW_UP, outcome=Outcome.PARTIAL_REFUND, refund="10"),
        FROZEN,
    )
    assert partial.refund_cents == 1000
    cancelled = move_order(
        order_in(Stage.REQUESTED), Move(Stage.FOLLOW_UP, outcome=Outcome.CANCELLED_MUTUAL), FROZEN
    )
    assert cancelled.refund_cents == 2500
    with pytest.raises(ValidationError) as caught:
        move_order(
            order_in(Stage.TALK),
            Move(Stage.FOLLOW_UP, outcome=Outcome.PARTIAL_REFUND, refund="x"),
            FROZEN,
        )
    assert caught.value.field == "refund"


def test_escalating_records_ticket_and_time() -> None:
    escalated = move_order(order_in(Stage.REQUESTED), Move(Stage.REVIEW, ticket="CS-77"), FROZEN)
    assert (escalated.ticket, escalated.escalated_at) == ("CS-77", FROZEN)


def test_next_stage_walks_the_columns() -> None:
    assert [next_stage(s) for s in Stage] == [
        Stage.REQUESTED,
        Stage.REVIEW,
        Stage.FOLLOW_UP,
        Stage.LESSONS,
        Stage.CLOSED,
        None,
    ]


# ----------------------------------------------------------------------------- entries, edits


def test_entries_keep_the_revision_and_are_in_history() -> None:
    order = order_in(Stage.TALK)
    with_note, entry = add_entry(order, EntryKind.NOTE, "  hi [bold]  \n", FROZEN)
    assert entry.text == "hi [bold]"
    assert with_note.revision == order.revision
    assert with_note.history[-1].action == "note"
    _, message = add_entry(order, EntryKind.MESSAGE, "x", FROZEN, direction=Direction.TO_BUYER)
    assert message.direction is Direction.TO_BUYER
    with pytest.raises(ValidationError):
        add_entry(order, EntryKind.NOTE, " \n ", FROZEN)


def test_the_timeline_ties_each_message_event_to_its_own_message() -> None:
    # Two messages in one second that start alike each show whole, once; a message whose
    # adding was undone (gone from the entries) leaves its event as the history kept it;
    # a stored order (times to the second) reads the same.
    start = "the designer never replied to my three emails, so I want to cancel: "
    order = order_in(Stage.TALK)
    for end in ("first", "second", "undone"):
        order, _ = add_entry(order, EntryKind.MESSAGE, start + end, FROZEN)
    order = replace(order, entries=order.entries[:2])
    expected = [
        f"message · from buyer: {start}first",
        f"message · from buyer: {start}second",
        f"message · from buyer: {start[:60]}…",
    ]
    for shown in (order, Order.from_dict(order.to_dict())):
        assert [line[18:] for line in history_text(shown).splitlines()[-3:]] == expected


def test_editing_records_the_changed_fields() -> None:
    order = order_in(Stage.TALK)
    edited = edit_order(order, OrderDraft("FO1", "jane", amount="30"), FROZEN)
    assert edited.amount_cents == 3000
    # The word a seller reads, not the key; and what it was, for the timeline.
    assert edited.history[-1].detail == "amount 25.00 -> 30.00"
    assert edited.revision == order.revision + 1
    assert edit_order(edited, OrderDraft("FO1", "jane", amount="30"), FROZEN) is edited


def test_a_renumbered_order_keeps_its_old_number_in_its_history() -> None:
    # The CS ticket and the buyer's messages still name the old number; free text is
    # named only (a gig's title before and after would crowd the line).
    order = order_in(Stage.TALK, follow_up_due=date(2026, 12, 1))
    draft = OrderDraft("FO1234", "jane", amount="25", gig="logo", follow_up_due="2026-12-04")
    edited = edit_order(order, draft, FROZEN)
    assert edited.history[-1].describe() == (
        "edited · order number FO1 -> FO1234, gig, follow-up date 2026-12-01 -> 2026-12-04"
    )


def test_an_amount_edited_below_the_refund_recorded_is_refused() -> None:
    order = order_in(Stage.FOLLOW_UP, amount_cents=1500, refund_cents=550)
    with pytest.raises(ValidationError) as caught:
        edit_order(order, OrderDraft(order.number, order.buyer, amount="3.00"), FROZEN)
    assert caught.value.field == "amount" and "5.50" in caught.value.message
    # The refund's own amount, or more, is fine; so is no amount (not known).
    assert edit_order(order, OrderDraft(order.number, order.buyer, amount="5.50"), FROZEN)
    assert edit_order(order, OrderDraft(order.number, order.buyer, amount=""), FROZEN)
    # Another field edited is fine even where the refund already exceeds the amount (a
    # file imported so): only a change of amount is checked.
    imported = order_in(Stage.FOLLOW_UP, amount_cents=2500, refund_cents=25000)
    renamed = edit_order(imported, OrderDraft(imported.number, "new_name", amount="25"), FROZEN)
    assert renamed.buyer == "new_name" and renamed.refund_cents == 25000


def test_an_amount_edited_down_to_a_partial_refund_is_refused() -> None:
    # It would leave a partial refund of all of the order's amount.
    order = order_in(
        Stage.FOLLOW_UP, amount_cents=2500, refund_cents=1000, outcome=Outcome.PARTIAL_REFUND
    )
    with pytest.raises(ValidationError) as caught:
        edit_order(order, OrderDraft(order.number, order.buyer, amount="10.00"), FROZEN)
    assert caught.value.field == "amount"
    assert caught.value.message == (
        "a partial refund of 10.00 USD is recorded: the amount must be more than it"
    )
    edited = edit_order(order, OrderDraft(order.number, order.buyer, amount="10.01"), FROZEN)
    assert (edited.amount_cents, edited.refund_cents) == (1001, 1000)


def test_a_cancelled_orders_refund_follows_its_amount_when_edited() -> None:
    # A cancellation refunds all of it: fixing a typo in the amount (250 for 25) keeps it so.
    order = order_in(
        Stage.FOLLOW_UP, amount_cents=25000, refund_cents=25000, outcome=Outcome.CANCELLED_MUTUAL
    )
    edited = edit_order(order, OrderDraft(order.number, order.buyer, amount="25"), FROZEN)
    assert (edited.amount_cents, edited.refund_cents) == (2500, 2500)


def test_orders_survive_their_dict_form() -> None:
    order = move_order(order_in(Stage.TALK), Move(Stage.REQUESTED, reason="scope"), FROZEN)
    order, _ = add_entry(order, EntryKind.LESSON, "ask first", FROZEN, tags="#scope")
    assert Order.from_dict(order.to_dict()) == order


# ----------------------------------------------------------------------------- countdowns


def requested_at(hours_ago: float) -> Order:
    return order_in(Stage.REQUESTED, requested_at=FROZEN - timedelta(hours=hours_ago))


@pytest.mark.parametrize(
    ("hours_ago", "text", "level"),
    [
        (0, "48h left", ""),
        (16.5, "31h left", ""),
        (36, "12h left", ""),
        (36.01, "11h left", "error"),
        (47.5, "30m left", "error"),
        (48, "auto-cancels now", "error"),
        (80, "auto-cancels now", "error"),
    ],
)
def test_the_48_hour_countdown(hours_ago: float, text: str, level: str) -> None:
    timer = card_timer(requested_at(hours_ago), FROZEN)
    assert timer is not None
    assert (timer.text, timer.level) == (text, level)


def test_countdown_format() -> None:
    assert format_countdown(timedelta(hours=31, minutes=59)) == "31h left"
    assert format_countdown(timedelta(minutes=45, seconds=30)) == "45m left"
    assert format_countdown(timedelta(0)) == "auto-cancels now"


@pytest.mark.parametrize(
    ("due", "text", "level"),
    [
        (date(2026, 11, 27), "due 11-27", ""),
        (date(2026, 11, 26), "due 11-26", ""),
        (date(2026, 11, 25), "late", "warning"),
        (date(2026, 11, 24), "very late", "error"),
        (date(9999, 12, 31), "due 9999-12-31", ""),  # a hand-edited file's: no OverflowError
        # Another year's date says its year: "due 01-01" read as this January.
        (date(2030, 1, 1), "due 2030-01-01", ""),
        (date(2026, 12, 31), "due 12-31", ""),
        (date(2027, 1, 1), "due 2027-01-01", ""),
        (date(1, 1, 1), "very late", "error"),
    ],
)
def test_due_dates_in_talk(due: date, text: str, level: str) -> None:
    timer = card_timer(order_in(Stage.TALK, due=due), FROZEN)
    assert timer is not None
    assert (timer.text, timer.level) == (text, level)


def test_window_lengths_are_settings() -> None:
    short = Settings(answer_window=timedelta(hours=24))
    timer = card_timer(requested_at(1), FROZEN, short)
    assert timer is not None and timer.text == "23h left"


def test_follow_up_overdue() -> None:
    timer = card_timer(order_in(Stage.FOLLOW_UP, follow_up_due=date(2026, 11, 20)), FROZEN)
    assert timer is not None and timer.level == "error"


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"follow_up_due": date(2026, 12, 1)}, "f/up 12-01"),
        ({"follow_up_due": date(2027, 1, 5)}, "f/up 2027-01-05"),
        ({"follow_up_due": date(2026, 11, 20)}, "overdue 11-20"),
        ({"follow_up_due": date(2025, 12, 30)}, "overdue 2025-12-30"),
    ],
)
def test_follow_up_dates_say_their_year_when_not_this_one(
    fields: dict[str, date], text: str
) -> None:
    timer = card_timer(order_in(Stage.FOLLOW_UP, **fields), FROZEN)
    assert timer is not None and timer.text == text


def test_the_cs_check_date_says_its_year_when_not_this_one() -> None:
    escalated = FROZEN - timedelta(days=2)
    this_year = order_in(Stage.REVIEW, escalated_at=escalated, next_check=date(2026, 12, 3))
    next_year = order_in(Stage.REVIEW, escalated_at=escalated, next_check=date(2027, 1, 3))
    timers = [card_timer(order, FROZEN) for order in (this_year, next_year)]
    assert [t.text if t else None for t in timers] == [
        "CS 2d · chk 12-03",
        "CS 2d · chk 2027-01-03",
    ]


def test_now_is_timezone_aware() -> None:
    assert FROZEN.tzinfo is not None
    assert isinstance(FROZEN, datetime)


def test_reopening_before_follow_up_clears_outcome_and_refund() -> None:
    closed = move_order(
        order_in(Stage.LESSONS),
        Move(Stage.CLOSED, outcome=Outcome.PARTIAL_REFUND, refund="9"),
        FROZEN,
    )
    assert closed.refund_cents == 900
    reopened = move_order(closed, Move(Stage.TALK), FROZEN)
    assert (reopened.outcome, reopened.refund_cents) == (None, 0)
    kept = move_order(closed, Move(Stage.FOLLOW_UP), FROZEN)
    assert kept.outcome is Outcome.PARTIAL_REFUND


@pytest.mark.parametrize(
    ("move", "message"),
    [
        (
            Move(Stage.CLOSED, outcome=Outcome.PARTIAL_REFUND, refund="26"),
            "a partial refund must be less than the order's 25.00 USD",
        ),
        # All of it is no partial refund: it was accepted, and counted as a case saved.
        (
            Move(Stage.CLOSED, outcome=Outcome.PARTIAL_REFUND, refund="25.00"),
            "^refund: a partial refund must be less than the order's 25.00 USD$",
        ),
        (
            Move(Stage.CLOSED, outcome=Outcome.PARTIAL_REFUND, refund="0.00"),
            "^refund: a partial refund must be more than zero$",
        ),
        (Move(Stage.CLOSED, outcome=Outcome.PARTIAL_REFUND), "required for a partial refund"),
        (Move(Stage.CLOSED, outcome=Outcome.SAVED, refund="5"), "only with the partial-refund"),
        (Move(Stage.REVIEW, refund="5"), "only with the partial-refund"),
    ],
)
def test_refunds_are_checked(move: Move, message: str) -> None:
    source = Stage.REQUESTED if move.to is Stage.REVIEW else Stage.TALK
    with pytest.raises(ValidationError, match=message) as caught:
        move_order(order_in(source), move, FROZEN)
    assert caught.value.field == "refund"


def test_no_default_reason_without_other_in_the_list() -> None:
    # The first reason ("Ordered by mistake" by default, which Fiverr may clear from the
    # seller's stats) was recorded though nobody chose it.
    with pytest.raises(ValidationError) as caught:
        move_order(order_in(Stage.TALK), Move(Stage.REQUESTED), FROZEN, reasons=["late", "scope"])
    assert caught.value.field == "reason"
    assert "no 'other' (one of late, scope)" in str(caught.value)
    chosen = Move(Stage.REQUESTED, reason="scope")
    assert move_order(order_in(Stage.TALK), chosen, FROZEN, reasons=["late", "scope"]).reason == (
        "scope"
    )


def test_a_reopen_into_requested_keeps_a_request_without_a_reason_as_it_was() -> None:
    # An import's order requested with no reason, closed, then reopened with '<' on a
    # list without 'other': refused, and the board offers no reason to give there.
    closed = order_in(
        Stage.CLOSED,
        requested_at=FROZEN,
        reason="",
        outcome=Outcome.CANCELLED_MUTUAL,
        refund_cents=2500,
    )
    back = move_order(closed, Move(Stage.REQUESTED), FROZEN, reasons=["late", "scope"])
    assert (back.stage, back.reason, back.requested_at) == (Stage.REQUESTED, "", FROZEN)


def test_an_order_read_lazily_says_its_entries_are_damaged_only_when_they_are_read() -> None:
    stored = new_order(OrderDraft("FO1", "Ana", gig="Logo"), FROZEN, "USD").to_dict()
    stored["entries"] = [{"kind": "note"}]  # no id, no text
    order = Order.from_dict(stored, lazy=True)
    assert order.number == "FO1" and order.buyer == "Ana"
    # A filter typed before the board reads entries still matches the order's own fields.
    assert "ana" in order.search_text() and "logo" in order.search_text()
    with pytest.raises(DamagedOrder, match="order FO1: its entries are damaged"):
        order.entries  # noqa: B018


def test_a_template_fills_each_placeholder_whatever_else_it_holds() -> None:
    # A stray brace (a smiley) or an unknown name left every placeholder unfilled.
    order = order_in(Stage.TALK)
    text = "Hi {buyer} :{ about {order} ({nope}, {0}, {{x}}) {gig"
    assert fill_template(text, order) == (
        f"Hi {order.buyer} :{{ about {order.number} ({{nope}}, {{0}}, {{{{x}}}}) {{gig"
    )


def test_reopening_into_requested_or_review_records_the_request_or_the_ticket() -> None:
    # The options were accepted and dropped: no reason, no initiator, no countdown.
    closed = order_in(Stage.CLOSED, outcome=Outcome.CANCELLED_BY_BUYER)
    later = FROZEN + timedelta(hours=5)
    reopened = move_order(
        closed, Move(Stage.REQUESTED, reason="scope", initiator=Initiator.BUYER), later
    )
    assert (reopened.reason, reopened.initiator, reopened.requested_at) == (
        "scope",
        Initiator.BUYER,
        later,
    )
    assert card_timer(reopened, later) is not None
    # Reopened as it was (the '<' from the archive): its request and its window kept.
    asked = order_in(Stage.CLOSED, reason="late", initiator=Initiator.BUYER, requested_at=FROZEN)
    again = move_order(asked, Move(Stage.REQUESTED), later)
    assert (again.reason, again.initiator, again.requested_at) == (
        "late",
        Initiator.BUYER,
        FROZEN,
    )
    # Reopened with a reason given: a new request, its 48 h from now.
    renewed = move_order(asked, Move(Stage.REQUESTED, reason="scope"), later)
    assert (renewed.reason, renewed.requested_at) == ("scope", later)
    review = move_order(closed, Move(Stage.REVIEW, ticket="CS-9"), later)
    assert (review.ticket, review.escalated_at) == ("CS-9", later)


@pytest.mark.parametrize(
    ("source", "move", "field"),
    [
        (Stage.TALK, Move(Stage.CLOSED, outcome=Outcome.SAVED, reason="scope"), "reason"),
        (Stage.TALK, Move(Stage.FOLLOW_UP, outcome=Outcome.SAVED, reason_text="x"), "reason_text"),
        (Stage.REVIEW, Move(Stage.TALK, initiator=Initiator.BUYER), "initiator"),
        (Stage.TALK, Move(Stage.REQUESTED, ticket="CS-1"), "ticket"),
        (
            Stage.REVIEW,
            Move(Stage.FOLLOW_UP, outcome=Outcome.CANCELLED_BY_CS, ticket="T"),
            "ticket",
        ),
    ],
)
def test_what_a_move_does_not_record_is_refused_not_dropped(
    source: Stage, move: Move, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        move_order(order_in(source), move, FROZEN)
    assert caught.value.field == field


def test_fullwidth_digits_are_not_a_date_in_the_form() -> None:
    # They were taken for digits, and the error said "no such date".
    with pytest.raises(ValidationError) as caught:
        parse_date("\uff12\uff10\uff12\uff16-11-01")
    assert caught.value.message.startswith("not a date in YYYY-MM-DD form")


def test_a_due_date_before_the_order_date_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        new_order(OrderDraft("FO1", "x", order_date="2026-11-20", due="2026-11-19"), FROZEN)
    assert caught.value.field == "due" and "before the order date" in caught.value.message
    same_day = new_order(OrderDraft("FO1", "x", order_date="2026-11-20", due="2026-11-20"), FROZEN)
    assert same_day.due == same_day.order_date


def test_a_refused_move_from_the_first_stage_offers_no_way_back() -> None:
    with pytest.raises(ValidationError) as caught:
        move_order(order_in(Stage.TALK), Move(Stage.LESSONS), FROZEN)
    assert caught.value.message.endswith("(from talk: requested, follow-up, closed)")
    with pytest.raises(ValidationError) as caught:
        move_order(order_in(Stage.REQUESTED), Move(Stage.LESSONS), FROZEN)
    assert caught.value.message.endswith(", or back)")


def test_back_from_follow_up_goes_where_the_order_came_from() -> None:
    # '<' put an order that was never escalated into Fiverr review, with no ticket.
    asked = move_order(order_in(Stage.TALK), Move(Stage.REQUESTED), FROZEN)
    accepted = move_order(asked, Move(Stage.FOLLOW_UP, outcome=Outcome.CANCELLED_MUTUAL), FROZEN)
    assert previous_stage(accepted) is Stage.REQUESTED
    saved = move_order(order_in(Stage.TALK), Move(Stage.FOLLOW_UP, outcome=Outcome.SAVED), FROZEN)
    assert previous_stage(saved) is Stage.TALK
    escalated = move_order(asked, Move(Stage.REVIEW), FROZEN)
    ruled = move_order(escalated, Move(Stage.FOLLOW_UP, outcome=Outcome.CANCELLED_BY_CS), FROZEN)
    assert previous_stage(ruled) is Stage.REVIEW


def _requested_then_resolved() -> Order:
    asked = move_order(
        order_in(Stage.TALK),
        Move(Stage.REQUESTED, reason="scope", initiator=Initiator.BUYER, reason_text="too big"),
        FROZEN,
    )
    escalated = move_order(asked, Move(Stage.REVIEW, ticket="CS-7"), FROZEN)
    escalated = replace(escalated, next_check=date(2026, 12, 1))
    return move_order(escalated, Move(Stage.FOLLOW_UP, outcome=Outcome.CANCELLED_BY_CS), FROZEN)


def test_moving_back_to_talk_clears_the_request_and_what_came_after() -> None:
    # The card back in talk kept its reason, who asked, ticket and follow-up date: 'show',
    # 'list --json' and the exports told of a request that was over.
    resolved = _requested_then_resolved()
    assert resolved.follow_up_due is not None
    back = move_order(resolved, Move(Stage.TALK), FROZEN)
    assert (back.reason, back.reason_text, back.initiator, back.requested_at) == (
        "",
        "",
        None,
        None,
    )
    assert (back.escalated_at, back.ticket, back.next_check) == (None, "", None)
    assert (back.follow_up_due, back.outcome, back.refund_cents) == (None, None, 0)
    # The history still tells the request, the ticket and the request's text.
    said = [event.detail for event in back.history]
    assert "reason: scope, asked by buyer" in said and "ticket CS-7" in said
    assert back.history[-1].detail == "the request said: too big"
    # A later resolution from talk goes back to talk, not to the request long over.
    saved = move_order(back, Move(Stage.FOLLOW_UP, outcome=Outcome.SAVED), FROZEN)
    assert previous_stage(saved) is Stage.TALK
    # The answer 'declined or withdrawn: keep talking' clears the request as well.
    asked = move_order(order_in(Stage.TALK), Move(Stage.REQUESTED, reason="scope"), FROZEN)
    talking = move_order(asked, Move(Stage.TALK, outcome=Outcome.WITHDRAWN), FROZEN)
    assert (talking.reason, talking.initiator, talking.requested_at) == ("", None, None)
    assert talking.outcome is Outcome.WITHDRAWN


def test_moving_back_keeps_the_stages_it_goes_back_to() -> None:
    resolved = _requested_then_resolved()
    # '<' from follow-up goes back to review: the escalation stays, the follow-up goes.
    assert previous_stage(resolved) is Stage.REVIEW
    review = move_order(resolved, Move(Stage.REVIEW), FROZEN)
    assert (review.escalated_at, review.ticket, review.next_check) == (
        FROZEN,
        "CS-7",
        date(2026, 12, 1),
    )
    assert (review.reason, review.initiator, review.follow_up_due) == (
        "scope",
        Initiator.BUYER,
        None,
    )
    # Back to requested: the request and its window stay, the escalation goes.
    requested = move_order(review, Move(Stage.REQUESTED), FROZEN)
    assert (requested.reason, requested.reason_text, requested.requested_at) == (
        "scope",
        "too big",
        FROZEN,
    )
    assert (requested.escalated_at, requested.ticket, requested.next_check) == (None, "", None)
    # Lessons back to follow-up keeps its follow-up date.
    lessons = move_order(resolved, Move(Stage.LESSONS), FROZEN)
    again = move_order(lessons, Move(Stage.FOLLOW_UP), FROZEN)
    assert again.follow_up_due == resolved.follow_up_due


def test_reopening_clears_what_came_after_the_stage_reopened_into() -> None:
    closed = move_order(
        _requested_then_resolved(), Move(Stage.CLOSED, outcome=Outcome.CANCELLED_BY_CS), FROZEN
    )
    talk = move_order(closed, Move(Stage.TALK), FROZEN)
    assert (talk.reason, talk.initiator, talk.ticket, talk.follow_up_due) == ("", None, "", None)
    review = move_order(closed, Move(Stage.REVIEW), FROZEN)
    assert (review.ticket, review.reason, review.follow_up_due) == ("CS-7", "scope", None)
    follow_up = move_order(closed, Move(Stage.FOLLOW_UP), FROZEN)
    assert follow_up.follow_up_due == closed.follow_up_due is not None
