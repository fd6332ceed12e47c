"""Messages the rules give people, marked for the gettext catalogues (`N_`) but left in English
here: the domain knows no languages; the web layer translates them for the reader."""

from __future__ import annotations


def N_(message: str) -> str:
    return message
