"""The gettext catalogues hold every message the code and the templates mark for translation:
extracted with Babel exactly as `pybabel extract -F babel.cfg` does, each must have a Chinese
translation that keeps its placeholders."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.checkers import python_format
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tickets.callbacks import CallbackKind, Outcome, TaskStatus
from tickets.ringbacks import RingbackReason, RingbackStatus
from tickets.sla import ClockName
from tickets.types import SUBTYPES, Priority, TicketType
from tickets.visits import VisitStatus
from tickets.workflow import Action, Role, Status

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def extracted() -> dict[str, list[str]]:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[str, list[str]] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        text = message[0] if isinstance(message, tuple) else message
        found.setdefault(text, []).append(f"{filename}:{line}")
    return found


def catalogue(locale: str) -> Catalog:
    path = ROOT / "hotline" / "locale" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        return read_po(po, locale=locale)


MESSAGES = extracted()


def test_extraction_finds_the_code_and_the_templates() -> None:
    places = {place.split(":")[0] for places in MESSAGES.values() for place in places}
    assert any(place.endswith(".html") for place in places)
    assert any(place.startswith("hotline/services/") for place in places)
    assert len(MESSAGES) > 100


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_marked_message_is_in_the_catalogue(locale: str) -> None:
    known = catalogue(locale)
    missing = {text: places[0] for text, places in MESSAGES.items() if text not in known}
    assert not missing, f"not in the {locale} catalogue: {missing}"


def test_every_marked_message_has_a_chinese_translation_with_its_placeholders() -> None:
    chinese = catalogue("zh_CN")
    problems = []
    for text in MESSAGES:
        message = chinese.get(text)
        if message is None or not message.string:
            problems.append(f"untranslated: {text!r}")
            continue
        try:
            python_format(chinese, message)
        except Exception as error:  # babel raises TranslationError with the reason
            problems.append(f"{text!r}: {error}")
    assert not problems, "\n".join(problems)


def test_every_word_of_the_domain_has_a_chinese_translation() -> None:
    """Enum values are shown through `_(value)` and the pages' labels: none may stay English."""
    words = {*TicketType, *Priority, *Status, *ClockName, *Action, *Role}
    words |= {*Outcome, *TaskStatus, *CallbackKind, *VisitStatus}
    words |= {*RingbackReason, *RingbackStatus}
    words |= {name for names in SUBTYPES.values() for name in names}
    chinese = catalogue("zh_CN")
    untranslated = sorted(
        str(word)
        for word in words
        if chinese.get(str(word)) is None or not chinese.get(str(word)).string
    )
    assert not untranslated, f"no Chinese for: {untranslated}"
