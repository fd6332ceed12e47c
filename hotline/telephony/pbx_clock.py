"""The PBX's clock as seen from ours. Pure: no I/O, no clock of its own.

Call times come from the `Timestamp` Asterisk puts on each event: the PBX's clock. Some moments
are only known on our clock: a `CoreShowChannels` listing after a reconnect ("up for 42 s, as
of now"), an event without a Timestamp, the moment the connection was lost. Subtracting a time
of one clock from a time of the other gives nonsense as large as the clocks' difference (a
replay of last week's recording after a reconnect made a wait of 703,622 s), so such moments
are converted to the PBX's clock first.

The offset (PBX minus ours) is estimated from pairs (PBX time of a message, our time when it
arrived). A message arrives after it was stamped, so each pair gives the offset minus that
message's delay: the largest recent one is the best estimate (the least delayed message). Only
pairs of the last `window` count, so that a PBX whose clock is stepped back a little is
followed within that window; one stepped back further than any delay a live connection has
(`step`) is followed at once: the estimate starts over from that pair (a delayed message that
looks the same is corrected by the next prompt one).
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

DEFAULT_WINDOW = timedelta(minutes=5)
DEFAULT_STEP = timedelta(seconds=10)


class PbxClock:
    def __init__(self, window: timedelta = DEFAULT_WINDOW, step: timedelta = DEFAULT_STEP) -> None:
        self._window = window
        self._step = step
        # (our time, offset) with offsets decreasing from the left: the left one is the
        # largest of the window (a sliding-window maximum).
        self._samples: deque[tuple[datetime, timedelta]] = deque()

    def sample(self, pbx_time: datetime, ours: datetime) -> None:
        """A message stamped `pbx_time` by the PBX arrived at `ours` on our clock."""
        offset = pbx_time - ours
        current = self.offset
        if current is not None and current - offset > self._step:
            self._samples.clear()
        while self._samples and self._samples[-1][1] <= offset:
            self._samples.pop()
        self._samples.append((ours, offset))
        self._forget_before(ours - self._window)

    @property
    def offset(self) -> timedelta | None:
        """PBX time minus our time; None until a sample has been seen."""
        return self._samples[0][1] if self._samples else None

    def pbx_time(self, ours: datetime) -> datetime:
        """A moment of our clock on the PBX's clock (the same moment when nothing is known:
        with no timestamped message at all, every time is ours and nothing is mixed)."""
        self._forget_before(ours - self._window)
        offset = self.offset
        return ours if offset is None else ours + offset

    def _forget_before(self, oldest: datetime) -> None:
        # The newest sample stays however old: a quiet PBX keeps its last known offset.
        while len(self._samples) > 1 and self._samples[0][0] < oldest:
            self._samples.popleft()
