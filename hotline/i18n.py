"""Translations through gettext catalogues (Babel): zh_CN first, English second. The language
of a request comes from its Accept-Language header; without one it is Chinese."""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

# Re-exported: the code marks messages with the same marker the domain uses.
from tickets.wording import N_ as N_

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LOCALE = "zh_CN"
SUPPORTED = ("zh_CN", "en")


@cache
def translations(locale: str) -> gettext.NullTranslations:
    return gettext.translation("messages", LOCALE_DIR, languages=[locale], fallback=True)


def pick_locale(accept_language: str | None) -> str:
    if not accept_language:
        return DEFAULT_LOCALE
    ranked = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().replace("-", "_").lower()))
    for _quality, _position, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LOCALE
