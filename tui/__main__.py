"""``python -m tui``: the same as the ``cancelboard`` command."""

from tui.cli import run

run()
