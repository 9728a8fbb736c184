"""core.rows and core.reads: the hand-written INSERTs and reads of the tracking hot path give
exactly what the ORM gives (values, types, time zones, enums, NULLs), and the psycopg cache
limit the hot path relies on is raised."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from tular.core import rows
from tular.core.apps import PSYCOPG_CACHED_PARAMS, psycopg_cache_more_statements
from tular.core.reads import JoinedRead
from tular.participants.models import Participant, ParticipantKind
from tular.programs.models import Program
from tular.rewards.models import (
    Account,
    LedgerEntry,
    LedgerTransaction,
    Reward,
    RewardStatus,
)
from tular.workspaces.models import ApiKey, Workspace
from tular.workspaces.services import api_key_authenticate, api_key_create, api_key_revoke

pytestmark = pytest.mark.django_db


def _values(instance):
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _orm_params(model, obj):
    fields = [f for f in model._meta.concrete_fields if not f.db_returning]
    return [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]


@pytest.fixture
def program(workspace):
    return Program.objects.create(
        workspace=workspace,
        slug="rows",
        name="Rows",
        kind="customer",
        currency="IDR",
        destination_url="https://example.com/",
    )


def _reward(program, participant, **changes):
    from tular.referrals.models import Referral

    referral = Referral.objects.create(
        workspace=program.workspace,
        program=program,
        participant=participant,
        customer_external_id="c-1",
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
    )
    now = datetime(2026, 12, 3, 10, 30, 15, 123456, tzinfo=UTC)
    values = dict(
        workspace_id=program.workspace_id,
        program=program,
        participant=participant,
        referral=referral,
        rule_index=0,
        trigger="sale",
        recipient="referrer",
        kind="percent",
        amount=125_000,
        currency="IDR",
        percent=Decimal("12.5"),
        base_amount=1_000_000,
        attribution_share=Decimal("0.500000"),
        status=RewardStatus.approved,  # a str enum
        hold_until=now + timedelta(days=30),
        referred_at=now,
        converted_at=now,
        created_at=now,
        approved_at=None,
    )
    values.update(changes)
    return Reward(**values)


def test_the_prepared_values_are_the_orms(workspace, program):
    participant = Participant(
        workspace=workspace,
        program=program,
        email="Ani@Example.com",
        email_normalised="ani@example.com",
        kind=ParticipantKind.customer,
        code="ANI-1",
        external_id=None,
    )
    participant.save()
    reward = _reward(program, participant)
    transaction = LedgerTransaction(
        workspace=workspace,
        kind=LedgerTransaction.Kind.earned,
        reward=reward,
        memo="",
        created_at=reward.created_at,
    )
    entry = LedgerEntry(
        transaction_id=7,
        workspace=workspace,
        program=program,
        participant=None,
        account=Account.pending,
        currency="IDR",
        amount=-125_000,
    )
    fresh = Participant(
        workspace=workspace,
        program=program,
        email="b@example.com",
        email_normalised="b@example.com",
        code="B-1",
    )
    for model, obj in (
        (Participant, fresh),
        (Reward, reward),
        (LedgerTransaction, transaction),
        (LedgerEntry, entry),
    ):
        _, preparers, _ = rows._statement(model, connection.vendor)
        assert [prepare(obj) for prepare in preparers] == _orm_params(model, obj), model


def test_an_insert_reads_back_as_the_orm_wrote_it(workspace, program):
    # given: one participant saved by the ORM, one inserted by rows.insert with the same values
    common = dict(workspace=workspace, program=program, name="Ani", kind=ParticipantKind.partner)
    by_orm = Participant(
        email="a@example.com", email_normalised="a@example.com", code="A-1", **common
    )
    by_orm.save()
    by_rows = Participant(
        email="b@example.com", email_normalised="b@example.com", code="B-1", **common
    )
    # when
    rows.insert(Participant, [by_rows])
    # then
    assert not by_rows._state.adding
    one = _values(Participant.objects.get(pk=by_orm.pk))
    other = _values(Participant.objects.get(pk=by_rows.pk))
    assert _values(by_rows) == other
    for name in ("email", "email_normalised", "code", "id"):
        one.pop(name), other.pop(name)
    one.pop("created_at"), other.pop("created_at")
    assert one == other


def _ani(program, **extra) -> Participant:
    return Participant.objects.create(
        workspace=program.workspace,
        program=program,
        email="a@example.com",
        email_normalised="a@example.com",
        code="A-1",
        **extra,
    )


def test_values_rows_take_the_drawn_keys_in_order(workspace, program):
    participant = _ani(program)
    reward = _reward(program, participant)
    rows.insert(Reward, [reward])
    at = datetime(2026, 12, 3, 11, 0, tzinfo=UTC)
    records = rows.insert(
        LedgerTransaction,
        [
            rows.Values(
                workspace_id=workspace.pk,
                kind=kind,
                reward_id=reward.pk,
                payout_id=None,
                memo=memo,
                created_at=at,
            )
            for kind, memo in (("earned", "one"), ("approved", "two"))
        ],
        returning_pk=True,
    )
    stored = {t.pk: t for t in LedgerTransaction.objects.filter(reward=reward)}
    assert [stored[r.id].memo for r in records] == ["one", "two"]
    assert stored[records[0].id].created_at == at
    assert stored[records[1].id].kind == LedgerTransaction.Kind.approved


def test_a_joined_read_by_a_uuid_is_the_orms(workspace, program):
    participant = _ani(program, external_id="cust-1")
    read = JoinedRead(
        (("a", Participant, None), ("p", Program, Participant._meta.get_field("program"))),
        where=("program", "external_id"),
        inner=("program",),
    )
    found = read(program.pk, "cust-1")
    assert _values(found) == _values(participant)
    assert _values(found.program) == _values(program)
    assert read(program.pk, "cust-2") is None


def test_a_revoked_key_no_longer_authenticates(workspace):
    key, secret = api_key_create(workspace=workspace)
    found = api_key_authenticate(secret)
    assert found.pk == key.pk and found.workspace == workspace
    assert isinstance(found.workspace, Workspace) and ApiKey._meta.get_field("workspace").is_cached(
        found
    )
    api_key_revoke(workspace=workspace, key_id_or_prefix=key.prefix)
    assert api_key_authenticate(secret) is None
    assert api_key_authenticate(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None


def test_psycopg_keeps_the_parse_of_a_grants_statements():
    from psycopg import _queries

    assert psycopg_cache_more_statements() is True
    assert _queries.MAX_CACHED_STATEMENT_PARAMS >= PSYCOPG_CACHED_PARAMS
