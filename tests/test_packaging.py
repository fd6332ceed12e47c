"""The wheel carries everything an installed hotline needs: every module, the templates (the
top-level templates/ folder, installed as the package `hotline.templates`), the static files,
the message catalogues (.po and compiled .mo), the migrations and the simulator's captures.

The wheel is built once, offline, with the pinned build backend, from exactly the files the
Dockerfile copies into the image (less what .dockerignore keeps out, with the catalogues
compiled as the Dockerfile compiles them): what is checked here is what the image installs."""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path, PurePosixPath

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# The installed package the top-level templates/ folder becomes (pyproject's package-dir).
TEMPLATES_PACKAGE = "hotline.templates"


def dockerfile_copies() -> list[tuple[str, str]]:
    """(source, destination) of every COPY from the build context, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    copies = []
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].upper() != "COPY":
            continue
        arguments = [word for word in words[1:] if not word.startswith("--")]
        assert not any(word.startswith("--from") for word in words), line
        *sources, destination = arguments
        copies.extend((source, destination) for source in sources)
    return copies


def dockerignored() -> list[re.Pattern[str]]:
    """.dockerignore's patterns as regular expressions over paths relative to the context."""
    patterns = []
    for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        assert not pattern.startswith("!"), "exceptions are not understood here"
        expression = ""
        for part in re.split(r"(\*\*/|\*\*|\*|\?)", pattern.strip("/")):
            expression += {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(
                part, re.escape(part)
            )
        patterns.append(re.compile(expression))
    return patterns


def image_source(target: Path) -> None:
    """What the Dockerfile's COPY lines put in /src, then `pybabel compile` as it runs it."""
    ignored = dockerignored()

    def skipped(path: Path) -> bool:
        # A pattern that matches a folder keeps out everything inside it, as Docker does.
        parts = path.relative_to(ROOT).parts
        prefixes = ["/".join(parts[: end + 1]) for end in range(len(parts))]
        return any(pattern.fullmatch(prefix) for pattern in ignored for prefix in prefixes)

    for source, destination in dockerfile_copies():
        origin = ROOT / source
        place = target / destination / (origin.name if destination.endswith("/") else "")
        files = [origin] if origin.is_file() else sorted(origin.rglob("*"))
        for path in files:
            if path.is_file() and not skipped(path):
                copy = place / path.relative_to(origin) if path != origin else place
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, copy)
    for po in target.glob("hotline/locale/*/LC_MESSAGES/messages.po"):
        with po.open("rb") as text:
            catalog = read_po(text, locale=po.parent.parent.name)
        with po.with_suffix(".mo").open("wb") as compiled:
            write_mo(compiled, catalog, use_fuzzy=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the image's source, the wheel built from it)."""
    backend = PYPROJECT["build-system"]["requires"]
    assert backend == [f"setuptools=={importlib.metadata.version('setuptools')}"], (
        f"the installed setuptools is not the pinned backend {backend}: run `make setup`"
    )
    source = tmp_path_factory.mktemp("image-source")
    image_source(source)
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    command += ["--no-index", "--disable-pip-version-check", "--quiet", "-w", str(out)]
    result = subprocess.run(
        [*command, str(source)], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = out.glob("hotline-*.whl")
    return source, wheel


def wheel_files(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {name for name in archive.namelist() if not name.endswith("/")}


def source_files(source: Path, folder: str, suffix: str = "") -> set[str]:
    return {
        path.relative_to(source).as_posix()
        for path in (source / folder).rglob(f"*{suffix}")
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_the_wheel_is_built_by_the_pinned_backend(built: tuple[Path, Path]) -> None:
    _source, wheel = built
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [name for name in archive.namelist() if name.endswith(".dist-info/WHEEL")]
        metadata = archive.read(name).decode()
    pinned = PYPROJECT["build-system"]["requires"][0].replace("==", " (") + ")"
    assert f"Generator: {pinned}" in metadata


def test_the_image_copies_the_top_level_templates(built: tuple[Path, Path]) -> None:
    source, _wheel = built
    assert (source / "templates" / "base.html").is_file()
    assert PYPROJECT["tool"]["setuptools"]["package-dir"][TEMPLATES_PACKAGE] == "templates"


def test_the_wheel_carries_every_module(built: tuple[Path, Path]) -> None:
    source, wheel = built
    modules = set().union(
        *(source_files(source, top, ".py") for top in ("hotline", "tickets", "ivr"))
    )
    missing = sorted(modules - wheel_files(wheel))
    assert not missing, (
        f"not in the wheel: {missing}; a new package goes into pyproject.toml's "
        "[tool.setuptools] packages"
    )


def test_the_wheel_carries_the_templates_as_a_package(built: tuple[Path, Path]) -> None:
    source, wheel = built
    shipped = wheel_files(wheel)
    templates = {path.removeprefix("templates/") for path in source_files(source, "templates")}
    assert "base.html" in templates and "__init__.py" in templates
    installed = "/".join(TEMPLATES_PACKAGE.split("."))
    missing = sorted(name for name in templates if f"{installed}/{name}" not in shipped)
    assert not missing, f"templates not in the wheel: {missing}"
    # Nowhere else: no top-level `templates` package, no leftover of the old place.
    strays = [name for name in shipped if name.startswith(("templates/", "hotline/web/templates"))]
    assert not strays


@pytest.mark.parametrize(
    ("folder", "suffix"),
    [
        ("hotline/web/static", ""),
        ("hotline/locale", ".po"),
        ("hotline/locale", ".mo"),
        ("hotline/db/migrations", ""),
        ("hotline/telephony/simulator/captures", ""),
    ],
)
def test_the_wheel_carries_the_package_data(
    built: tuple[Path, Path], folder: str, suffix: str
) -> None:
    source, wheel = built
    expected = source_files(source, folder, suffix)
    assert expected, f"nothing in {folder} to ship"
    missing = sorted(expected - wheel_files(wheel))
    assert not missing, f"not in the wheel: {missing}"


def test_the_installed_wheel_serves_its_own_templates(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    """Unpacked (as pip installs a pure wheel) and imported away from this checkout: the pages
    and the Chinese catalogue come from the installed copy."""
    _source, wheel = built
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    probe = (
        "import json, hotline.web.templating as t\n"
        "from hotline.i18n import translations\n"
        "names = t.environment.list_templates(extensions=['html'])\n"
        "for name in names: t.environment.get_template(name)\n"
        "print(json.dumps({'module': t.__file__, 'root': t.environment.loader._template_root,\n"
        "  'names': names, 'zh': translations('zh_CN').gettext('Tickets')}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(site), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.splitlines()[-1])
    assert PurePosixPath(found["module"]).is_relative_to(site)
    assert PurePosixPath(found["root"]).is_relative_to(site / "hotline" / "templates")
    assert "base.html" in found["names"] and "desk.html" in found["names"]
    assert found["zh"] != "Tickets"
