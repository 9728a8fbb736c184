"""Story: the owner changes a program through PATCH /api/v1/programs/{slug}. The program that
results is validated as a whole; a refused change changes nothing; earned rewards are never
rewritten; every change is in the audit log."""

import copy

import pytest

from tests.helpers import PROGRAM_BODY, assert_problem
from tular.core.errors import Conflict, Invalid
from tular.programs.models import Program
from tular.programs.services import program_update
from tular.rewards.models import Reward
from tular.workspaces.models import AuditEntry


def signup(api, participant, n=1):
    body = {
        "event_id": f"signup-{n}",
        "code": participant["code"],
        "customer": {"external_id": f"cust_{n}", "email": f"teman{n}@example.com"},
    }
    response = api.post("/api/v1/track/signup", body)
    assert response.status_code == 201, response.content
    return response.json()


def stored(slug="pelanggan"):
    return Program.objects.filter(slug=slug).values().get()


def test_a_partial_body_changes_only_what_it_names(api, program):
    # when the owner renames the program and shortens the hold
    response = api.request("PATCH", "/api/v1/programs/pelanggan", {"name": "Ajak", "hold_days": 7})
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body == {**program, "name": "Ajak", "hold_days": 7}
    assert api.get("/api/v1/programs/pelanggan").json() == body


def test_rules_are_replaced_and_read_back_as_sent(api, program):
    rules = [{"trigger": "sale", "recipient": "referrer", "kind": "percent", "percent": "12.5"}]
    response = api.request("PATCH", "/api/v1/programs/pelanggan", {"rules": rules})
    assert response.status_code == 200, response.content
    assert response.json()["rules"] == [{**rules[0], "duration_months": 0, "tiers": []}]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"rules": [{"trigger": "sale", "recipient": "referrer", "kind": "percent"}]}, "rules"),
        (
            {"rules": [{"trigger": "sale", "recipient": "x", "kind": "fixed", "amount": 1}]},
            "rules",
        ),
        ({"rules": [{**PROGRAM_BODY["rules"][0], "percent": 20}]}, "rules"),
        ({"hold_days": -1}, "hold_days"),
        ({"hold_days": "7"}, "hold_days"),
        ({"currency": "XYZ"}, "currency"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"slug": None}, "slug"),
        ({"name": None}, "name"),
        ({"destination_url": "http:///no-host"}, "destination_url"),
        ({"attribution": {"model": "everywhere"}}, "attribution"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_an_invalid_change_is_a_422_with_its_location_and_changes_nothing(api, program, body, loc):
    before = stored()
    # when
    response = api.request("PATCH", "/api/v1/programs/pelanggan", body)
    # then
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"][:2] == ["body", loc], problem
    assert stored() == before
    assert not AuditEntry.objects.filter(action="program.update").exists()


def test_a_change_is_validated_with_the_rest_of_the_program(api, program):
    # given a program with monetary rules; when only the switch is turned off
    response = api.request(
        "PATCH", "/api/v1/programs/pelanggan", {"monetary_rewards_allowed": False}
    )
    # then the merged program is refused: its rules are monetary
    problem = assert_problem(response, 422)
    assert "monetary" in problem["detail"]
    assert stored()["monetary_rewards_allowed"] is True
    # and with perk rules only it is accepted
    perk = {"trigger": "qualified", "recipient": "referrer", "kind": "perk", "perk": "Kaos"}
    response = api.request(
        "PATCH",
        "/api/v1/programs/pelanggan",
        {"monetary_rewards_allowed": False, "rules": [perk]},
    )
    assert response.status_code == 200, response.content


def test_a_body_that_is_not_json_or_not_an_object_is_a_422_or_400(api, program):
    before = stored()
    for raw in ("[]", '"name"', "{"):
        response = api.client.generic(
            "PATCH",
            "/api/v1/programs/pelanggan",
            data=raw,
            content_type="application/json",
            headers={"Authorization": f"Bearer {api.key}"},
        )
        assert response.status_code in (400, 422), (raw, response.content)
        assert response["Content-Type"].startswith("application/problem+json")
    assert stored() == before


def test_an_unknown_program_is_a_404(api, program):
    assert_problem(api.request("PATCH", "/api/v1/programs/tidak-ada", {"name": "x"}), 404)
    assert_problem(api.request("PATCH", "/api/v1/programs/BAD%00", {"name": "x"}), 404)


def test_another_workspaces_program_is_a_404_and_unchanged(outsider_api, program):
    response = outsider_api.request("PATCH", "/api/v1/programs/pelanggan", {"name": "Diambil"})
    assert_problem(response, 404)
    assert stored()["name"] == "Ajak Teman"


def test_a_publishable_key_may_not_change_a_program(publishable_api, program):
    response = publishable_api.request("PATCH", "/api/v1/programs/pelanggan", {"name": "x"})
    assert_problem(response, 403)


def test_the_slug_may_change_while_the_program_has_no_rewards(api, program):
    response = api.request("PATCH", "/api/v1/programs/pelanggan", {"slug": "teman"})
    assert response.status_code == 200, response.content
    assert response.json()["slug"] == "teman"
    assert_problem(api.get("/api/v1/programs/pelanggan"), 404)
    assert api.get("/api/v1/programs/teman").json()["id"] == program["id"]


def test_a_slug_taken_in_the_workspace_is_a_409(api, program):
    api.post("/api/v1/programs", {**PROGRAM_BODY, "slug": "mitra"})
    response = api.request("PATCH", "/api/v1/programs/pelanggan", {"slug": "mitra"})
    assert_problem(response, 409)
    assert stored()["name"] == "Ajak Teman"


@pytest.mark.parametrize("change", [{"slug": "teman"}, {"currency": "USD"}])
def test_slug_and_currency_are_frozen_once_the_program_has_rewards(
    api, program, participant, change
):
    # given a reward earned in the program
    signup(api, participant)
    before = stored()
    # when
    response = api.request("PATCH", "/api/v1/programs/pelanggan", change)
    # then
    problem = assert_problem(response, 409)
    assert next(iter(change)) in problem["detail"]
    assert stored() == before


def test_earned_rewards_are_never_rewritten_new_events_follow_the_new_rules(
    api, program, participant
):
    # given a friend reward of Rp50.000 earned under the old rules
    first = signup(api, participant, 1)["rewards"][0]
    # when the friend reward becomes Rp75.000 and the hold 0 days
    rules = copy.deepcopy(PROGRAM_BODY["rules"])
    rules[1]["amount"] = 7_500_000
    response = api.request("PATCH", "/api/v1/programs/pelanggan", {"rules": rules, "hold_days": 0})
    assert response.status_code == 200, response.content
    # then the earned reward keeps its amount, status and hold; the next sign-up earns the new one
    old = Reward.objects.get(pk=first["id"])
    assert (old.amount, old.status) == (5_000_000, first["status"])
    assert old.status == "pending"
    second = signup(api, participant, 2)["rewards"][0]
    assert second["amount"] == 7_500_000


def test_other_attribution_models_are_stored_as_sent(api, program):
    for model in ("first_touch", "linear", "time_decay", "position_based", "last_touch"):
        attribution = {"model": model, "window_days": 45}
        response = api.request("PATCH", "/api/v1/programs/pelanggan", {"attribution": attribution})
        assert response.status_code == 200, response.content
        assert response.json()["attribution"] == attribution
        assert stored()["attribution"] == attribution


def test_the_openapi_says_how_the_attribution_model_splits_commission(api):
    schema = api.get("/api/v1/openapi.json").json()
    description = schema["components"]["schemas"]["Attribution"]["properties"]["model"][
        "description"
    ]
    assert "split at grant time" in description
    assert "/api/v1/attribution/compare" in description


def test_a_change_is_audited_with_the_key_and_before_after(api, program):
    # when
    api.request("PATCH", "/api/v1/programs/pelanggan", {"name": "Ajak", "hold_days": 14})
    # then only what changed is recorded, with the key that changed it
    entry = AuditEntry.objects.get(action="program.update")
    assert entry.target_type == "programs.program" and entry.target_id == program["id"]
    assert entry.before == {"name": "Ajak Teman"}
    assert entry.after == {"name": "Ajak"}
    assert entry.actor_api_key is not None
    assert entry.actor == f"API key {entry.actor_api_key.prefix}…"


def test_a_change_that_changes_nothing_writes_nothing(api, program):
    response = api.request("PATCH", "/api/v1/programs/pelanggan", {"name": "Ajak Teman"})
    assert response.status_code == 200
    assert api.request("PATCH", "/api/v1/programs/pelanggan", {}).status_code == 200
    assert not AuditEntry.objects.filter(action="program.update").exists()


def test_creation_is_audited_too(api, program):
    entry = AuditEntry.objects.get(action="program.create")
    assert entry.target_id == program["id"]
    assert entry.before is None
    assert entry.after["slug"] == "pelanggan"
    assert entry.after["rules"] == program["rules"]
    assert entry.actor_api_key is not None


def test_the_service_refuses_what_the_api_refuses(program):
    row = Program.objects.get(slug="pelanggan")
    with pytest.raises(Invalid) as refused:
        program_update(program=row, changes={"rules": [{"trigger": "sale"}]})
    assert refused.value.extra["errors"][0]["loc"][:2] == ["body", "rules"]
    with pytest.raises(Conflict):
        Program.objects.create(
            workspace=row.workspace,
            slug="kedua",
            name="x",
            kind="customer",
            currency="IDR",
            destination_url="https://toko.example/",
        )
        program_update(program=row, changes={"slug": "kedua"})
