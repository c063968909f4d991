"""The order actions both the board and the order screen offer: move, close, add entries.

Each asks what the change needs (in a modal), calls the board service off the event loop,
and reports the result; a stale screen's change is refused and the screen refreshed.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from textual.screen import Screen

from tui.board import Board, ConflictError, UndoStep
from tui.domain import (
    Direction,
    EntryKind,
    Initiator,
    Move,
    Order,
    OrderDraft,
    Outcome,
    Stage,
    Template,
    ValidationError,
    answer_time_left,
    fill_template,
    format_countdown,
    next_stage,
    previous_stage,
    resolutions,
)
from tui.store import StoreError
from tui.text import clean_text, format_amount

if TYPE_CHECKING:
    from textual.widget import AwaitMount

    from tui.app import CancelboardApp
    from tui.screens.editor import EntryDraft

T = TypeVar("T")


class Stale(str):
    """What a dialog's submit returns when its order was changed in another session: the
    dialog closes (the board shows the order as it is now, and says why) instead of asking
    again, and refusing again, about an order that has moved on."""


OUTCOME_KEYS: dict[Outcome, str] = {
    Outcome.SAVED: "s",
    Outcome.PARTIAL_REFUND: "p",
    Outcome.CANCELLED_MUTUAL: "m",
    Outcome.CANCELLED_NO_RESPONSE: "n",
    Outcome.CANCELLED_BY_BUYER: "b",
    Outcome.CANCELLED_BY_CS: "c",
    Outcome.CS_RULED_FOR_SELLER: "r",
    Outcome.WITHDRAWN: "w",
}
"""One key per outcome in the close modal."""


FREEZE_AFTER = 100_000
"""Objects a read must have made, and kept, to be frozen: reading the archive of 10,000
orders keeps ~180,000, converting them as many again (1,000 orders: a tenth of that);
names or lessons from an archive already read, next to none."""


async def read_closed_orders(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn``, which reads years of closed orders, in a thread with the collector off.

    Reading them makes hundreds of thousands of objects: with the collector on, its full
    passes walked them again and again while they were made (10,000 orders: the archive
    view drawn ~1.05 s after ``a`` instead of ~0.59 s; the lessons of every order read in
    390 ms instead of 244 ms). They live as long as the store keeps the archive read, so
    when a read made that many, they are frozen out of its passes. Only then: freezing
    also keeps whatever garbage is waiting for the collector (a closed command palette,
    ~2 MB at 5,000 orders), which a freeze on every read (each ``ctrl+p``) piled up."""
    gc.disable()
    made = gc.get_count()[0]
    try:
        return await asyncio.to_thread(fn, *args, **kwargs)
    finally:
        if gc.get_count()[0] - made > FREEZE_AFTER:
            gc.freeze()
        gc.enable()


SWITCH_INTERVAL = 0.0005
"""Python's thread switch interval while a change is laid out as it is written (5 ms
otherwise): the write's thread, back from each system call, waits this long at most for
the event loop's thread to let it run."""
HOLD_LIMIT = 0.5
"""Seconds a change's frames wait for its write (a few ms on a local disk). A write this
slow (a stalled network disk) shows the board as it was meanwhile, the screen live again
(notices, other sessions' changes), and the change once it is written."""


class EarlyShow:
    """A change laid out and drawn while it is written, shown once it is on disk.

    The service hands the changed order to :meth:`ready` (in its thread) as soon as it is
    worked out; the screen shows it at once, with the app's output held: the frames wait
    for :meth:`written`, or are dropped by :meth:`abandon` (the write failed, or took longer
    than :data:`HOLD_LIMIT`) and the screen put back as it was.
    """

    def __init__(self, screen: OrderActions) -> None:
        self.screen = screen
        self._loop = asyncio.get_running_loop()
        self._open = True
        self._shown = False
        self._timer: asyncio.TimerHandle | None = None
        self._switch: float | None = None
        self._collecting = False
        """Whether the collector was on when the change's frames were held."""

    def ready(self, order: Order) -> None:
        """The changed order, worked out (called in the service's thread)."""
        self._loop.call_soon_threadsafe(self._show, order)

    def _show(self, order: Order) -> None:
        app = self.screen.cb_app
        if not self._open or app.output_held:
            return  # written already; or another change's frames are held (this one then
            # shows as any change does, once written)
        app.hold_output()
        # The collector off while the frames are held: laying out and drawing a move
        # makes thousands of short-lived objects (strips, segments, styles), and its
        # passes over them ran inside the frame the seller waits for (~10 at 10,000
        # orders, one of them over the older generation: 3-4 ms of a ~35 ms '>'). They
        # run once the frames are on their way to the terminal (see :meth:`_collect`).
        self._collecting = gc.isenabled()
        gc.disable()
        self._switch = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        self._shown = True
        self._timer = self._loop.call_later(HOLD_LIMIT, self.abandon)
        try:
            self.screen.preview(order)
        except Exception as error:  # as a handler's error would: the app ends, saying it
            try:
                self.abandon()
            finally:
                app._handle_exception(error)

    def written(self) -> None:
        """The change is on disk: its frames go to the terminal."""
        self._close()
        try:
            if self._shown:
                self._shown = False
                self.screen.cb_app.release_output(write=True)
        finally:
            self._collect()

    def abandon(self) -> None:
        """Not (yet) on disk: the screen as it was before the change."""
        self._close()
        try:
            if self._shown:
                self._shown = False
                self.screen.cb_app.release_output(write=False)
                self.screen.unpreview()
        finally:
            self._collect()

    def _collect(self) -> None:
        """The collector back on, once the frames are handed on (its deferred pass runs
        at its next allocations, after the frames)."""
        if self._collecting:
            self._collecting = False
            gc.enable()

    def _close(self) -> None:
        self._open = False
        if self._switch is not None:
            sys.setswitchinterval(self._switch)
            self._switch = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class OrderActions(Screen[None]):
    """A screen that shows orders and changes them through the board service."""

    @property
    def cb_app(self) -> CancelboardApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    @property
    def board(self) -> Board:
        """The board service."""
        return self.cb_app.board

    def current_order(self) -> Order | None:
        """The order the next action applies to (the focused card, or the open order)."""
        raise NotImplementedError

    def selected_order(self) -> Order | None:
        """The order a key acts on; None, said, when the cursor is on no card (the keys
        did nothing, or said "add one with n" on a board full of orders)."""
        order = self.current_order()
        if order is None:
            self.cb_app.say(self.no_order_here(), "warning")
        return order

    def no_order_here(self) -> str:
        """What :meth:`selected_order` says when there is no order to act on."""
        return "No order here"

    async def reload(self, focus: str | None = None) -> None:
        """Show the board's state now, focusing ``focus`` if given."""
        raise NotImplementedError

    def preview(self, order: Order) -> None:
        """Show ``order`` as changed, before it is written (see :class:`EarlyShow`)."""

    def unpreview(self) -> None:
        """Show again what :meth:`preview` replaced."""

    def shows_early(self) -> bool:
        """Whether this screen shows a move as it is written (:meth:`preview`)."""
        return False

    # ---------------------------------------------------------------- calling the service

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a service call that only reads, in a thread (disk I/O stays off the event
        loop); one that writes goes through :meth:`CancelboardApp.write`."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def change(
        self,
        label: str,
        fn: Callable[..., Order],
        *args: Any,
        early: bool = False,
        **kwargs: Any,
    ) -> str | None:
        """Make a change; None when done, else the error to show where the user is.

        With ``early`` (``fn`` takes ``ready``, as :meth:`Board.move` does), a screen that
        :meth:`shows_early` lays the change out while it is written (see :class:`EarlyShow`).
        """
        try:
            if early and self.shows_early():
                order = await self._call_shown_early(fn, *args, **kwargs)
            else:
                order = await self.cb_app.write(fn, *args, **kwargs)
        except ValidationError as error:
            return str(error)
        except ConflictError as error:
            self.cb_app.say(str(error), "warning")
            await self.reload()
            return Stale(str(error))  # a dialog asking about it closes
        except StoreError as error:
            self.cb_app.say(str(error), "error")
            return str(error)
        self.cb_app.changed()
        await self.reload(focus=self.focus_after_change(order))
        if label:
            self.cb_app.say(label)
        return None

    def focus_after_change(self, order: Order) -> str | None:
        """The order to focus once ``order`` is changed (None: the cursor stays put)."""
        return order.number

    async def _call_shown_early(self, fn: Callable[..., Order], *args: Any, **kwargs: Any) -> Order:
        early = EarlyShow(self)
        try:
            order = await self.cb_app.write(fn, *args, ready=early.ready, **kwargs)
        except BaseException:
            early.abandon()
            raise
        early.written()
        return order

    # ---------------------------------------------------------------- moves

    async def action_advance(self) -> None:
        order = self.selected_order()
        if order is None:
            return
        target = next_stage(order.stage)
        if order.stage is Stage.TALK:
            self.ask_reason(order)
        elif order.stage is Stage.REQUESTED:
            self.ask_answer(order)
        elif order.stage is Stage.REVIEW:
            self.ask_cs_decision(order)
        elif target is Stage.CLOSED:
            self.ask_close(order)
        elif target is not None:
            await self.move(order, Move(to=target))

    async def action_back(self) -> None:
        order = self.selected_order()
        if order is None:
            return
        target = previous_stage(order)
        if target is None:
            self.cb_app.say(f"{order.number} is already in the first stage", "warning")
            return
        await self.move(order, Move(to=target))

    def show_saved_entry(self, kind: EntryKind) -> bool:
        """Bring a note, message or lesson just saved into sight, where entries show;
        whether it is in sight (then no notice need say it was saved)."""
        return False

    def announces(self, move: Move) -> bool:
        """Whether a move is worth a notice (on the board, only one that takes the card out
        of sight: the card moving, and the cursor with it, says the rest)."""
        return True

    async def move(self, order: Order, move: Move) -> str | None:
        label = f"{order.number} → {move.to.label}" if self.announces(move) else ""
        return await self.change(
            label, self.board.move, order.number, move, revision=order.revision, early=True
        )

    # The dialogs are imported when first asked for (the entry editor and the template
    # picker too): none is on screen at the start, and together they cost ~6.5 ms of it.

    def ask_reason(self, order: Order) -> None:
        from tui.screens.questions import ReasonModal

        async def submit(reason: str, initiator: Initiator, text: str) -> str | None:
            move = Move(Stage.REQUESTED, reason=reason, initiator=initiator, reason_text=text)
            return await self.move(order, move)

        self.app.push_screen(
            ReasonModal(
                self.board.reasons(),
                submit,
                subject=order.number,
                reason=order.reason,
                initiator=order.initiator,
                text=order.reason_text,
            )
        )

    def ask_answer(self, order: Order) -> None:
        from tui.screens.questions import Choice, ChoiceModal

        hours = self.board.settings.answer_window // timedelta(hours=1)
        # The buyer's own request is answered by the seller: it asked "what did the buyer
        # answer?" and recorded "buyer accepted" for what the seller had accepted.
        mine = order.initiator is not Initiator.BUYER
        choices = [
            Choice(
                "a",
                "Buyer accepted: cancelled" if mine else "I accepted: cancelled",
                ("follow", Outcome.CANCELLED_MUTUAL),
            ),
            Choice(
                "n",
                f"No answer in {hours} h: auto-cancelled",
                ("follow", Outcome.CANCELLED_NO_RESPONSE),
            ),
            Choice(
                "e",
                "Declined: escalate to Customer Support"
                if mine
                else "I declined: escalated to Customer Support",
                ("review", None),
                ask="CS ticket reference (optional), then enter",
            ),
            Choice(
                "t",
                "Declined or withdrawn: keep talking"
                if mine
                else "I declined, or the buyer withdrew: keep talking",
                ("talk", None),
            ),
        ]

        warned = False

        async def submit(value: tuple[str, Outcome | None], extra: str) -> str | None:
            nonlocal warned
            where, outcome = value
            if outcome is Outcome.CANCELLED_NO_RESPONSE and not warned:
                # Fiverr cancels only after 48 h of silence: recorded sooner, the board
                # said "cancelled" while the buyer could still answer. The board's clock
                # may be wrong (a request entered late), so a second "n" records it.
                left = answer_time_left(order, self.board.clock(), self.board.settings)
                if left > timedelta(0):
                    warned = True
                    window = self.board.settings.answer_window // timedelta(hours=1)
                    time = (
                        "under a minute"
                        if left < timedelta(minutes=1)
                        else (format_countdown(left).removesuffix(" left"))
                    )
                    return (
                        f"{'The buyer has' if mine else 'You have'} {time} left to answer;"
                        f" Fiverr cancels after {window} h of silence. Press n again to"
                        " record it anyway"
                    )
            if where == "review":
                return await self.move(order, Move(Stage.REVIEW, ticket=extra))
            if where == "talk":
                # Recorded as the buyer's answer (the history said only "moved", as '<').
                return await self.move(order, Move(Stage.TALK, outcome=Outcome.WITHDRAWN))
            return await self.move(order, Move(Stage.FOLLOW_UP, outcome=outcome))

        # The window closed: Fiverr has cancelled it; "no answer" is the likely answer.
        expired = answer_time_left(order, self.board.clock(), self.board.settings) <= timedelta(0)
        self.app.push_screen(
            ChoiceModal(
                f"{order.number}: what did the buyer answer?"
                if mine
                else f"{order.number}: the buyer asked to cancel; what did you answer?",
                choices,
                submit,
                default=1 if expired and order.requested_at is not None else 0,
            )
        )

    def ask_cs_decision(self, order: Order) -> None:
        from tui.screens.questions import Choice, ChoiceModal

        choices = [
            Choice("b", "CS decided for the buyer: cancelled", Outcome.CANCELLED_BY_CS),
            Choice("s", "CS decided for me: the order continues", Outcome.CS_RULED_FOR_SELLER),
        ]

        async def submit(outcome: Outcome, extra: str) -> str | None:
            return await self.move(order, Move(Stage.FOLLOW_UP, outcome=outcome))

        self.app.push_screen(ChoiceModal(f"{order.number}: what did CS decide?", choices, submit))

    def ask_close(self, order: Order) -> None:
        from tui.screens.questions import Choice, ChoiceModal

        # A partial refund recorded already (the order in Follow up) is what the close
        # records again unless changed: enter alone closes with it.
        refunded = (
            format_amount(order.refund_cents)
            if order.outcome is Outcome.PARTIAL_REFUND and order.refund_cents
            else ""
        )
        choices = [
            Choice(
                OUTCOME_KEYS[o],
                o.label,
                o,
                ask="Refund amount (e.g. 10.00), then enter" if o is Outcome.PARTIAL_REFUND else "",
                filled=refunded if o is Outcome.PARTIAL_REFUND else "",
            )
            for o in Outcome
        ]
        default = list(Outcome).index(order.outcome) if order.outcome else 0

        async def submit(outcome: Outcome, extra: str) -> str | None:
            return await self.move(order, Move(Stage.CLOSED, outcome=outcome, refund=extra or None))

        self.app.push_screen(
            ChoiceModal(f"Close {order.number} with outcome", choices, submit, default=default)
        )

    async def action_close(self) -> None:
        order = self.selected_order()
        if order is None:
            return
        if order.stage is Stage.CLOSED:
            self.cb_app.say(f"{order.number} is closed already; < reopens it", "warning")
            return
        self.ask_close(order)

    # ---------------------------------------------------------------- entries

    def ask_entry(
        self,
        kind: EntryKind,
        *,
        text: str = "",
        direction: Direction = Direction.FROM_BUYER,
        copy: bool = False,
    ) -> AwaitMount | None:
        """Open the editor for an entry of the current order; ``copy`` also copies it (OSC 52).
        Awaited, it returns once the editor has focus (see :meth:`action_note`)."""
        order = self.selected_order()
        if order is None:
            return None

        async def save(draft: EntryDraft) -> str | None:
            try:
                await self.cb_app.write(
                    self.board.add_entry,
                    order.number,
                    kind,
                    draft.text,
                    direction=draft.direction,
                    tags=draft.tags,
                )
            except (ValidationError, ConflictError, StoreError) as error:
                return str(error)
            self.cb_app.changed()
            await self.reload(focus=order.number)
            shown = self.show_saved_entry(kind)
            if copy:
                self.app.copy_to_clipboard(clean_text(draft.text))
                self.cb_app.say(f"Message logged to {order.number} and copied to the clipboard")
            elif not shown:
                self.cb_app.say(f"{kind.value.capitalize()} added to {order.number}")
            return None

        # Imported when first used (so is the template picker): the editor's TextArea is a
        # fifth of the app's imports.
        from tui.screens.editor import EntryEditor

        return self.app.push_screen(
            EntryEditor(kind, save, subject=order.number, text=text, direction=direction)
        )

    def action_templates(self) -> None:
        order = self.selected_order()
        if order is None:
            return

        def use(template: Template) -> None:
            self.ask_entry(
                EntryKind.MESSAGE,
                text=fill_template(template.text, order),
                direction=Direction.TO_BUYER,
                copy=True,
            )

        from tui.screens.templates import TemplatePicker

        self.app.push_screen(TemplatePicker(order, use))

    def action_history(self) -> None:
        from tui.screens.history import HistoryModal

        order = self.selected_order()
        if order is not None:
            self.app.push_screen(HistoryModal(order))

    def copy_order(self, order: Order) -> None:
        """Copy an order's main fields (OSC 52 reaches the local clipboard over SSH)."""
        lines = [
            f"Order {order.number}",
            f"Buyer: {order.buyer}",
            f"Gig: {order.gig}" if order.gig else "",
            f"Amount: {order.amount} {order.currency}",
            f"Stage: {order.stage.label}",
            f"Due: {order.due.isoformat()}" if order.due else "",
            f"Outcome: {order.outcome.label}" if order.outcome else "",
            f"CS ticket: {order.ticket}" if order.ticket else "",
        ]
        self.app.copy_to_clipboard("\n".join(line for line in lines if line))
        self.cb_app.say(f"Copied order {order.number} ({order.buyer}) to the clipboard")

    def action_copy(self) -> None:
        order = self.selected_order()
        if order is not None:
            self.copy_order(order)

    def action_resolve(self) -> None:
        from tui.screens.questions import Choice, ChoiceModal

        order = self.selected_order()
        if order is None:
            return
        if order.stage is Stage.REQUESTED:
            self.ask_answer(order)
            return
        if order.stage is Stage.REVIEW:
            self.ask_cs_decision(order)
            return
        options = resolutions(order.stage)
        if not options:
            way = "< reopens it" if order.stage is Stage.CLOSED else "x closes with an outcome"
            self.cb_app.say(f"Nothing to record in {order.stage.label}: {way}", "warning")
            return
        choices = [
            Choice(
                OUTCOME_KEYS[outcome],
                f"{outcome.label} → {target.label}",
                (target, outcome),
                ask="Refund amount (e.g. 10.00), then enter"
                if outcome is Outcome.PARTIAL_REFUND
                else "",
            )
            for target, outcome in options
        ]

        async def submit(value: tuple[Stage, Outcome], extra: str) -> str | None:
            target, outcome = value
            return await self.move(order, Move(target, outcome=outcome, refund=extra or None))

        self.app.push_screen(ChoiceModal(f"{order.number}: record an outcome", choices, submit))

    # The keys that open a form or an editor are priority bindings, and their actions wait
    # until it is up, its first field in focus: the keys typed right after them in one
    # burst (typed ahead over SSH, pasted) are read only then, and go into the field in
    # order. They were lost (see tui.screens.boxes).

    async def action_note(self) -> None:
        await self._opened(self.ask_entry(EntryKind.NOTE))

    async def action_message(self) -> None:
        await self._opened(self.ask_entry(EntryKind.MESSAGE))

    async def action_lesson(self) -> None:
        await self._opened(self.ask_entry(EntryKind.LESSON))

    @staticmethod
    async def _opened(mounting: AwaitMount | None) -> None:
        if mounting is not None:
            await mounting

    # ---------------------------------------------------------------- orders

    async def action_new(self) -> None:
        from tui.screens.forms import OrderForm

        async def save(draft: OrderDraft) -> None:
            order = await self.cb_app.write(self.board.add_order, draft)
            self.cb_app.changed()
            await self.reload(focus=order.number)
            self.cb_app.say(f"Added {order.number}")

        await self.app.push_screen(OrderForm("New order", save))

    async def action_edit(self) -> None:
        from tui.screens.forms import (
            OrderForm,
            changed_by_seller,
            changed_fields,
            conflict_message,
        )

        order = self.selected_order()
        if order is None:
            return

        revision = order.revision
        seen = order
        """The order as the form last showed it (after a conflict: as the other session
        left it, in each field the seller had not changed)."""

        async def save(draft: OrderDraft) -> None:
            nonlocal revision, seen
            # The form holds the order as last seen (after a conflict, the other session's
            # values where the seller changed nothing: take_theirs) with what was typed.
            try:
                new = await self.cb_app.write(
                    self.board.edit_order, order.number, draft, revision=revision
                )
            except ConflictError as error:
                await self.reload()
                if error.order is None:
                    raise ValidationError(
                        "form", f"{order.number} was deleted in another session"
                    ) from None
                # The form keeps what was typed; saving again is a deliberate overwrite of
                # what it names (the board behind the form cannot be seen).
                theirs = changed_fields(seen, error.order)
                mine = changed_by_seller(draft, seen)
                seen, revision = error.order, error.order.revision
                form = self.app.screen
                if isinstance(form, OrderForm):
                    form.take_theirs(error.order)
                raise ValidationError(
                    "form", conflict_message(order.number, theirs, mine)
                ) from None
            self.cb_app.changed()
            await self.reload(focus=new.number)
            self.cb_app.say(f"Saved {new.number}")

        await self.app.push_screen(OrderForm(f"Edit {order.number}", save, order))

    def action_delete(self) -> None:
        from tui.screens.questions import ConfirmModal

        order = self.selected_order()
        if order is None:
            return

        async def answered(yes: bool | None) -> None:
            if yes:
                await self.change(
                    f"Deleted {order.number} (u undoes)",
                    self.board.delete_order,
                    order.number,
                    revision=order.revision,
                )

        self.app.push_screen(
            ConfirmModal(
                f"Delete {order.number} ({order.buyer}) and all its entries?", "delete", "keep"
            ),
            answered,
        )

    async def action_undo(self) -> None:
        stack = self.board.undo_stack
        step = stack[-1] if stack else None
        refusal = self.undo_refused(step)
        if refusal:
            self.cb_app.say(refusal, "warning")
            return
        try:
            message = await self.cb_app.write(self.board.undo)
        except (ValidationError, ConflictError, StoreError) as error:
            self.cb_app.say(str(error), "warning")
            await self.reload()
            return
        self.cb_app.changed()
        await self.reload(focus=self.focus_after_undo(step))
        self.cb_app.say(message)

    def undo_refused(self, step: UndoStep | None) -> str | None:
        """Why this screen does not undo ``step`` (None: it does)."""
        return None

    def focus_after_undo(self, step: UndoStep | None) -> str | None:
        """The order to focus once ``step`` is undone (None: as it is)."""
        return None
