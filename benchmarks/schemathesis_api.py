"""schemathesis against a running demo server: every operation of /api/openapi.json, every
check (`st run … --checks all`), as an admin (the role every route admits).

    .venv/bin/python benchmarks/schemathesis_api.py [--max-examples N] [st run options…]
    make schemathesis

A fresh SQLite database in a temporary folder, `hotline db upgrade` and `hotline demo` as
`make run` does, `hotline serve` with the built-in simulator on a free port; then schemathesis,
whose summary is the last thing printed and whose exit code is this script's. What it still
reports and why that is right is argued in README.md ("Checking the API with schemathesis")."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from support import free_port

HOTLINE = [sys.executable, "-m", "hotline.cli"]
ST = Path(sys.executable).with_name("st")
# The rules the schema cannot say, per operation, each with its reason.
CONFIG = Path(__file__).resolve().with_name("schemathesis.toml")


def hotline(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [*HOTLINE, *args], env=env, capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout


def main(extra: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="hotline-schemathesis-") as folder:
        port = free_port()
        env = {
            **{key: value for key, value in os.environ.items() if not key.startswith("HOTLINE_")},
            "HOTLINE_DATABASE_URL": f"sqlite:///{Path(folder) / 'demo.db'}",
            "HOTLINE_HTTP_BIND": f"127.0.0.1:{port}",
            "HOTLINE_AGI_BIND": f"127.0.0.1:{free_port()}",
            "HOTLINE_SECRET_KEY": "schemathesis",
            "HOTLINE_SIMULATOR": "on",
        }
        hotline(env, "db", "upgrade")
        hotline(env, "demo")
        token = hotline(env, "users", "token", "admin").strip().splitlines()[-1]
        log = Path(folder) / "serve.log"
        with log.open("wb") as output:
            server = subprocess.Popen(
                [*HOTLINE, "serve"], env=env, stdout=output, stderr=subprocess.STDOUT
            )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            command = [
                str(ST),
                "--config-file",
                str(CONFIG),
                "run",
                f"{base}/api/openapi.json",
                "--checks",
                "all",
                "--header",
                f"Authorization: Bearer {token}",
                "--max-examples",
                "30",
                # One worker: with several, CPython 3.11's ast module (which Hypothesis reaches
                # through inspect) failed in two threads at once ("AST constructor recursion
                # depth mismatch"), an error of the tool's, not of the API.
                "--workers",
                "1",
                "--no-color",
                *extra,
            ]
            print("$", " ".join(command).replace(token, "<admin token>"), flush=True)
            # In the temporary folder: schemathesis keeps its cache (.schemathesis/) where it runs.
            return subprocess.run(command, check=False, cwd=folder).returncode
        finally:
            server.terminate()
            server.wait(15)
            errors = [
                line
                for line in log.read_text(errors="replace").splitlines()
                if "Traceback" in line or "Exception in ASGI" in line
            ]
            print(f"server log: {len(errors)} tracebacks", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
