"""A two-way choice that reads without colour: ``(•) me  ( ) buyer``."""

from __future__ import annotations

from collections.abc import Sequence

from textual.binding import Binding
from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget


class Toggle(Widget, can_focus=True):
    """Pick one of a few labelled values with space or the arrows (enter is the dialog's:
    it sends what is filled in, from any of its fields)."""

    BINDINGS = [
        Binding("space,right,l", "step(1)", "Next choice", show=False),
        Binding("left,h", "step(-1)", "Previous choice", show=False),
    ]

    DEFAULT_CSS = """
    Toggle {
        height: 1;
        width: auto;
        padding: 0 1;
    }
    Toggle:focus {
        text-style: bold;
        background: $boost;
    }
    """

    index: reactive[int] = reactive(0)
    """Which value is picked."""

    def __init__(
        self, label: str, choices: Sequence[tuple[str, str]], value: str, *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.label = label
        self.choices = list(choices)
        values = [v for v, _ in self.choices]
        self.index = values.index(value) if value in values else 0

    @property
    def value(self) -> str:
        """The picked value."""
        return self.choices[self.index][0]

    def render(self) -> Content:
        parts: list[str | tuple[str, str]] = [(f"{self.label} ", "$text-muted")]
        for i, (_, text) in enumerate(self.choices):
            mark = "(•)" if i == self.index else "( )"
            parts.append((f"{mark} {text}  ", "bold" if i == self.index else ""))
        return Content.assemble(*parts)

    def action_step(self, step: int) -> None:
        self.index = (self.index + step) % len(self.choices)
