from __future__ import annotations

import pytest

from hotline.telephony.endpoints import AmiUrlError, parse_ami_urls


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
