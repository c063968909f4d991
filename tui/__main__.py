"""``python -m tui``: the same as the ``cancelboard`` command."""

from tui.quicklist import run

run()
