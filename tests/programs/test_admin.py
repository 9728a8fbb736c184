"""Story: a superuser edits a program in Django's admin. The form is validated by the same
schema as the API, errors are shown beside their field, the save goes through the services (and
the audit log), and an invalid rule can never reach the database to make track/signup fail."""

import json

import pytest

from tests.helpers import PROGRAM_BODY
from tular.programs.models import Program
from tular.programs.services import PIPELINE_FIELDS
from tular.workspaces.models import AuditEntry


def form_data(program: Program | None = None, **changes) -> dict:
    values = {
        key: PROGRAM_BODY[key]
        for key in (
            "slug",
            "name",
            "kind",
            "currency",
            "destination_url",
            "allowed_hosts",
            "attribution",
            "hold_days",
            "auto_approve_below",
            "clawback_days",
            "monetary_rewards_allowed",
            "rules",
        )
    }
    if program is not None:
        values.update({key: getattr(program, key) for key in values})
    # The pipeline's settings as the form shows them (the program's, else the defaults).
    values.update({key: getattr(program or Program(), key) for key in PIPELINE_FIELDS})
    values.update(changes)
    data = {}
    for key, value in values.items():
        if key in ("allowed_hosts", "attribution", "rules"):
            data[key] = value if isinstance(value, str) else json.dumps(value)
        elif key == "monetary_rewards_allowed":
            if value:
                data[key] = "on"
        else:
            data[key] = "" if value is None else value
    return data


def change_url(program: Program) -> str:
    return f"/admin/programs/program/{program.pk}/change/"


def signup(api, participant, n=1):
    body = {
        "event_id": f"signup-{n}",
        "code": participant["code"],
        "customer": {"external_id": f"cust_{n}", "email": f"teman{n}@example.com"},
    }
    return api.post("/api/v1/track/signup", body)


@pytest.fixture
def row(program):
    return Program.objects.get(slug="pelanggan")


def test_the_change_page_shows_the_program(admin_client, row):
    page = admin_client.get(change_url(row))
    assert page.status_code == 200
    assert b"Ajak Teman" in page.content


@pytest.mark.parametrize(
    ("rules", "shown"),
    [
        (
            [{"trigger": "sale", "recipient": "referrer", "kind": "percent"}],
            "needs &#x27;percent&#x27;",
        ),
        ([{**PROGRAM_BODY["rules"][0], "percent": 20}], "decimal string"),
        (
            [{"trigger": "signup", "recipient": "friend", "kind": "fixed", "amount": -5}],
            "rules[0].amount",
        ),
        ({"not": "a list"}, "valid list"),
        ([{"trigger": "sale"}, "x"], "rules[1]"),
    ],
)
def test_an_invalid_rule_is_refused_beside_the_field_and_changes_nothing(
    admin_client, api, participant, row, rules, shown
):
    before = Program.objects.filter(pk=row.pk).values().get()
    # when the superuser saves an invalid rule
    response = admin_client.post(change_url(row), form_data(row, rules=rules, name="Diubah"))
    # then the form comes back with the error beside the rules, and nothing is stored
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "rules" in errors, errors
    assert shown in response.content.decode()
    assert Program.objects.filter(pk=row.pk).values().get() == before
    assert not AuditEntry.objects.filter(action="program.update").exists()
    # and sign-ups keep working on the program's valid rules
    assert signup(api, participant).status_code == 201


def test_a_valid_change_is_saved_through_the_service_and_audited_with_the_user(
    admin_client, admin_user, api, participant, row
):
    rules = [{"trigger": "signup", "recipient": "friend", "kind": "fixed", "amount": 7_500_000}]
    # when
    response = admin_client.post(change_url(row), form_data(row, rules=rules, name="Diubah"))
    # then
    assert response.status_code == 302, response.context["adminform"].form.errors
    row.refresh_from_db()
    assert row.name == "Diubah"
    assert row.rules == [{**rules[0], "duration_months": 0, "tiers": []}]
    entry = AuditEntry.objects.get(action="program.update")
    assert entry.actor_user == admin_user and entry.actor == admin_user.get_username()
    assert entry.before["name"] == "Ajak Teman" and entry.after["name"] == "Diubah"
    # and a sign-up earns under the new rule
    assert signup(api, participant).json()["rewards"][0]["amount"] == 7_500_000


def test_a_whole_program_error_is_shown_on_top(admin_client, row):
    response = admin_client.post(change_url(row), form_data(row, monetary_rewards_allowed=False))
    assert response.status_code == 200
    assert "monetary" in " ".join(response.context["adminform"].form.non_field_errors())
    assert Program.objects.get(pk=row.pk).monetary_rewards_allowed is True


def test_the_currency_cannot_change_once_rewarded(admin_client, api, participant, row):
    assert signup(api, participant).status_code == 201
    response = admin_client.post(change_url(row), form_data(row, currency="USD"))
    assert response.status_code == 200
    assert "currency" in response.context["adminform"].form.errors
    assert Program.objects.get(pk=row.pk).currency == "IDR"


def test_a_slug_taken_in_the_workspace_is_shown_beside_the_slug(admin_client, api, row):
    api.post("/api/v1/programs", {**PROGRAM_BODY, "slug": "mitra"})
    response = admin_client.post(change_url(row), form_data(row, slug="mitra"))
    assert response.status_code == 200
    assert "slug" in response.context["adminform"].form.errors
    assert Program.objects.filter(slug="pelanggan").exists()


def test_a_program_added_in_the_admin_is_created_through_the_service(
    admin_client, admin_user, workspace
):
    data = {**form_data(slug="admin-baru"), "workspace": workspace.pk}
    response = admin_client.post("/admin/programs/program/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    program = Program.objects.get(slug="admin-baru")
    assert program.allowed_hosts == ["toko.example"]
    entry = AuditEntry.objects.get(action="program.create", target_id=str(program.pk))
    assert entry.actor_user == admin_user


def test_an_invalid_program_is_not_added(admin_client, workspace):
    data = {**form_data(slug="admin-baru", currency="XYZ"), "workspace": workspace.pk}
    response = admin_client.post("/admin/programs/program/add/", data)
    assert response.status_code == 200
    assert "currency" in response.context["adminform"].form.errors
    assert not Program.objects.filter(slug="admin-baru").exists()
