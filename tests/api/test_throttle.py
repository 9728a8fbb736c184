"""The per-key rate limit: a sliding-window counter whose cost does not grow with the traffic."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache

from tular.api.auth import PerKeyThrottle, parse_rate


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def throttle(settings):
    settings.TULAR_API_RATE_LIMIT = "3/min"
    cache.clear()
    throttle = PerKeyThrottle()
    throttle.timer = Clock(60_000.0)  # the start of a minute window
    yield throttle
    cache.clear()


def _request(key_id: int = 1):
    return SimpleNamespace(auth=SimpleNamespace(pk=key_id), META={"REMOTE_ADDR": "127.0.0.1"})


def test_rates_are_parsed_as_the_settings_give_them():
    assert parse_rate("6000/min") == (6000, 60)
    assert parse_rate("100/s") == (100, 1)
    assert parse_rate("5000/hour") == (5000, 3600)


def test_the_limit_holds_per_key_and_is_kept_as_one_number(throttle):
    assert [throttle.allow_request(_request()) for _ in range(4)] == [True, True, True, False]
    assert 1 <= throttle.wait() <= 120
    assert throttle.allow_request(_request(key_id=2))  # another key has its own count
    # one integer per key and window, whatever the traffic (not a list of times)
    assert cache.get("throttle_api-key_key-1_1000") == 3


def test_the_previous_windows_requests_fade_out_across_the_next(throttle):
    for _ in range(3):
        assert throttle.allow_request(_request())
    throttle.timer.now = 60_060.0  # the next window starts: all 3 of the last still count
    assert not throttle.allow_request(_request())
    wait = throttle.wait()
    assert 19 <= wait <= 21  # 3 * (1 - 20/60) + 1 = 3 fits after 20 s
    throttle.timer.now = 60_060.0 + wait + 0.5
    assert throttle.allow_request(_request())
    assert not throttle.allow_request(_request())  # about 2 faded + 1 new: no room for one more


def test_a_full_window_waits_past_its_end(throttle, settings):
    settings.TULAR_API_RATE_LIMIT = "2/min"
    throttle.timer.now = 60_030.0  # half way through the window
    assert throttle.allow_request(_request()) and throttle.allow_request(_request())
    assert not throttle.allow_request(_request())
    # 30 s to the window's end, then 2 * (1 - t/60) + 1 <= 2 after 30 s more
    assert 59 <= throttle.wait() <= 61


def test_a_request_handed_on_is_counted_back(throttle):
    for _ in range(3):
        assert throttle.allow_request(_request())
        counted = throttle.last_counted()
    throttle.uncount(counted)
    assert throttle.allow_request(_request())  # the third was taken back: room for one
    assert not throttle.allow_request(_request())
