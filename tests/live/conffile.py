"""Edits of Asterisk .conf files, line by line, so that a rendered file is the shipped one with
each change visible in place: a replaced line is kept, commented out, under a comment saying
why. Sections are found by name and, for PJSIP's same-named sections, by `type` (their own or
their template's). An edit that finds nothing to edit fails: the overlay must not silently
outlive the configuration it was written for."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HEADER = re.compile(r"^\[(?P<name>[^\]]+)\](?:\((?P<options>[^)]*)\))?")
_SETTING = re.compile(r"^(?P<key>[A-Za-z0-9_.-]+)\s*=>?\s*(?P<value>.*?)\s*$")
MARK = "; [test overlay]"


class OverlayError(ValueError):
    """The overlay names a section or setting the shipped configuration does not have."""


@dataclass
class _Section:
    name: str
    templates: list[str]
    is_template: bool
    header: int
    # Line indexes of the section's settings (not comments or blank lines).
    settings: list[int] = field(default_factory=list)
    end: int = 0


def _strip_comment(line: str) -> str:
    return re.split(r"(?<!\\);", line, maxsplit=1)[0].strip()


def _setting(line: str) -> tuple[str, str] | None:
    match = _SETTING.match(_strip_comment(line))
    return (match["key"], match["value"]) if match else None


class ConfFile:
    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.lines = text.splitlines()

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def _sections(self) -> list[_Section]:
        sections: list[_Section] = []
        for index, line in enumerate(self.lines):
            content = _strip_comment(line)
            match = _HEADER.match(content)
            if match:
                options = [part.strip() for part in (match["options"] or "").split(",")]
                sections.append(
                    _Section(
                        name=match["name"].strip(),
                        templates=[part for part in options if part and part not in "!+"],
                        is_template="!" in options,
                        header=index,
                    )
                )
            elif sections and _setting(line) is not None:
                sections[-1].settings.append(index)
        for section, following in zip(sections, [*sections[1:], None], strict=True):
            section.end = following.header if following is not None else len(self.lines)
        return sections

    def _type(self, section: _Section, sections: list[_Section]) -> str | None:
        for index in section.settings:
            setting = _setting(self.lines[index])
            if setting is not None and setting[0] == "type":
                return setting[1]
        templates = {each.name: each for each in sections if each.is_template}
        for name in section.templates:
            if name in templates:
                found = self._type(templates[name], sections)
                if found is not None:
                    return found
        return None

    def _select(self, name: str, type_: str | None) -> list[_Section]:
        sections = self._sections()
        chosen = [
            section
            for section in sections
            if section.name == name
            and not section.is_template
            and (type_ is None or self._type(section, sections) == type_)
        ]
        if not chosen:
            kind = f" of type {type_}" if type_ else ""
            raise OverlayError(f"{self.name}: no section [{name}]{kind}")
        return chosen

    def set(self, section: str, key: str, value: str, why: str, type_: str | None = None) -> None:
        """`key = value` in the section; lines setting `key` there before are commented out."""
        # Edit from the bottom up so that earlier sections' line numbers stay valid.
        for chosen in reversed(self._select(section, type_)):
            for index in chosen.settings:
                setting = _setting(self.lines[index])
                if setting is not None and setting[0] == key:
                    self.lines[index] = f"{MARK} was: {self.lines[index]}"
            after = chosen.settings[-1] if chosen.settings else chosen.header
            self.lines[after + 1 : after + 1] = [f"{MARK} {why}", f"{key} = {value}"]

    def add(self, section: str, key: str, value: str, why: str) -> None:
        """One more `key = value` line, keeping the others (multi-valued settings)."""
        chosen = self._select(section, None)[-1]
        after = chosen.settings[-1] if chosen.settings else chosen.header
        self.lines[after + 1 : after + 1] = [f"{MARK} {why}", f"{key} => {value}"]

    def drop(self, section: str, why: str, type_: str | None = None) -> None:
        """The whole section commented out."""
        for chosen in reversed(self._select(section, type_)):
            last = chosen.settings[-1] if chosen.settings else chosen.header
            for index in range(chosen.header, last + 1):
                self.lines[index] = f"{MARK} dropped: {self.lines[index]}"
            self.lines.insert(chosen.header, f"{MARK} {why}")
