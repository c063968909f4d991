"""A one-line text field that takes a pasted text of several lines whole."""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class LineInput(Input):
    """An :class:`Input` where a paste of several lines goes in joined by spaces.

    Textual's keeps the first line only: a buyer's message of two lines pasted as a
    request's details lost its second, with no word said (the command line joins them).
    """

    def _on_paste(self, event: events.Paste) -> None:
        if event.text:
            text = event.text.replace("\t", " ")  # a tab showed as a wide gap
            line = " ".join(part.strip() for part in text.splitlines() if part.strip())
            if self.selection.is_empty:
                self.insert_text_at_cursor(line)
            else:
                self.replace(line, *self.selection)
        event.stop()
        event.prevent_default()  # Input's own handler would paste the first line again
