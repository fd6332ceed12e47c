"""A fake Asterisk that speaks real AMI over TCP: for tests, demo mode and `hotline simulate`."""

from hotline.telephony.simulator.server import FakeAsterisk

__all__ = ["FakeAsterisk"]
