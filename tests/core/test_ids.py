"""UUIDv7 ids: version and variant bits right, time-ordered across milliseconds, unique."""

import time
import uuid

from tular.core.ids import new_uuid7, uuid7_time_ms


def test_uuid7_has_version_7_and_the_rfc_variant():
    value = new_uuid7()
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_uuid7_carries_the_current_time():
    before = time.time_ns() // 1_000_000
    value = new_uuid7()
    after = time.time_ns() // 1_000_000
    assert before <= uuid7_time_ms(value) <= after


def test_uuid7_sorts_by_time_across_milliseconds_and_never_repeats():
    ids = []
    for _ in range(5):
        ids.append(new_uuid7())
        time.sleep(0.002)
    assert ids == sorted(ids)
    many = {new_uuid7() for _ in range(10_000)}
    assert len(many) == 10_000
