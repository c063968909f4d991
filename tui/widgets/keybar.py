"""A fixed line of the main keys: what Textual's Footer shows, without its per-focus rebuild.

The Footer recomposes itself whenever focus moves, and each time the whole screen is laid
out again (measured: a column move cost ~250 ms and 67 kB of output at 120x40). The keys
a screen shows do not change with focus here, so they are read once from the screen's and
the app's real bindings.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static


class KeyBar(Static):
    """The ``show=True`` bindings of its screen, then the app's, on one line."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 100%;
        background: $footer-background;
        color: $footer-foreground;
    }
    """

    def on_mount(self) -> None:
        self.update(self.keys_content())

    def keys_content(self) -> Content:
        """``key description`` pairs, keys in bold accent."""
        bindings: list[Binding] = []
        for node in (self.screen, self.app):
            for binding in node.BINDINGS:
                if isinstance(binding, Binding) and binding.show and binding.description:
                    bindings.append(binding)
        parts: list[str | tuple[str, str]] = []
        for binding in bindings:
            parts.append((f" {self.app.get_key_display(binding)}", "bold $footer-key-foreground"))
            parts.append(f" {binding.description} ")
        parts.append(("  ^p", "bold $footer-key-foreground"))
        parts.append(" palette")
        return Content.assemble(*parts)
