"""One order: its fields, then Notes, Buyer messages and Lessons, newest last."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from tui.board import UndoStep
from tui.domain import Entry, EntryKind, Order, Stage, ValidationError, card_timer
from tui.screens.actions import OrderActions
from tui.text import format_amount
from tui.widgets.card import LEVEL_STYLES
from tui.widgets.entry_list import EntryList
from tui.widgets.keybar import KeyBar
from tui.widgets.safe import in_part, safe_line

PANELS: tuple[tuple[EntryKind, str], ...] = (
    (EntryKind.NOTE, "Notes"),
    (EntryKind.MESSAGE, "Buyer messages"),
    (EntryKind.LESSON, "Lessons"),
)
SHOWN_CHARS = 2000
"""Longer entries are cut in the list (a 1 MB paste must not stall the screen)."""


def entry_content(entry: Entry) -> Content:
    """An entry in its panel: time (and direction), then its text."""
    stamp = entry.at.astimezone().strftime("%Y-%m-%d %H:%M")
    head = stamp
    if entry.direction is not None:
        head += f" · {entry.direction.label}"
    if entry.tags:
        head += " · #" + " #".join(entry.tags)
    return Content.assemble((head, "$text-muted"), "\n", in_part(entry.text, SHOWN_CHARS))


class EntryPanel(EntryList):
    """A scrollable list of one kind of entry."""

    def __init__(self, kind: EntryKind, title: str) -> None:
        super().__init__(id=f"panel-{kind.value}", classes="entry-panel")
        self.kind = kind
        self.title = title
        self.border_title = title
        self._shown: tuple[str, ...] | None = None

    _count: int | None = None

    def on_resize(self) -> None:
        self._set_title()

    def _set_title(self) -> None:
        """The title and its count; "Messages" where "Buyer messages" would cut the count
        (at 60 columns: "Buyer message…")."""
        count = "" if self._count is None else f" ({self._count})"
        title = self.title
        if self.size.width and len(title + count) + 4 > self.size.width:
            title = title.split()[-1].capitalize()
        self.border_title = title + count

    def show_entries(self, entries: tuple[Entry, ...]) -> None:
        """Show entries oldest first, keeping the view on the newest."""
        ids = tuple(e.id for e in entries)
        if ids == self._shown:
            return
        self._shown = ids
        self._count = len(entries)
        self._set_title()
        options: list[Option | None] = []
        for index, entry in enumerate(entries):
            if index:
                options.append(None)
            options.append(Option(entry_content(entry), id=entry.id))
        if not entries:
            options.append(
                Option(Content.styled("nothing yet", "italic $text-muted"), disabled=True)
            )
        self.set_options(options)
        if entries:
            self.highlighted = self.option_count - 1
            self.scroll_end(animate=False)


class OrderScreen(OrderActions):
    """The whole of one order."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Board", id="order.back_to_board"),
        Binding("N", "note", "Note", id="order.note", priority=True),
        Binding("M", "message", "Message", id="order.message", priority=True),
        Binding("L", "lesson", "Lesson", id="order.lesson", priority=True),
        Binding("e", "edit", "Edit", show=False, id="order.edit", priority=True),
        Binding("greater_than_sign", "advance", "Advance", key_display=">", id="order.advance"),
        Binding("less_than_sign", "back", "Back", key_display="<", id="order.back"),
        Binding("x", "close", "Close", show=False, id="order.close"),
        Binding("u", "undo", "Undo", show=False, id="order.undo"),
        Binding("o", "resolve", "Record outcome", show=False, id="order.resolve"),
        Binding("T", "templates", "Templates", show=False, id="order.templates"),
        Binding("H", "history", "History", show=False, id="order.history"),
        Binding("y", "copy", "Copy", id="order.copy"),
        Binding("D", "delete", "Delete", show=False, id="order.delete"),
        Binding("left,h", "app.focus_previous", "Previous panel", show=False, id="order.left"),
        Binding("right,l", "app.focus_next", "Next panel", show=False, id="order.right"),
    ]

    def show_saved_entry(self, kind: EntryKind) -> bool:
        # Its panel takes the keys, the new entry (its last) highlighted: added from
        # another panel, it showed unmarked at the bottom of its own, the cursor left on
        # the note the seller had been reading. No notice: over the panels' lower right
        # corner, where the entry lands, it hid it (a lesson's, whole) for 5 s.
        panel = self.query_one(f"#panel-{kind.value}", EntryPanel)
        if panel.option_count:
            panel.highlighted = panel.option_count - 1
        panel.focus()
        return True

    def __init__(self, number: str) -> None:
        super().__init__(classes="order-screen")
        self.number = number
        self.order: Order | None = None
        self.gone = False
        """The order left the board (another session deleted or renamed it)."""

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static(id="fields")
        with Horizontal(id="panels"):
            for kind, title in PANELS:
                with Vertical(classes="panel-box"):
                    yield EntryPanel(kind, title)
        yield KeyBar()

    async def on_mount(self) -> None:
        self.query_one(EntryPanel).focus()
        await self.reload()

    def current_order(self) -> Order | None:
        return self.order

    async def on_screen_resume(self) -> None:
        if self.gone:
            await self.reload()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on an entry: its whole text (a panel shows the first part of a long one,
        and a tall one in a small terminal is easier read on its own)."""
        if not isinstance(event.option_list, EntryPanel) or self.order is None:
            return
        entry = next((e for e in self.order.entries if e.id == event.option.id), None)
        if entry is not None:
            from tui.screens.entry_view import EntryModal

            self.app.push_screen(EntryModal(entry, self.order.number))

    def action_copy(self) -> None:
        """Copy the highlighted entry, or the order when no entry is highlighted."""
        focused = self.focused
        if isinstance(focused, EntryPanel) and self.order is not None:
            option = focused.highlighted_option
            entry = next((e for e in self.order.entries if option and e.id == option.id), None)
            if entry is not None:
                self.app.copy_to_clipboard(entry.text)
                what = (
                    entry.kind.value
                    if entry.direction is None
                    else f"message {entry.direction.label}"
                )
                self.cb_app.say(
                    f"Copied the {what} of {entry.at.astimezone():%Y-%m-%d %H:%M} ({len(entry.text)} characters)"
                )
                return
        if self.order is not None:
            self.copy_order(self.order)

    def undo_refused(self, step: UndoStep | None) -> str | None:
        # One order's screen undoes that order's changes only: the last change may be to
        # another order (one just added, whose undo deletes it) that is not in sight here.
        if step is None or step.number == self.number:
            return None
        return f"The last change ({step.label}) was not to {self.number}: undo it on the board"

    def focus_after_undo(self, step: UndoStep | None) -> str | None:
        # An edit that renamed the order, undone: this screen follows it to its old number.
        return step.number_after if step else None

    async def reload(self, focus: str | None = None) -> None:
        if focus:
            self.number = focus
        try:
            order = await self.call(self.board.get, self.number)
        except ValidationError:
            self.gone = True
            if self.app.screen is self:
                self.cb_app.say(f"{self.number} is no longer on the board", "warning")
                self.dismiss()
            # Under a modal (a note being typed), leave it be: closing the screen now would
            # pop the modal and its text. We leave once the user comes back here.
            return
        self.order = order
        self.sub_title = order.number
        self.query_one("#fields", Static).update(self.fields_content(order))
        for panel in self.query(EntryPanel):
            panel.show_entries(order.entries_of(panel.kind))

    def fields_content(self, order: Order) -> Content:
        """The order's fields, a few lines."""
        now = self.board.clock()
        timer = card_timer(order, now, self.board.settings)
        if timer is not None and timer.text.startswith("due "):
            timer = None  # the next line says it, with its year ("due 12-08", then "due
            # 2026-12-08": twice, and the first line broke at 80 columns)
        if order.stage is Stage.CLOSED:
            timer = None  # its outcome, which the next line says in words

        line1 = Content.assemble(
            safe_line(order.number, "bold"),
            "  ",
            safe_line(order.buyer, "bold $text-accent"),
            f"  {order.amount} {order.currency}",
            ("  [" + order.stage.label + "]", "$text-primary"),
            (
                "  " + timer.text if timer else "",
                LEVEL_STYLES.get(timer.level, "") if timer else "",
            ),
        )
        bits = []
        if order.gig:
            bits.append(safe_line(order.gig, limit=60))
        if order.due:
            bits.append(Content(f"due {order.due.isoformat()}"))
        if order.outcome:
            said = f"outcome: {order.outcome.label}"
            if order.refund_cents:
                # What was refunded, for the follow-up: 'show' said it, the screen did not.
                said += f", {format_amount(order.refund_cents)} {order.currency} refunded"
            bits.append(Content(said))
        line2 = Content(" · ").join(bits) if bits else Content("")
        more = []
        if order.reason:
            labels = dict(self.board.reasons())
            more.append(safe_line(f"reason: {labels.get(order.reason, order.reason)}"))
        if order.initiator:
            more.append(Content(f"asked by {order.initiator.value}"))
        if order.ticket:
            more.append(safe_line(f"CS ticket {order.ticket}"))
        if order.tags:
            more.append(safe_line("#" + " #".join(order.tags), "$text-accent"))
        line3 = Content(" · ").join(more) if more else Content("")
        lines = [line1, line2, line3]
        if order.reason_text:
            # Whole, on lines of its own (cut at 60 characters, it was never shown whole).
            lines.append(safe_line(order.reason_text, "italic"))
        return Content("\n").join(lines)
