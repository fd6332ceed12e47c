from __future__ import annotations

import pytest

from hotline.telephony.endpoints import (
    AmiUrlError,
    InterfaceError,
    channel_interface,
    member_base,
    parse_ami_urls,
    parse_interface,
)


def test_one_url() -> None:
    (endpoint,) = parse_ami_urls("ami://hotline:s3cret@pbx.example:5039")
    assert (endpoint.host, endpoint.port, endpoint.username, endpoint.secret) == (
        "pbx.example",
        5039,
        "hotline",
        "s3cret",
    )
    assert endpoint.name == "pbx.example:5039"


def test_several_servers_default_port_and_labels() -> None:
    first, second = parse_ami_urls("ami://a:x@pbx1, ami://b:y@pbx2:5040#north")
    assert first.port == 5038 and first.name == "pbx1:5038"
    assert second.name == "north"


def test_the_secret_never_prints() -> None:
    (endpoint,) = parse_ami_urls("ami://hotline:s3cret@pbx:5038")
    assert "s3cret" not in str(endpoint)
    assert "s3cret" not in repr(endpoint)


@pytest.mark.parametrize(
    "bad",
    [
        "http://hotline:s3cret@pbx:5038",
        "ami://pbx:5038",
        "ami://hotline:s3cret@pbx:notaport",
        "",
        "ami://a:s3cret@pbx,ami://b:s3cret@pbx",
    ],
)
def test_bad_urls_are_refused_without_showing_the_secret(bad: str) -> None:
    with pytest.raises(AmiUrlError) as error:
        parse_ami_urls(bad)
    assert "s3cret" not in str(error.value)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("PJSIP/8001", "PJSIP/8001"),
        ("Local/8001@from-queue/n", "Local/8001@from-queue/n"),
        ("local/8001@from-queue/n", "Local/8001@from-queue/n"),
        ("SIP/8001", "SIP/8001"),
        ("iax2/agent-1", "IAX2/agent-1"),
        (" pjsip/8001 ", "PJSIP/8001"),
        ("DAHDI/g1/8001", "DAHDI/g1/8001"),
    ],
)
def test_any_asterisk_member_interface_is_taken_as_asterisk_writes_it(
    typed: str, stored: str
) -> None:
    assert parse_interface(typed) == stored


@pytest.mark.parametrize(
    "bad",
    ["", "8001", "PJSIP/", "/8001", "PJSIP/8001,t", "PJSIP/8001&PJSIP/8002", "PJSIP/80 01",
     "Local/8001@from-queue/n;x", "PJSIP/" + "1" * 130],
)  # fmt: skip
def test_what_is_not_an_interface_is_refused(bad: str) -> None:
    with pytest.raises(InterfaceError):
        parse_interface(bad)


@pytest.mark.parametrize(
    ("channel", "member"),
    [
        ("Local/8001@from-queue-0000001a;1", "Local/8001@from-queue/n"),
        ("Local/8001@from-queue-0000001a;2", "Local/8001@from-queue"),
        ("PJSIP/8001-0000002b", "PJSIP/8001"),
        ("SIP/8001-0000002b", "sip/8001"),
        ("IAX2/8001-4711", "IAX2/8001"),
        ("PJSIP/agent-1-0000002b", "PJSIP/agent-1"),
    ],
)
def test_a_channel_is_told_to_be_a_member_s_by_its_interface(channel: str, member: str) -> None:
    assert member_base(channel_interface(channel)) == member_base(member)


def test_another_member_s_channel_is_not_theirs() -> None:
    assert member_base(channel_interface("PJSIP/8002-0000002b")) != member_base("PJSIP/8001")
    assert member_base(channel_interface("Local/8001@agents-00000001;1")) != member_base(
        "Local/8001@from-queue/n"
    )
