"""Shared personas: an owner workspace with its keys, and an outsider workspace."""

import logging
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from tests.helpers import PARTICIPANT_BODY, PROGRAM_BODY, Api
from tular.core import clock
from tular.tracking import redirect
from tular.workspaces.services import api_key_create, workspace_get_or_create

# Fixtures for tests that start real processes (isolated_env).
pytest_plugins = ["tests.processes", "tests.browser"]

# aiosmtpd (the e-mail tests' real SMTP server) logs every connection at INFO from its own
# thread, also after pytest has closed the captured streams ("--- Logging error ---").
logging.getLogger("mail.log").setLevel(logging.WARNING)


@pytest.fixture(autouse=True)
def _fresh_redirect_cache(settings):
    # Code lookups are cached per process; tests change data between requests.
    settings.TULAR_REDIRECT_CACHE_SECONDS = 0
    redirect._cache.clear()


class FrozenClock:
    """The one test clock: `tular.core.clock` stands at `now` and moves only when told."""

    def __init__(self, start: datetime):
        self.now = start
        clock.freeze(start)

    def set(self, moment: datetime) -> datetime:
        self.now = moment
        clock.freeze(moment)
        return moment

    def advance(self, **delta) -> datetime:
        return self.set(self.now + timedelta(**delta))

    @contextmanager
    def at(self, moment: datetime):
        """The clock reads `moment` inside the block, and what it read before afterwards."""
        before = self.now
        self.set(moment)
        try:
            yield moment
        finally:
            self.set(before)


@pytest.fixture
def clock_start() -> datetime:
    """Where `frozen_clock` starts; a test module or directory overrides it."""
    return datetime(2026, 5, 17, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen_clock(clock_start):
    yield FrozenClock(clock_start)
    clock.freeze(None)


@pytest.fixture(autouse=True)
def _clock_runs_after_each_test():
    # Whatever a test did with the clock, the next one starts with real time.
    yield
    clock.freeze(None)


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker):
    """One transaction around a whole test module: what a module-scoped fixture writes (the
    demo, say) is seen by every test of the module, each test's own changes are rolled back
    after it (pytest-django's savepoint), and everything is rolled back after the last test."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def demo_workspace(module_db):
    """The demo loaded once per module into the workspace `toko-andalan`, with the clock at the
    fixed day the demo's shape assertions expect."""
    from tular.demo.loader import load_demo

    workspace = workspace_get_or_create(slug="toko-andalan", name="Toko Andalan")[0]
    with clock.frozen(DEMO_TODAY):
        summary = load_demo(workspace=workspace)
    return workspace, summary


# A fixed "today" for the demo: its shape follows the calendar (weekdays, paydays).
DEMO_TODAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


@pytest.fixture
def workspace(db):
    return workspace_get_or_create(slug="toko-andalan", name="Toko Andalan")[0]


@pytest.fixture
def api(workspace):
    return Api(api_key_create(workspace=workspace)[1])


@pytest.fixture
def publishable_api(workspace):
    return Api(api_key_create(workspace=workspace, publishable=True)[1])


@pytest.fixture
def outsider_api(db):
    other = workspace_get_or_create(slug="pesaing", name="Pesaing")[0]
    return Api(api_key_create(workspace=other)[1])


@pytest.fixture
def anonymous_api(db):
    return Api(None)


@pytest.fixture
def program(api):
    response = api.post("/api/v1/programs", PROGRAM_BODY)
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def participant(api, program):
    response = api.post("/api/v1/participants", PARTICIPANT_BODY)
    assert response.status_code == 201, response.content
    return response.json()


# The longest tests first: with one worker per core they then run side by side from the start
# instead of one of them running alone at the end (the suite's wall time is what it waits for).
LONGEST_FIRST = (
    "tests/api/test_fuzz.py",
    "tests/rewards/test_books_stateful.py",
    "tests/e2e/",
    "tests/tracking/test_durability.py",
    "tests/demo/",
)


def pytest_collection_modifyitems(config, items):
    def rank(item) -> int:
        for index, prefix in enumerate(LONGEST_FIRST):
            if item.nodeid.startswith(prefix):
                return index
        return len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order within each group stays as collected
