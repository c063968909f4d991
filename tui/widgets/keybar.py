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
        self.update(self.keys_content(self.size.width or self.app.size.width))

    def on_resize(self) -> None:
        self.update(self.keys_content(self.size.width))

    def keys_content(self, width: int | None = None) -> Content:
        """``key description`` pairs, keys in bold accent, within ``width`` cells.

        When they do not all fit, the screen's last keys give way (``?`` lists them all):
        the app's (quit, help) and the palette's always show."""
        screen_keys = self._pairs(self.screen)
        app_keys = self._pairs(self.app)
        tail = [*app_keys, ("  ^p", " palette")]
        while screen_keys and width is not None and _cells(screen_keys + tail) > width:
            screen_keys.pop()
        parts: list[str | tuple[str, str]] = []
        for key, description in screen_keys + tail:
            parts.append((key, "bold $footer-key-foreground"))
            parts.append(description)
        return Content.assemble(*parts)

    def _pairs(self, node: object) -> list[tuple[str, str]]:
        pairs = []
        for binding in getattr(node, "BINDINGS", ()):
            if isinstance(binding, Binding) and binding.show and binding.description:
                pairs.append((f" {self.app.get_key_display(binding)}", f" {binding.description} "))
        return pairs


def _cells(pairs: list[tuple[str, str]]) -> int:
    from rich.cells import cell_len

    return sum(cell_len(key) + cell_len(description) for key, description in pairs)
