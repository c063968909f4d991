"""The app's modal screens: dismissed once, whatever keys come after."""

from __future__ import annotations

from textual.await_complete import AwaitComplete
from textual.screen import ModalScreen, ScreenResultType


async def _nothing() -> None:
    return None


class Modal(ModalScreen[ScreenResultType]):
    """A :class:`ModalScreen` that dismisses itself once.

    Textual's ``dismiss`` pops whatever screen is on top: a key pressed twice in one burst
    (``x``, ``w``, ``w``) dismissed the dialog, then popped the board under it, and the app
    ended with "Can't pop screen". A second dismiss, or one while another screen is on top,
    does nothing here.
    """

    _dismissed = False

    def dismiss(self, result: ScreenResultType | None = None) -> AwaitComplete:
        if self._dismissed or self.app.screen is not self:
            return AwaitComplete(_nothing())
        self._dismissed = True
        return super().dismiss(result)
