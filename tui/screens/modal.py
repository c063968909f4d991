"""The app's modal screens: dismissed once, whatever keys come after."""

from __future__ import annotations

from textual import events
from textual.await_complete import AwaitComplete
from textual.screen import ModalScreen, ScreenResultType
from textual.timer import Timer


async def _nothing() -> None:
    return None


class HeldKeys:
    """A screen that holds the keys read after some key, until what that key started is
    done (``CancelboardApp.on_event`` holds them; :meth:`release_held` hands them on).

    Textual hands each key to the widget with focus as it is read, and runs a key's
    binding once it has come back up from it: keys typed in one burst after a key that
    saves a dialog, or leaves a search box, went into the field still in focus."""

    HOLD_AT_MOST = 5.0
    """Seconds keys are held at most (a save stalled on a network disk)."""

    held: list[events.Key] | None = None
    """The keys held, in order (None: not holding)."""

    def holds_after(self, key: str) -> bool:
        """Whether ``key``, read now, holds the keys read after it."""
        return False

    _hold_timer: Timer | None = None

    def hold_keys(self) -> None:
        """Hold the keys read from now on."""
        self.held = []
        self._hold_timer = self.set_timer(self.HOLD_AT_MOST, self.release_held)  # type: ignore[attr-defined]

    def release_held(self) -> None:
        """Hand the keys held on to the app, as if typed now."""
        if self._hold_timer is not None:
            self._hold_timer.stop()  # else it would cut a later hold short
            self._hold_timer = None
        held, self.held = self.held, None
        for event in held or ():
            self.app.post_message(events.Key(event.key, event.character))  # type: ignore[attr-defined]


class Modal(HeldKeys, ModalScreen[ScreenResultType]):
    """A :class:`ModalScreen` that dismisses itself once.

    Textual's ``dismiss`` pops whatever screen is on top: a key pressed twice in one burst
    (``x``, ``w``, ``w``) dismissed the dialog, then popped the board under it, and the app
    ended with "Can't pop screen". A second dismiss, or one while another screen is on top,
    does nothing here.
    """

    _dismissed = False

    HOLD_AFTER: frozenset[str] = frozenset()
    """Keys that save the dialog: the keys read after one are held while it saves (see
    :class:`HeldKeys`), then go where keys go once it is done: the screen below, or this
    one's fields if the save failed. In one burst ('one', ctrl+s, 'N two', ctrl+s) they
    went into the note being saved ('oneNtwo'), or a second new order's keys into the
    first one's amount."""

    def holds_after(self, key: str) -> bool:
        return key in self.HOLD_AFTER

    def dismiss(self, result: ScreenResultType | None = None) -> AwaitComplete:
        if self._dismissed or self.app.screen is not self:
            return AwaitComplete(_nothing())
        self._dismissed = True
        return super().dismiss(result)
