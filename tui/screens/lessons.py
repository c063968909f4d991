"""The lessons library (``2``): every lesson, from every order and general ones, newest first."""

from __future__ import annotations

import asyncio

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Header, Input, OptionList
from textual.widgets.option_list import Option

from tui.domain import EntryKind, Lesson, ValidationError
from tui.screens.actions import read_closed_orders
from tui.screens.boxes import typed_into_box
from tui.screens.editor import EntryDraft, EntryEditor
from tui.screens.order import SHOWN_CHARS
from tui.store import ArchiveError, Fingerprint, StoreError
from tui.text import searchable
from tui.widgets.entry_list import EntryList
from tui.widgets.keybar import KeyBar
from tui.widgets.line_input import LineInput
from tui.widgets.safe import in_part, safe_line

_UNREAD = object()

LESSONS_SHOWN = 200
"""Lessons listed at most: the newest that match. Laying out every lesson of years of
orders took ~10 s at 10,000 (each is wrapped to the width); a search finds any other."""


def lesson_content(lesson: Lesson) -> Content:
    """A lesson in the library: when, which order and how it ended, tags, then the text."""
    head = lesson.entry.at.astimezone().strftime("%Y-%m-%d")
    head += f" · {lesson.order}" if lesson.order else " · general"
    if lesson.outcome:
        head += f" ({lesson.outcome.label})"
    parts = [Content.styled(head, "$text-muted")]
    if lesson.entry.tags:
        parts.append(safe_line(" #" + " #".join(lesson.entry.tags), "$text-accent"))
    return Content.assemble(*parts, "\n", in_part(lesson.entry.text, SHOWN_CHARS))


class LessonsScreen(Screen[None]):
    """Search lessons by text or #tag; add a general one with n."""

    BINDINGS = [
        # Answered as read, before the keys typed after it (see tui.screens.boxes).
        Binding("slash", "search", "Search", key_display="/", id="lessons.search", priority=True),
        Binding("n,L", "new", "New lesson", id="lessons.new"),
        Binding("escape", "clear", "Clear search, then board", show=False, id="lessons.clear"),
        Binding("j", "cursor_down", "Down", show=False, id="lessons.down"),
        Binding("k", "cursor_up", "Up", show=False, id="lessons.up"),
        # As in the board's columns, beside the list's own home and end.
        Binding("g", "first", "First", show=False, id="lessons.first"),
        Binding("G", "last", "Last", show=False, id="lessons.last"),
        # Not priority: in the search box, its own ctrl+u and ctrl+d edit.
        Binding("ctrl+d", "half_page(1)", "Half page down", show=False, id="lessons.half_down"),
        Binding("ctrl+u", "half_page(-1)", "Half page up", show=False, id="lessons.half_up"),
    ]

    def __init__(self) -> None:
        super().__init__(id="lessons")
        self.lessons: list[Lesson] = []
        self.read_for: Fingerprint | None | object = _UNREAD
        """The files' fingerprint when the lessons listed were read: the app's watch reads
        them again when the files differ (a change this session wrote meanwhile)."""

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield LineInput(placeholder="/ search lessons: text or #tag", id="search")
        yield EntryList(id="lesson-list")
        yield KeyBar()

    async def on_mount(self) -> None:
        self.sub_title = "Lessons library"
        self.query_one("#lesson-list").focus()
        await self.reload()

    async def on_screen_resume(self) -> None:
        # Back from the board or an order: what was written there (a lesson, an order
        # closed) shows here too. The files unchanged since the last read (Textual resumes
        # a mode's screen twice on its first visit), there is nothing to read. Nor while a
        # change made here is written: the watch reads it once written.
        if self.app.writing or self.read_for == self._fingerprint():  # type: ignore[attr-defined]
            return
        await self.reload()

    def _fingerprint(self) -> Fingerprint | None:
        try:
            return self.app.board.store.fingerprint()  # type: ignore[attr-defined, no-any-return]
        except StoreError:
            return None

    async def reload(self, focus: str | None = None) -> None:
        board = self.app.board  # type: ignore[attr-defined]
        self.read_for = self._fingerprint()  # before reading: a change meanwhile is read again
        try:
            self.lessons = await read_closed_orders(board.lessons)
        except ArchiveError as error:
            # The open orders' lessons do not need the archive: they are listed, and what
            # is wrong with the archive is said (it ended the app).
            self.app.say(str(error), "error")  # type: ignore[attr-defined]
            try:
                self.lessons = await asyncio.to_thread(board.lessons, archived=False)
            except StoreError as again:
                self.app.say(str(again), "error")  # type: ignore[attr-defined]
        except StoreError as error:
            # The board file itself (another program wrote it): said; the lessons listed
            # stay as they were.
            self.app.say(str(error), "error")  # type: ignore[attr-defined]
        self.show()

    def show(self) -> None:
        needle = searchable(self.query_one("#search", Input).value.strip())
        matching = [
            lesson
            for lesson in self.lessons
            if not needle
            or needle in searchable(lesson.entry.text)
            or needle.lstrip("#") in map(searchable, lesson.entry.tags)
            or (lesson.order and needle in lesson.order.lower())
        ]
        shown = matching[:LESSONS_SHOWN]
        options: list[Option | None] = []
        for index, lesson in enumerate(shown):
            if index:
                options.append(None)
            options.append(Option(lesson_content(lesson), id=lesson.entry.id))
        if not shown:
            hint = "No lessons match." if needle else "No lessons yet: n adds a general one."
            options.append(Option(Content.styled(hint, "italic $text-muted"), disabled=True))
        elif len(matching) > len(shown):
            hint = f"{len(matching) - len(shown):,} older: / searches them all."
            options += [None, Option(Content.styled(hint, "italic $text-muted"), disabled=True)]
        listing = self.query_one("#lesson-list", OptionList)
        listing.set_options(options)
        if shown:
            listing.highlighted = 0  # the newest: enter reads it, j reads on through it
        if len(matching) > len(shown):
            which = " matching" if needle else ""
            title = f"Lessons (newest {len(shown):,} of {len(matching):,}{which})"
        else:
            title = f"Lessons ({len(shown):,} of {len(self.lessons):,})"
        listing.border_title = title

    @on(OptionList.OptionSelected, "#lesson-list")
    def _read_whole(self, event: OptionList.OptionSelected) -> None:
        """Enter on a lesson: all of it, on its own (the list shows its first part, and
        one taller than the screen is easier read there; a general lesson has no order
        screen to read it on)."""
        lesson = next((each for each in self.lessons if each.entry.id == event.option.id), None)
        if lesson is not None:
            from tui.screens.entry_view import EntryModal

            self.app.push_screen(EntryModal(lesson.entry, lesson.order or "general"))

    @on(Input.Changed, "#search")
    def _search(self) -> None:
        self.show()

    @on(Input.Submitted, "#search")
    def _searched(self) -> None:
        self.query_one("#lesson-list").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action != "search" or not typed_into_box(self, "/")

    def action_search(self) -> None:
        self.set_focus(self.query_one("#search", Input))  # at once: the next key is its

    def action_clear(self) -> None:
        search = self.query_one("#search", Input)
        if not search.value and not search.has_focus:
            # Nothing to clear: back to the board, as escape leaves every other screen.
            self.app.switch_mode("board")
            return
        search.value = ""
        self.query_one("#lesson-list").focus()

    def action_cursor_down(self) -> None:
        self.query_one("#lesson-list", OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#lesson-list", OptionList).action_cursor_up()

    def action_first(self) -> None:
        self.query_one("#lesson-list", OptionList).action_first()

    def action_last(self) -> None:
        self.query_one("#lesson-list", OptionList).action_last()

    def action_half_page(self, direction: int) -> None:
        listing = self.query_one("#lesson-list", EntryList)
        if direction > 0:
            listing.action_half_page_down()
        else:
            listing.action_half_page_up()

    def action_new(self) -> None:
        board = self.app.board  # type: ignore[attr-defined]

        async def save(draft: EntryDraft) -> str | None:
            try:
                await self.app.write(board.add_general_lesson, draft.text, draft.tags)  # type: ignore[attr-defined]
            except (ValidationError, StoreError) as error:
                return str(error)
            self.app.changed()  # type: ignore[attr-defined]
            await self.reload()
            self.app.notify("Lesson added to the library", markup=False)
            return None

        self.app.push_screen(EntryEditor(EntryKind.LESSON, save, subject="general"))
