"""Buyer message templates: pick one, fill it from the order, edit, log and copy it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Footer, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from tui.domain import Order, Template, ValidationError, fill_template
from tui.screens.modal import Modal
from tui.screens.questions import FIELD_KEYS, ConfirmModal, close_asking_if_typed
from tui.store import StoreError
from tui.widgets.line_input import LineInput
from tui.widgets.lists import Dialog, MovingList
from tui.widgets.safe import safe, safe_line

Use = Callable[[Template], None]


class TemplatePicker(Modal[None]):
    """Templates for the order's stage first; enter uses one, e edits, n adds, D deletes."""

    BINDINGS = [
        Binding("escape", "dismiss", "Cancel", id="templates.cancel"),
        Binding("e", "edit", "Edit", id="templates.edit"),
        Binding("n", "new", "New", id="templates.new"),
        Binding("D", "delete", "Delete", id="templates.delete"),
    ]

    def __init__(self, order: Order, use: Use) -> None:
        super().__init__(classes="question")
        self.order = order
        self.use = use
        self.templates: list[Template] = []

    def compose(self) -> ComposeResult:
        with Dialog(id="dialog") as dialog:
            dialog.border_title = f"Message templates · {self.order.number}"
            yield MovingList(id="templates")
            yield Static("", id="preview", classes="hint")
        yield Footer(compact=True)

    async def on_mount(self) -> None:
        await self.reload()
        self.query_one("#templates").focus()

    @property
    def board(self):  # type: ignore[no-untyped-def]
        return self.app.board  # type: ignore[attr-defined]

    async def reload(self, select: str | None = None) -> None:
        """Read the templates again; highlight ``select``, else the one highlighted (another
        session's change read by the app's watch must not move the highlight)."""
        if select is None and (shown := self.current()) is not None:
            select = shown.id
        templates = await asyncio.to_thread(self.board.templates)
        stage = self.order.stage
        templates.sort(key=lambda t: stage not in t.stages)
        self.templates = templates
        options = self.query_one("#templates", OptionList)
        options.set_options(
            [
                Option(
                    Content.assemble(
                        ("● " if stage in t.stages else "  ", "$text-accent"), safe_line(t.title)
                    ),
                    id=t.id,
                )
                for t in templates
            ]
        )
        if templates:
            ids = [t.id for t in templates]
            options.highlighted = ids.index(select) if select in ids else 0

    def current(self) -> Template | None:
        option = self.query_one("#templates", OptionList).highlighted_option
        return next((t for t in self.templates if t.id == option.id), None) if option else None

    @on(OptionList.OptionHighlighted, "#templates")
    def _preview(self) -> None:
        template = self.current()
        if template is not None:
            text = fill_template(template.text, self.order)
            self.query_one("#preview", Static).update(safe(text, limit=400))

    @on(OptionList.OptionSelected, "#templates")
    def _chosen(self) -> None:
        template = self.current()
        if template is not None:
            self.dismiss()
            self.use(template)

    def action_edit(self) -> None:
        template = self.current()
        if template is not None:
            self.app.push_screen(TemplateEditor(template), self._edited)

    def action_new(self) -> None:
        self.app.push_screen(TemplateEditor(None), self._edited)

    async def _edited(self, template_id: str | None) -> None:
        if template_id:
            await self.reload(select=template_id)

    def action_delete(self) -> None:
        template = self.current()
        if template is None:
            return

        async def answered(yes: bool | None) -> None:
            if yes:
                try:
                    await self.app.write(self.board.delete_template, template.id)  # type: ignore[attr-defined]
                except (ValidationError, StoreError) as error:
                    self.app.notify(str(error), severity="warning", markup=False)
                else:
                    self.app.changed()  # type: ignore[attr-defined]
                await self.reload()

        self.app.push_screen(ConfirmModal(f"Delete the template {template.title!r}?"), answered)


class TemplateEditor(Modal[str | None]):
    """Title and text of a template; ctrl+s saves."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="template.save"),
        Binding("escape", "cancel", "Cancel", id="template.cancel"),
        *FIELD_KEYS,
    ]

    def __init__(self, template: Template | None) -> None:
        super().__init__(classes="editor")
        self.template = template

    def compose(self) -> ComposeResult:
        with Dialog(id="dialog") as dialog:
            dialog.border_title = "Edit template" if self.template else "New template"
            yield Label("Title")
            yield LineInput(
                self.template.title if self.template else "",
                placeholder="a short name, e.g. Offer a partial refund",
                id="title",
                select_on_focus=False,
            )
            yield Label("Text: {buyer} {order} {gig} {due} {amount} are filled in")
            yield TextArea(self.template.text if self.template else "", id="text", soft_wrap=True)
            yield Static("", id="error", classes="error")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#title").focus()

    def typed(self) -> bool:
        """Whether the editor holds text the seller would lose (escape, quitting)."""
        title = self.query_one("#title", Input).value
        text = self.query_one("#text", TextArea).text
        was = (self.template.title, self.template.text) if self.template else ("", "")
        return (title, text) != was

    def action_cancel(self) -> None:
        close_asking_if_typed(self, self.typed, None)

    async def action_save(self) -> None:
        title = self.query_one("#title", Input).value
        text = self.query_one("#text", TextArea).text
        try:
            saved = await self.app.write(  # type: ignore[attr-defined]
                self.app.board.save_template,  # type: ignore[attr-defined]
                title,
                text,
                template_id=self.template.id if self.template else None,
            )
        except (ValidationError, StoreError) as error:
            self.query_one("#error", Static).update(safe_line(str(error)))
            return
        # Written here: not a change for the app's watch to read again (it read the picker
        # again without the template to highlight, and the first one was highlighted).
        self.app.changed()  # type: ignore[attr-defined]
        self.dismiss(saved.id)
