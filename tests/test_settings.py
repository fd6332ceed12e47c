from __future__ import annotations

import os
from pathlib import Path

import pytest

from hotline.settings import Settings, SettingsError, parse_bind


@pytest.fixture(autouse=True)
def private_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading a .env file writes os.environ: keep that from leaking into other tests."""
    monkeypatch.setattr(os, "environ", os.environ.copy())


def test_defaults_follow_the_interface_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "HOTLINE_DATABASE_URL",
        "HOTLINE_HTTP_BIND",
        "HOTLINE_AGI_BIND",
        "HOTLINE_TIMEZONE",
        "HOTLINE_SECRET_KEY",
        "HOTLINE_AMI_URL",
        "HOTLINE_TOKEN_DAYS",
        "HOTLINE_TRUSTED_PROXIES",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.from_env(env_file=None)
    assert settings.database_url == "sqlite:///hotline.db"
    assert settings.http_bind == ("127.0.0.1", 8000)
    assert settings.agi_bind == ("127.0.0.1", 4573)
    assert str(settings.timezone) == "Asia/Shanghai"
    assert settings.ami_url is None
    assert settings.secret_key and settings.secret_key_generated
    assert settings.token_days == 90
    # No forwarded address is believed unless the operator names the proxy.
    assert settings.trusted_proxies == ()


def test_trusted_proxies_are_addresses_or_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_TRUSTED_PROXIES", "10.0.0.2, 172.16.0.0/12")
    assert Settings.from_env(env_file=None).trusted_proxies == ("10.0.0.2", "172.16.0.0/12")


def test_env_file_is_read_without_overriding_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("HOTLINE_HTTP_BIND=0.0.0.0:9000\nHOTLINE_SECRET_KEY=from-file\n")
    monkeypatch.delenv("HOTLINE_HTTP_BIND", raising=False)
    monkeypatch.setenv("HOTLINE_SECRET_KEY", "from-env")
    settings = Settings.from_env(env_file=env_file)
    assert settings.http_bind == ("0.0.0.0", 9000)
    assert settings.secret_key == "from-env" and not settings.secret_key_generated


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HOTLINE_TIMEZONE", "Mars/Olympus"),
        ("HOTLINE_SCHEDULER", "sometimes"),
        ("HOTLINE_SWEEP_SECONDS", "fast"),
        ("HOTLINE_SWEEP_SECONDS", "600"),
        ("HOTLINE_HTTP_BIND", "8000"),
        ("HOTLINE_AGI_BIND", "host:99999"),
        ("HOTLINE_TOKEN_DAYS", "soon"),
        ("HOTLINE_TOKEN_DAYS", "0"),
        ("HOTLINE_TRUSTED_PROXIES", "caddy"),
    ],
)
def test_bad_settings_are_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        Settings.from_env(env_file=None)


def test_ipv6_bind() -> None:
    assert parse_bind("[::1]:8000", "X") == ("::1", 8000)
