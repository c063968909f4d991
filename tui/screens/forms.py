"""The order form: new order (``n``) and edit (``e``), validated inline, kept as typed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.events import Resize
from textual.widgets import Footer, Input, Label, Static

from tui.domain import Order, OrderDraft, ValidationError, stage_fields_held
from tui.screens.modal import Modal
from tui.screens.questions import FIELD_KEYS, close_asking_if_typed
from tui.text import clean_line, shorten
from tui.widgets.line_input import LineInput
from tui.widgets.safe import safe_line

FIELDS: tuple[tuple[str, str, str], ...] = (
    ("number", "Order number", "e.g. FO5B2A1C3D4E"),
    ("buyer", "Buyer", "their Fiverr username"),
    ("gig", "Gig", "the gig's title"),
    ("amount", "Amount", "e.g. 25.00"),
    ("currency", "Currency", "USD"),
    ("due", "Due date", "YYYY-MM-DD"),
    ("order_date", "Order date", "YYYY-MM-DD, when the buyer ordered"),
    ("tags", "Tags", "#late #repeat-buyer"),
)
"""Draft field, label, placeholder: in the order the form shows them."""

EDIT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("next_check", "Next CS check", "YYYY-MM-DD, for a case in review"),
    ("follow_up_due", "Follow-up due", "YYYY-MM-DD"),
    ("ticket", "CS ticket", "Customer Support's reference, once they send it"),
    ("reason_text", "Details", "what the cancellation request said"),
)
"""What only makes sense once an order exists (dates, its request, its CS ticket): on the
edit form only."""

ERROR_FIELDS = {"order": "number"}
"""Validation field names that differ from the draft's."""

SaveOrder = Callable[[OrderDraft], Awaitable[None]]


class OrderForm(Modal[bool]):
    """Fields of an order; ``ctrl+s`` saves, ``escape`` cancels (asking if typed)."""

    HOLD_AFTER = frozenset({"ctrl+s"})

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="form.save"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
        Binding("enter", "enter", "Next field, or save on the last", show=False, priority=True),
        *FIELD_KEYS,
    ]

    def __init__(self, title: str, save: SaveOrder, order: Order | None = None) -> None:
        super().__init__(classes="form")
        self.title_text = title
        self.save = save
        self.initial = _draft_of(order) if order else OrderDraft("", "")
        # An order's stage fields once it has been through their stage (an order in Talk
        # to buyer has no request, CS ticket or follow-up date to edit).
        held = stage_fields_held(order) if order else frozenset()
        self.fields = FIELDS + tuple(field for field in EDIT_FIELDS if field[0] in held)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog") as dialog:
            dialog.border_title = self.title_text
            for name, label, placeholder in self.fields:
                with Horizontal(classes="field"):
                    yield Label(label, classes="field-label")
                    yield LineInput(
                        getattr(self.initial, name),
                        placeholder=placeholder,
                        id=f"f-{name}",
                        classes="field-input",
                        # Typing adds to what a field holds: selected on focus, the first
                        # key replaced it (an edit's 'ABC' renamed FO1234 to ABC).
                        select_on_focus=False,
                    )
                yield Static("", id=f"e-{name}", classes="error field-error")
            yield Static("", id="e-form", classes="error")
            yield Static("tab/shift+tab: fields · ctrl+s: save · escape: cancel", classes="hint")
        # Its own keys at the bottom, over the board's (whose letters type into the fields).
        yield Footer(compact=True)

    def on_mount(self) -> None:
        for error in self.query(".field-error"):
            error.display = False
        # At once, not after the keys already read: a burst typed after 'n' (typed ahead
        # over SSH, pasted) goes into the fields in order, where it was lost (see
        # tui.screens.boxes). The terminal's cursor is placed once the field is laid out.
        self.set_focus(self.query_one("#f-number", Input))
        self.call_after_refresh(self._place_cursor)

    def on_resize(self, event: Resize) -> None:
        # Each field takes two lines (one between): 12 of them scrolled at 80x24.
        self.set_class(event.size.height < 2 * len(self.fields) + 6, "-compact")
        self.call_after_refresh(self._place_cursor)

    def _place_cursor(self) -> None:
        if isinstance(self.focused, Input):
            self.app.cursor_position = self.focused.cursor_screen_offset

    def draft(self) -> OrderDraft:
        """The form's fields as typed."""
        values = {name: self.query_one(f"#f-{name}", Input).value for name, _, _ in self.fields}
        # Fields the form does not show stay as they were.
        return replace(self.initial, **values)

    def on_input_changed(self, event: Input.Changed) -> None:
        # A field's error goes once its text is changed (it said "required" while the
        # field already held a buyer); the next save checks again.
        name = (event.input.id or "").removeprefix("f-")
        for error in self.query(f"#e-{name}"):
            error.display = False

    async def action_enter(self) -> None:
        # Enter moves on like tab (at once, see FIELD_KEYS); on the last field it saves.
        if self.focused is not None and self.focused.id == f"f-{self.fields[-1][0]}":
            await self.action_save()
        else:
            self.focus_next()

    async def action_save(self) -> None:
        try:
            await self._save()
        finally:
            self.release_held()

    async def _save(self) -> None:
        for error in self.query(".field-error"):
            error.display = False
        self.query_one("#e-form", Static).update("")
        try:
            await self.save(self.draft())
        except ValidationError as error:
            name = ERROR_FIELDS.get(error.field, error.field)
            target = self.query(f"#e-{name}")
            if target and name in {field for field, _, _ in self.fields}:
                message = target.first(Static)
                message.update(safe_line(f"{error.message}"))
                message.display = True
                self.query_one(f"#f-{name}", Input).focus()
            else:
                self.query_one("#e-form", Static).update(safe_line(str(error)))
            return
        except Exception as error:  # a store error: keep the form as typed, say why
            self.query_one("#e-form", Static).update(safe_line(str(error)))
            return
        self.dismiss(True)

    def typed(self) -> bool:
        """Whether the fields hold text the seller would lose (escape, quitting)."""
        return self.draft() != self.initial

    def action_cancel(self) -> None:
        close_asking_if_typed(self, self.typed)

    def take_theirs(self, latest: Order) -> None:
        """After a conflict: each field the seller has not changed shows the order as
        another session left it (what a second save keeps)."""
        now = _draft_of(latest)
        for name, _, _ in self.fields:
            box = self.query_one(f"#f-{name}", Input)
            if box.value == getattr(self.initial, name):
                box.value = getattr(now, name)
        self.initial = now


_LABELS = {"number": "Order", **{name: label for name, label, _ in (*FIELDS, *EDIT_FIELDS)}}
"""Each draft field the forms show, by its label."""


def changed_fields(before: Order, after: Order) -> dict[str, str]:
    """The form's fields another session changed, by label, with their new values (for the
    conflict's one line: ``Buyer: DanB, Amount: 30.00``)."""
    was, now = _draft_of(before), _draft_of(after)
    return {
        label: shorten(getattr(now, name) or "(none)", 24)
        for name, label in _LABELS.items()
        if getattr(was, name) != getattr(now, name)
    }


def changed_by_seller(draft: OrderDraft, shown: Order) -> list[str]:
    """The labels of the fields the seller changed in the form since it showed ``shown``."""
    base = _draft_of(shown)
    return [label for name, label in _LABELS.items() if getattr(draft, name) != getattr(base, name)]


def conflict_message(number: str, theirs: dict[str, str], mine: list[str]) -> str:
    """What an edit conflict says: what the other session changed, and what saving again
    does (the seller's fields over theirs only where both changed one)."""
    if not theirs:
        return (
            f"{number} was changed in another session, in none of these fields (its stage"
            " or entries): ctrl+s again saves your changes"
        )
    said = ", ".join(f"{label}: {value}" for label, value in theirs.items())
    both = [label for label in mine if label in theirs]
    if both:
        then = f"ctrl+s again saves your {', '.join(both)} over theirs"
    else:
        then = "shown here; ctrl+s again saves yours with them"
    return f"{number} was changed in another session ({said}): {then}"


def _draft_of(order: Order) -> OrderDraft:
    return OrderDraft(
        number=order.number,
        buyer=order.buyer,
        gig=order.gig,
        amount=order.amount,
        currency=order.currency,
        due=order.due.isoformat() if order.due else "",
        order_date=order.order_date.isoformat() if order.order_date else "",
        tags=" ".join(f"#{t}" for t in order.tags),
        next_check=order.next_check.isoformat() if order.next_check else "",
        follow_up_due=order.follow_up_due.isoformat() if order.follow_up_due else "",
        ticket=order.ticket,
        reason_text=clean_line(order.reason_text),
    )
