"""The wall-clock limit: nested limits stop the block at whichever comes first."""

import time

import pytest

from diffcompare.deadline import TimedOut, deadline


def _spin(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_an_inner_limit_never_outlasts_the_outer():
    start = time.monotonic()
    with pytest.raises(TimedOut) as caught:
        with deadline(0.3):
            try:
                with deadline(5.0):  # longer than what the outer has left
                    _spin(3.0)
            except TimedOut as exc:  # fired at the outer's time, and says it is not its own
                assert not exc.own and exc.seconds == 0.3
            _spin(3.0)
    assert time.monotonic() - start < 1.5
    assert caught.value.seconds == 0.3  # the outer's, re-armed on the way out


def test_a_shorter_inner_limit_fires_first_and_the_outer_goes_on():
    with deadline(2.0):
        with pytest.raises(TimedOut) as caught:
            with deadline(0.1):
                _spin(1.0)
        assert caught.value.seconds == 0.1 and caught.value.own
        _spin(0.2)  # the outer's time is still running, not spent
