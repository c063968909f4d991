"""The ``list --json`` answers scripts keep asking for, worked out again in a process of
its own.

``python -m tui.refresh_answers BOARD_FILE [OTHER_NAME...]`` works out again, for the
board file as it is now, each answer a script asked for about it (under any of the names
given) and keeps it: see :func:`tui.quicklist.refresh`. The board runs it once its file
has changed and settled, at a lower priority than its own: a status bar's next call reads
the answer instead of working it out, and the board's keys never wait on this. It never
writes the board, prints nothing, and exits 0 (an answer it cannot work out is left for the
next call to work out, as before).
"""

from __future__ import annotations

import gc
import os
import sys

from tui.quicklist import refresh


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m tui.refresh_answers BOARD_FILE [OTHER_NAME...]", file=sys.stderr)
        return 2
    gc.disable()  # one parse, then exit, as the command's own ``list --json``
    try:
        os.nice(10)  # behind the board the seller is typing into
    except (AttributeError, OSError):
        pass
    refresh(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
