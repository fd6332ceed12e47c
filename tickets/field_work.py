"""What a technician's steps at the door must say, and what follows them: a fix says what was
done (the callback and the dispatcher read it), and the card then tells what comes next."""

from __future__ import annotations

from tickets.wording import N_
from tickets.workflow import Action, ActionInvalid

FIX_NEEDS_REPORT = N_("say what was done")
AFTER_FIX = N_(
    "Fixed. Next: the dispatcher confirms and closes the order; quality calls the customer back."
)


def check_field_step(step: Action, note: str | None) -> None:
    """A technician's fix without a word of what was done is refused at the note."""
    if step is Action.FIX and not (note or "").strip():
        raise ActionInvalid("note", FIX_NEEDS_REPORT)
