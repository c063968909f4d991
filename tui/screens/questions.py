"""Small modals that ask one thing: a choice with one key each, a reason, a yes/no."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tui.domain import Initiator
from tui.screens.actions import Stale
from tui.screens.modal import Modal
from tui.widgets.line_input import LineInput
from tui.widgets.lists import Dialog, MovingList
from tui.widgets.safe import safe_line
from tui.widgets.toggle import Toggle

# Keys are routed to a widget when they arrive, so a field switch made by a normal binding
# lands after the keys typed right behind it (fast typing, a paste over SSH): those went
# into the old field. A priority binding moves focus before the next key is routed.
FIELD_KEYS = [
    Binding("tab", "app.focus_next", "Next field", show=False, priority=True),
    Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True),
]

Submit = Callable[..., Awaitable[str | None]]
"""Performs the change; returns None when done, or an error to show (the modal stays)."""


@dataclass(frozen=True)
class Choice:
    """One answer of a :class:`ChoiceModal`."""

    key: str
    """The single key that picks it."""
    label: str
    """What it says."""
    value: Any
    """Handed to the submit function."""
    ask: str = ""
    """If set, a line of input this answer needs (e.g. the refund amount)."""
    filled: str = ""
    """What that line holds to begin with (the refund recorded already)."""


class ChoiceModal(Modal[bool]):
    """Pick one answer by its key, or move with the arrows and press enter."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="modal.cancel")]

    def __init__(
        self,
        title: str,
        choices: Sequence[Choice],
        submit: Submit,
        *,
        default: int = 0,
        note: str = "",
    ) -> None:
        super().__init__(classes="question")
        self.title_text = title
        self.choices = list(choices)
        self.submit = submit
        self.default = default
        self.note = note
        self._picked: Choice | None = None
        # Each answer's key is a priority binding, run as it is read: the keys typed
        # right after it in one burst (an 'e' and the ticket, typed fast over SSH) then
        # reach the field it opens, not the list (whose enter picked the first answer).
        keys = self._bindings.key_to_bindings  # this screen's own copy of the dict
        for choice in self.choices:
            pick = Binding(choice.key, f"pick({choice.key!r})", show=False, priority=True)
            keys[choice.key] = [*keys.get(choice.key, ()), pick]  # a new list: not shared

    def compose(self) -> ComposeResult:
        with Dialog(id="dialog") as dialog:
            dialog.border_title = self.title_text
            if self.note:
                yield Static(safe_line(self.note), classes="note")
            options = [
                Option(Content.assemble((f" {c.key} ", "bold reverse"), "  ", c.label), id=str(i))
                for i, c in enumerate(self.choices)
            ]
            yield MovingList(*options, id="choices")
            yield Label("", id="ask-label")
            yield LineInput(id="ask")
            yield Static("", id="error", classes="error")
            yield Static("key, or ↑↓ (j k) + enter: choose · escape: cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#ask-label").display = False
        self.query_one("#ask", Input).display = False
        choices = self.query_one("#choices", OptionList)
        choices.highlighted = self.default
        self.set_focus(choices)  # at once: keys typed right after the key that opened it

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # An answer's key typed into the field an answer opened is text (a ticket's 'e').
        return action != "pick" or not isinstance(self.focused, Input)

    async def action_pick(self, key: str) -> None:
        choice = next((choice for choice in self.choices if choice.key == key), None)
        if choice is None or self._picked is not None:
            return
        if choice.ask:
            self._ask(choice)
        else:
            self.run_worker(self._finish(choice, ""))

    @on(OptionList.OptionSelected, "#choices")
    async def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        await self._pick(self.choices[int(event.option.id or 0)])

    @on(Input.Submitted, "#ask")
    async def _asked(self, event: Input.Submitted) -> None:
        event.stop()
        if self._picked is not None:
            await self._finish(self._picked, event.value)

    async def _pick(self, choice: Choice) -> None:
        if choice.ask:
            self._ask(choice)
            return
        await self._finish(choice, "")

    def _ask(self, choice: Choice) -> None:
        """The line of input ``choice`` needs, in focus at once."""
        self._picked = choice
        label = self.query_one("#ask-label", Label)
        label.update(Content(choice.ask))
        label.display = True
        ask = self.query_one("#ask", Input)
        if choice.filled and not ask.value:
            ask.value = choice.filled
            ask.cursor_position = len(ask.value)
        ask.display = True
        choices = self.query_one("#choices", OptionList)
        choices.highlighted = self.choices.index(choice)  # the answer being given
        self.set_focus(ask)

    _submitting = False
    """A choice is being recorded: keys typed meanwhile (the same key twice in one burst)
    pick nothing more."""

    async def _finish(self, choice: Choice, extra: str) -> None:
        if self._submitting:
            return
        self._submitting = True
        try:
            error = await self.submit(choice.value, extra)
        finally:
            self._submitting = False
        if error is None:
            self.dismiss(True)
        elif isinstance(error, Stale):
            self.dismiss(False)
        else:
            self.query_one("#error", Static).update(safe_line(error))

    def action_cancel(self) -> None:
        if self._picked is not None:
            # Back from the extra question to the list of answers.
            self._picked = None
            self.query_one("#ask-label").display = False
            self.query_one("#ask", Input).display = False
            self.query_one("#choices").focus()
            return
        self.dismiss(False)


class ReasonList(MovingList):
    """The reasons: ``j``/``k`` move as on the board, beside the arrows."""


class ReasonModal(Modal[bool]):
    """Entering 'Cancellation requested': the reason, who asked, and free text."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="modal.cancel"),
        Binding("ctrl+s", "save", "Save", id="modal.save"),
        # The list and the details take enter first (both send); on "who asked" it
        # sent nothing, it flipped the choice, while the hint said "enter: request".
        Binding("enter", "save", "Request", show=False),
        *FIELD_KEYS,
    ]

    def __init__(
        self,
        reasons: Sequence[tuple[str, str]],
        submit: Submit,
        *,
        subject: str = "",
        reason: str = "",
        initiator: Initiator | None = None,
        text: str = "",
    ) -> None:
        super().__init__(classes="question")
        self.reasons = list(reasons)
        self.submit = submit
        self.subject = subject
        self.initial_reason = reason
        self.initial_initiator = initiator or Initiator.ME
        self.initial_text = text

    def compose(self) -> ComposeResult:
        with Dialog(id="dialog") as dialog:
            title = "Cancellation requested: why?"
            dialog.border_title = f"{self.subject} · {title}" if self.subject else title
            yield ReasonList(
                *[Option(safe_line(label), id=rid) for rid, label in self.reasons], id="reasons"
            )
            yield Toggle(
                "Who asked:",
                [(Initiator.ME.value, "I did"), (Initiator.BUYER.value, "the buyer")],
                self.initial_initiator.value,
                id="initiator",
            )
            yield LineInput(
                self.initial_text,
                placeholder="details (optional)",
                id="reason-text",
                select_on_focus=False,
            )
            yield Static("", id="error", classes="error")
            yield Static(
                "enter: request · tab: who asked, details · escape: cancel", classes="hint"
            )

    def on_mount(self) -> None:
        reasons = self.query_one("#reasons", OptionList)
        ids = [rid for rid, _ in self.reasons]
        wanted = self.initial_reason if self.initial_reason in ids else "other"
        reasons.highlighted = ids.index(wanted) if wanted in ids else 0
        self.set_focus(reasons)  # at once: keys typed right after the key that opened it

    @on(OptionList.OptionSelected, "#reasons")
    async def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        await self.action_save()

    @on(Input.Submitted, "#reason-text")
    async def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        await self.action_save()

    async def action_save(self) -> None:
        reasons = self.query_one("#reasons", OptionList)
        option = reasons.highlighted_option
        reason = option.id if option is not None and option.id else "other"
        initiator = Initiator(self.query_one("#initiator", Toggle).value)
        text = self.query_one("#reason-text", Input).value
        error = await self.submit(reason, initiator, text)
        if error is None:
            self.dismiss(True)
        elif isinstance(error, Stale):
            self.dismiss(False)
        else:
            self.query_one("#error", Static).update(safe_line(error))

    def action_cancel(self) -> None:
        close_asking_if_typed(
            self, lambda: self.query_one("#reason-text", Input).value != self.initial_text
        )


class ConfirmModal(Modal[bool]):
    """A yes/no question: ``y`` yes, ``n`` or escape no."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, yes: str = "yes", no: str = "no") -> None:
        super().__init__(classes="question")
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Dialog(id="dialog") as dialog:
            dialog.border_title = "Are you sure?"
            yield Static(safe_line(self.question))
            yield Static(
                Content.assemble(
                    (" y ", "bold reverse"),
                    f" {self.yes}    ",
                    (" n ", "bold reverse"),
                    f" {self.no}",
                ),
                classes="hint",
            )

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


def close_asking_if_typed(
    screen: ModalScreen[Any], typed: Callable[[], bool], result: Any = False
) -> None:
    """Escape on a form or editor: close it, asking first if there is typed text to lose.

    ``typed`` reads the fields only once the screen is built: an escape typed right after
    the key that opened it can come before its fields exist, and nothing is typed yet."""
    if not screen.is_mounted or not typed():
        screen.dismiss(result)
        return

    def answered(discard: bool | None) -> None:
        if discard:
            screen.dismiss(result)

    screen.app.push_screen(
        ConfirmModal("Throw away what you typed?", "throw away", "keep editing"), answered
    )
