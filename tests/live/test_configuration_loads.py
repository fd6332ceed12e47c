"""The shipped configuration (ivr/asterisk/) loads cleanly into the real Asterisk 22: not one
WARNING or ERROR about our files, nor a module our modules.conf leaves without its dependency
(issue 10, point 4). What Asterisk said is printed at the end of the live run as well."""

from __future__ import annotations

from .conftest import LivePbx, complaints_about_ours


def test_asterisk_says_nothing_against_our_configuration_as_it_loads(live_pbx: LivePbx) -> None:
    # The complaints are read from the log of the first start: it must be there to be read.
    assert (live_pbx.pbx.log_dir / "messages.log").is_file()
    assert complaints_about_ours() == []
