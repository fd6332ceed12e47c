"""The `hotline` command."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from hotline.application import staff as staff_cases
from hotline.application.unit import CoreServices
from hotline.cli_import import import_app
from hotline.db.migrate import upgrade
from hotline.runtime import command_core
from hotline.services.errors import ServiceError
from hotline.settings import Settings, SettingsError

app = typer.Typer(help="hotline: the gas utility's 24-hour service hotline", no_args_is_help=True)
db_app = typer.Typer(help="Database", no_args_is_help=True)
users_app = typer.Typer(help="Users and API tokens", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(import_app, name="import")
prompts_app = typer.Typer(help="The IVR's prompts: the recording script, what is missing")
app.add_typer(prompts_app, name="prompts")
console = Console(stderr=True)

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        console.print(f"[red]configuration error:[/red] {error}")
        raise typer.Exit(2) from error


def _run(work: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    settings = _settings()
    try:
        return asyncio.run(work(settings))
    except ServiceError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from error


def _run_cases(work: Callable[[CoreServices], Coroutine[Any, Any, T]]) -> T:
    """Use cases run as the server runs them, on the database of the settings."""

    async def on_core(settings: Settings) -> T:
        async with command_core(settings) as core:
            return await work(core)

    return _run(on_core)


@app.command()
def serve() -> None:
    """Run the web server (and, in the process that leads it, the scheduler)."""
    settings = _settings()
    host, port = settings.http_bind
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # APScheduler logs every run of every job (the sweep runs every 2 s): only its troubles.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    calm_garbage_collection()
    if settings.workers > 1:
        from hotline.web.workers import run_workers

        run_workers(settings)
        return
    from hotline.web.app import create_app
    from hotline.web.server import HotlineServer

    HotlineServer(create_app(settings), host, port, settings).run()


def calm_garbage_collection() -> None:
    """A server runs for weeks on a heap that grows little: what the imports made is frozen out
    of collection and the young generation is collected less often, so that a collection does
    not stall the event loop while a screen pop waits (benchmarks/ami_ingest.py: pop p99 went
    from 130-340 ms over six runs to 61-93 ms over three)."""
    import hotline.web.app  # noqa: F401 (everything the server imports, before freezing)

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply the database migrations."""
    settings = _settings()
    upgrade(settings.database_url, revision)
    console.print(f"database at {revision}")


@users_app.command("add")
def users_add(
    name: str,
    role: Annotated[
        str, typer.Option(help="admin, supervisor, agent, dispatcher, technician, quality")
    ],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from stdin")
    ] = False,
    interface: Annotated[
        str | None,
        typer.Option(help="queue-member interface, e.g. PJSIP/8001 or Local/8001@from-queue/n"),
    ] = None,
    display_name: Annotated[str | None, typer.Option(help="the name people see")] = None,
) -> None:
    """Add a user."""
    if not password_stdin:
        console.print("[red]give the password on stdin with --password-stdin[/red]")
        raise typer.Exit(2)
    password = sys.stdin.readline().rstrip("\r\n")

    async def work(core: CoreServices) -> None:
        await staff_cases.add_user(
            core,
            username=name,
            role=role,
            password=password,
            display_name=display_name,
            interface=interface,
        )

    _run_cases(work)
    console.print(f"user {name} added as {role}")


@users_app.command("token")
def users_token(name: str) -> None:
    """Issue an API bearer token for a user; the token is the last line printed."""

    async def work(core: CoreServices) -> str:
        return await staff_cases.issue_token(core, name)

    token = _run_cases(work)
    console.print(f"token for {name} (shown once; keep it secret):")
    print(token)


@users_app.command("password")
def users_password(name: str) -> None:
    """Give a user a new one-time password (say, the demo's, lost); it is the last line printed."""

    async def work(core: CoreServices) -> str:
        return await staff_cases.new_password(core, name)

    password = _run_cases(work)
    console.print(f"new one-time password for {name} (shown once):")
    print(password)


@app.command()
def demo() -> None:
    """Seed demo data: departments, routing rules, users, customers, tickets, crews, a booked
    visit and callbacks due. Safe to rerun."""
    from hotline.demo import seed_demo

    _run(seed_demo)


@prompts_app.callback(invoke_without_command=True)
def prompts(
    context: typer.Context,
    sounds: Annotated[
        Path | None,
        typer.Option(help="Asterisk's sounds directory: list the prompts not recorded there"),
    ] = None,
) -> None:
    """The IVR's recording script: every prompt file and the words to record."""
    if context.invoked_subcommand is not None:
        return
    from ivr.prompts import RECORDING_SCRIPT, missing_recordings

    if sounds is None:
        for name, words in RECORDING_SCRIPT.items():
            typer.echo(f"{name}\t{words}")
        return
    missing = missing_recordings(sounds)
    for name in missing:
        typer.echo(f"missing: {name}\t{RECORDING_SCRIPT[name]}")
    typer.echo(f"{len(RECORDING_SCRIPT) - len(missing)} of {len(RECORDING_SCRIPT)} recorded")
    if missing:
        raise typer.Exit(1)


@prompts_app.command("build")
def prompts_build(
    sounds: Annotated[
        Path,
        typer.Option(help="Asterisk's sounds directory (the one holding custom/)"),
    ] = Path("/var/lib/asterisk/sounds"),
    force: Annotated[
        bool, typer.Option(help="render again over existing files (recordings too)")
    ] = False,
    only: Annotated[
        str, typer.Option(help="only prompts whose name starts with this, e.g. custom/say/")
    ] = "",
) -> None:
    """Speak the prompts not yet recorded (espeak-ng, sox).

    Each prompt of the recording script with no recording under --sounds is rendered in
    Mandarin as custom/….wav, 8 kHz mono 16-bit: a stand-in until the utility records it. A
    recording is never written over without --force."""
    import time

    from hotline.prompts_build import RenderError, build, find_tools, to_render

    started = time.perf_counter()
    names = to_render(sounds, force=force, only=only)
    try:
        if names:
            build(find_tools(), sounds, names, lambda name: typer.echo(f"rendered: {name}"))
    except (RenderError, OSError) as error:
        console.print(f"[red]cannot render prompts:[/red] {error}")
        raise typer.Exit(1) from error
    typer.echo(
        f"{len(names)} prompts rendered into {sounds} in {time.perf_counter() - started:.1f} s"
    )


@app.command()
def simulate(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="AMI port")] = 5038,
    username: Annotated[str, typer.Option(help="AMI user")] = "hotline",
    secret: Annotated[
        str | None, typer.Option(help="AMI secret (default: made up and printed)")
    ] = None,
    replay: Annotated[
        str | None, typer.Option(help="replay this capture (e.g. burst) instead of generating")
    ] = None,
    speed: Annotated[float, typer.Option(help="time compression: 10 = ten times faster")] = 1.0,
    calls_per_minute: Annotated[float, typer.Option(help="generated call rate")] = 6.0,
    seed: Annotated[int | None, typer.Option(help="seed for a reproducible day")] = None,
) -> None:
    """Run the fake Asterisk on its own: real AMI over TCP, generated or replayed calls."""
    from hotline.telephony.simulator import FakeAsterisk

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    async def run() -> None:
        fake = FakeAsterisk(host=host, port=port, username=username, speed=speed)
        if secret is not None:
            fake.secret = secret
        await fake.start()
        # Printed on stdout, last line: the URL hotline takes as HOTLINE_AMI_URL.
        print(f"ami://{fake.username}:{fake.secret}@{host}:{fake.port}", flush=True)
        try:
            if replay is not None:
                await fake.wait_for_clients(timeout=3600)
                await fake.replay(replay, speed=speed)
                await fake.calls_done()
                await asyncio.Event().wait()
            else:
                await fake.generate(calls_per_minute=calls_per_minute, seed=seed)
        finally:
            await fake.close()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


def main() -> None:
    app()


if __name__ == "__main__":
    main()
