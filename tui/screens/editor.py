"""The multi-line editor for notes, buyer messages and lessons (``N``, ``M``, ``L``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, Label, Static, TextArea

from tui import external
from tui.domain import Direction, EntryKind
from tui.screens.modal import Modal
from tui.screens.questions import FIELD_KEYS, close_asking_if_typed
from tui.text import clean_text
from tui.widgets.line_input import LineInput
from tui.widgets.safe import safe_line
from tui.widgets.toggle import Toggle


@dataclass(frozen=True)
class EntryDraft:
    """What the editor gives when saved."""

    text: str
    """The text as typed."""
    direction: Direction | None = None
    """For messages: who sent it."""
    tags: str = ""
    """For lessons: tags as typed."""


SaveEntry = Callable[[EntryDraft], Awaitable[str | None]]

TITLES = {
    EntryKind.NOTE: "Private note",
    EntryKind.MESSAGE: "Buyer message",
    EntryKind.LESSON: "Lesson learned",
}


class EntryEditor(Modal[bool]):
    """Write an entry; it closes only once the entry is saved, so nothing typed is lost."""

    HOLD_AFTER = frozenset({"ctrl+s"})

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="editor.save"),
        Binding("escape", "cancel", "Cancel", id="editor.cancel"),
        Binding("ctrl+o", "external", "$EDITOR", id="editor.external"),
        *FIELD_KEYS,
    ]

    def __init__(
        self,
        kind: EntryKind,
        save: SaveEntry,
        *,
        subject: str = "",
        text: str = "",
        direction: Direction = Direction.FROM_BUYER,
    ) -> None:
        super().__init__(classes="editor")
        self.kind = kind
        self.save = save
        self.subject = subject
        self.initial_text = text
        self.initial_direction = direction

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = TITLES[self.kind] + (f" · {self.subject}" if self.subject else "")
            yield TextArea(self.initial_text, id="text", soft_wrap=True, tab_behavior="focus")
            if self.kind is EntryKind.MESSAGE:
                yield Toggle(
                    "Sent:",
                    [
                        (Direction.FROM_BUYER.value, "from the buyer"),
                        (Direction.TO_BUYER.value, "to the buyer"),
                    ],
                    self.initial_direction.value,
                    id="direction",
                )
            if self.kind is EntryKind.LESSON:
                with Horizontal(classes="field"):
                    yield Label("Tags", classes="field-label")
                    yield LineInput(placeholder="#scope #pricing", id="tags", classes="field-input")
            yield Static("", id="error", classes="error")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        area = self.query_one("#text", TextArea)
        # At once: keys typed right after the key that opened it go in (see OrderForm).
        self.set_focus(area)
        area.move_cursor(area.document.end)
        self.call_after_refresh(self._place_cursor)

    def _place_cursor(self) -> None:
        if isinstance(self.focused, TextArea):
            self.app.cursor_position = self.focused.cursor_screen_offset

    def draft(self) -> EntryDraft:
        """The editor's content as typed."""
        direction = None
        if self.kind is EntryKind.MESSAGE:
            direction = Direction(self.query_one("#direction", Toggle).value)
        tags = self.query_one("#tags", Input).value if self.kind is EntryKind.LESSON else ""
        return EntryDraft(self.query_one("#text", TextArea).text, direction, tags)

    async def action_save(self) -> None:
        try:
            error = await self.save(self.draft())
            if error is None:
                self.dismiss(True)
            else:
                self.query_one("#error", Static).update(safe_line(error))
        finally:
            self.release_held()

    def action_external(self) -> None:
        """Edit the text in $VISUAL/$EDITOR (over SSH too: the terminal is handed over)."""
        command = external.editor_command()
        area = self.query_one("#text", TextArea)
        if command is None:
            self.query_one("#error", Static).update("No editor found: set $EDITOR")
            return
        try:
            with self.app.suspend():
                edited = external.edit_text(area.text, command)
        except SuspendNotSupported:
            self.query_one("#error", Static).update("This terminal cannot hand over to an editor")
            return
        if edited is None:
            self.query_one("#error", Static).update(
                safe_line(f"{command[0]} failed; your text is unchanged")
            )
            return
        area.load_text(clean_text(edited))
        area.move_cursor(area.document.end)
        area.focus()

    def typed(self) -> bool:
        """Whether the editor holds text the seller would lose (escape, quitting)."""
        draft = self.draft()
        return draft.text != self.initial_text or bool(draft.tags)

    def action_cancel(self) -> None:
        close_asking_if_typed(self, self.typed)
