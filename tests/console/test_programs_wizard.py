"""Story: a manager sets up a two-sided program through the console's five-step wizard, sees
what a referrer and a friend would earn while typing, fixes mistakes shown beside the fields,
goes back without losing input, and creates the program once even when clicking twice. Editing
goes through the same steps and never rewrites earned rewards."""

import re

import pytest

from tests.helpers import PARTICIPANT_BODY
from tular.programs.models import Program
from tular.programs.rules import PROGRAM_SETTINGS_FIELDS, ProgramSettings
from tular.programs.services import program_create
from tular.rewards.models import Reward
from tular.workspaces.models import AuditEntry

KIND = {"kind": "customer", "name": "Ajak Teman Belanja", "slug": ""}
LINK = {
    "currency": "IDR",
    "destination_url": "https://toko.example/daftar",
    "allowed_hosts": "toko.example, *.toko.example",
    "window_days": "30",
}
INCENTIVE = {
    "referrer_kind": "percent",
    "referrer_trigger": "sale",
    "referrer_percent": "20",
    "duration_months": "12",
    "tier1_min": "5",
    "tier1_rate": "25",
    "cap_amount": "15.000.000",
    "cap_period": "quarter",
    "friend_kind": "fixed",
    "friend_trigger": "signup",
    "friend_amount": "50.000",
}
HOLDS = {
    "hold_days": "14",
    "auto_approve_below": "7.500.000",
    "clawback_days": "60",
    "monetary_rewards_allowed": "on",
}
# What POST /api/v1/programs would store for the same program.
API_RULES = [
    {
        "trigger": "sale",
        "recipient": "referrer",
        "kind": "percent",
        "percent": "20",
        "duration_months": 12,
        "tiers": [{"min_conversions": 5, "percent": "25"}],
        "cap": {"amount": 1500000000, "period": "quarter"},
    },
    {"trigger": "signup", "recipient": "friend", "kind": "fixed", "amount": 5000000},
]


def start(client) -> str:
    response = client.get("/console/programs/new/")
    assert response.status_code == 302
    match = re.fullmatch(r"/console/programs/new/([^/]+)/kind/", response["Location"])
    assert match, response["Location"]
    return f"/console/programs/new/{match[1]}/"


def post_step(client, base, step, data, expect_next=None):
    response = client.post(f"{base}{step}/", data)
    if expect_next:
        assert response.status_code == 302, response.content.decode()[:3000]
        assert response["Location"] == f"{base}{expect_next}/"
    return response


def fill_all(client) -> str:
    base = start(client)
    post_step(client, base, "kind", KIND, "link")
    post_step(client, base, "link", LINK, "incentive")
    post_step(client, base, "incentive", INCENTIVE, "holds")
    post_step(client, base, "holds", HOLDS, "review")
    return base


def test_a_manager_creates_a_two_sided_program_with_the_rules_the_api_would_store(
    manager_client, console_workspace, api
):
    # given the four steps filled in
    base = fill_all(manager_client)
    # when the review is read
    review = manager_client.get(f"{base}review/")
    # then it states the rules in plain words and every setting
    page = review.content.decode()
    assert review.status_code == 200
    assert "Anda mendapat 20% dari nilai pembelian saat pelanggan yang Anda ajak membayar." in page
    assert "Teman Anda mendapat Rp50.000 saat mendaftar lewat tautan Anda." in page
    assert "Rp7.500.000" in page
    # when the manager creates it
    response = manager_client.post(f"{base}review/")
    # then the program exists, as the API would have stored it, and the page shows it
    program = Program.objects.get(workspace=console_workspace)
    assert response.status_code == 302
    assert response["Location"] == "/console/programs/ajak-teman-belanja/"
    assert program.slug == "ajak-teman-belanja"
    through_the_api = api.post(
        "/api/v1/programs",
        {
            "slug": "ajak-teman-belanja",
            "name": "Ajak Teman Belanja",
            "kind": "customer",
            "currency": "IDR",
            "destination_url": "https://toko.example/daftar",
            "allowed_hosts": ["toko.example", "*.toko.example"],
            "hold_days": 14,
            "auto_approve_below": 750000000,
            "clawback_days": 60,
            "rules": API_RULES,
        },
    )
    assert through_the_api.status_code == 201, through_the_api.content
    from_api = Program.objects.exclude(workspace=console_workspace).get()
    for field in PROGRAM_SETTINGS_FIELDS:
        assert getattr(program, field) == getattr(from_api, field), field
    assert program.allowed_hosts == ["*.toko.example", "toko.example"]
    assert program.auto_approve_below == 750000000
    assert program.attribution == {"model": "last_touch", "window_days": 30}
    assert (program.hold_days, program.clawback_days) == (14, 60)
    audit = AuditEntry.objects.get(workspace=console_workspace, action="program.create")
    assert audit.actor == "manager@toko.example"


def test_a_double_submit_of_the_last_step_creates_once(manager_client, console_workspace):
    base = fill_all(manager_client)
    first = manager_client.post(f"{base}review/")
    second = manager_client.post(f"{base}review/")
    assert first.status_code == 302 and second.status_code == 302
    assert Program.objects.filter(workspace=console_workspace).count() == 1
    assert second["Location"] == "/console/programs/ajak-teman-belanja/"


def test_errors_are_shown_beside_their_fields_at_each_step(manager_client, console_workspace):
    base = start(manager_client)
    # step 1: no kind, a bad slug
    response = post_step(manager_client, base, "kind", {"name": "Ajak", "slug": "Ajak Teman!"})
    assert response.status_code == 422
    form = response.context["form"]
    assert "kind" in form.errors and "slug" in form.errors
    assert 'id="slug-error"' in response.content.decode()
    post_step(manager_client, base, "kind", KIND, "link")
    # step 2: not a URL, a bad host
    response = post_step(
        manager_client,
        base,
        "link",
        {**LINK, "destination_url": "toko.example", "allowed_hosts": "toko_example"},
    )
    assert set(response.context["form"].errors) == {"destination_url", "allowed_hosts"}
    post_step(manager_client, base, "link", LINK, "incentive")
    # step 3: a percentage above 100, a fixed amount that is not a number, a cap without period
    response = post_step(
        manager_client,
        base,
        "incentive",
        {
            **INCENTIVE,
            "referrer_percent": "120",
            "friend_amount": "lima puluh",
            "cap_period": "",
        },
    )
    errors = response.context["form"].errors
    assert {"referrer_percent", "friend_amount", "cap_period"} <= set(errors)
    # a percentage on a sign-up is refused as the engine would
    response = post_step(
        manager_client,
        base,
        "incentive",
        {**INCENTIVE, "referrer_trigger": "signup"},
    )
    assert "referrer_trigger" in response.context["form"].errors
    post_step(manager_client, base, "incentive", INCENTIVE, "holds")
    # step 4: cash rewards off while the rules pay money
    response = post_step(
        manager_client,
        base,
        "holds",
        {key: value for key, value in HOLDS.items() if key != "monetary_rewards_allowed"},
    )
    assert "monetary_rewards_allowed" in response.context["form"].errors
    assert Program.objects.count() == 0


def test_the_review_cannot_be_reached_before_the_steps_are_done(manager_client):
    base = start(manager_client)
    post_step(manager_client, base, "kind", KIND, "link")
    response = manager_client.get(f"{base}review/")
    assert response.status_code == 302
    assert response["Location"] == f"{base}link/"


def test_back_keeps_what_was_typed(manager_client):
    base = start(manager_client)
    post_step(manager_client, base, "kind", KIND, "link")
    # when the manager types a half-finished link step and goes back
    response = manager_client.post(
        f"{base}link/", {**LINK, "destination_url": "https://toko.example/x", "_back": "1"}
    )
    assert response["Location"] == f"{base}kind/"
    # then step 1 shows its input and step 2 still has what was typed
    assert 'value="Ajak Teman Belanja"' in manager_client.get(f"{base}kind/").content.decode()
    assert "https://toko.example/x" in manager_client.get(f"{base}link/").content.decode()


def api_program(workspace, **settings):
    """A customer program in IDR made as POST /api/v1/programs would (`settings` on top)."""
    body = {"kind": "customer", "currency": "IDR", "destination_url": "https://toko.example/"}
    return program_create(
        workspace=workspace, config=ProgramSettings.model_validate({**body, **settings})
    )


def test_a_taken_slug_is_shown_at_the_first_step(manager_client, console_workspace):
    base = fill_all(manager_client)
    # given another program took the slug meanwhile (e.g. through the API)
    api_program(console_workspace, slug="ajak-teman-belanja", name="Lain")
    # when the manager creates
    response = manager_client.post(f"{base}review/")
    # then the first step says so beside the slug
    assert response["Location"] == f"{base}kind/"
    page = manager_client.get(f"{base}kind/")
    assert "slug" in page.context["form"].errors
    assert Program.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "referrer", "friend"),
    [
        ({}, "Rp200.000", "Rp50.000"),
        ({"example_customers": "5"}, "Rp250.000", "Rp50.000"),
        ({"example_amount": "100.000.000"}, "Rp15.000.000", "Rp50.000"),
    ],
)
def test_the_live_preview_shows_what_the_engine_grants(manager_client, data, referrer, friend):
    # given the incentive as typed: 20 % (25 % from 5 customers, cap Rp15.000.000), friend Rp50.000
    query = {**INCENTIVE, "preview_currency": "IDR", "example_amount": "1.000.000", **data}
    # when the page asks for the preview (htmx, as fields change)
    response = manager_client.get(
        "/console/programs/preview/", query, headers={"HX-Request": "true"}
    )
    # then it shows the engine's amounts for the referrer and the friend
    assert response.status_code == 200
    page = response.content.decode()
    referrer_part = page.split('data-preview="referrer"')[1].split("</dd>")[0]
    friend_part = page.split('data-preview="friend"')[1].split("</dd>")[0]
    assert referrer in referrer_part
    assert friend in friend_part


def test_the_incentive_step_draws_the_preview_and_asks_htmx_to_update_it(manager_client):
    base = start(manager_client)
    post_step(manager_client, base, "kind", KIND, "link")
    post_step(manager_client, base, "link", LINK, "incentive")
    page = manager_client.get(f"{base}incentive/").content.decode()
    # every field's input (typed, pasted or chosen), one request at a time (none aborted)
    assert 'hx-trigger="input delay:400ms"' in page
    assert 'hx-sync="this:queue last"' in page
    assert 'id="reward-preview"' in page


def two_sided_program(workspace):
    return api_program(
        workspace,
        slug="pelanggan",
        name="Ajak Teman",
        destination_url="https://toko.example/daftar",
        hold_days=0,
        rules=API_RULES,
    )


def test_editing_changes_the_rules_for_new_events_and_keeps_earned_rewards(
    manager_client, console_workspace
):
    from tular.participants.services import participant_enrol
    from tular.referrals.services import track_signup

    # given a program whose friend already earned Rp50.000
    program = two_sided_program(console_workspace)
    referrer, _ = participant_enrol(
        program=program, email=PARTICIPANT_BODY["email"], external_id="cust_42"
    )
    track_signup(
        workspace=console_workspace,
        event_id="s1",
        code=referrer.code,
        customer_external_id="c1",
        email="teman@example.com",
    )
    earned = list(Reward.objects.values("pk", "amount", "status"))
    assert [reward["amount"] for reward in earned] == [5000000]
    # when the manager edits the friend reward to Rp75.000 through the same steps
    start_edit = manager_client.get("/console/programs/pelanggan/edit/")
    base = start_edit["Location"].removesuffix("kind/")
    page = manager_client.get(f"{base}incentive/").content.decode()
    assert 'value="50.000"' in page  # the stored rules come back as typed
    assert "aktivitas baru" in page  # the page says changes apply to new events only
    post_step(manager_client, base, "incentive", {**INCENTIVE, "friend_amount": "75.000"}, "holds")
    response = manager_client.post(f"{base}review/")
    # then the rule changed, the earned reward did not
    assert response["Location"] == "/console/programs/pelanggan/"
    program.refresh_from_db()
    assert program.rules[1]["amount"] == 7500000
    assert list(Reward.objects.values("pk", "amount", "status")) == earned


def test_slug_and_currency_are_locked_once_the_program_has_rewards(
    manager_client, console_workspace
):
    from tular.participants.services import participant_enrol
    from tular.referrals.services import track_signup

    program = two_sided_program(console_workspace)
    referrer, _ = participant_enrol(program=program, email="andi@example.com", external_id="a")
    track_signup(
        workspace=console_workspace,
        event_id="s1",
        code=referrer.code,
        customer_external_id="c1",
        email="teman@example.com",
    )
    base = manager_client.get("/console/programs/pelanggan/edit/")["Location"].removesuffix("kind/")
    form = manager_client.get(f"{base}kind/").context["form"]
    assert form.fields["slug"].disabled
    # a changed slug sent anyway is ignored (the field is locked)
    post_step(manager_client, base, "kind", {**KIND, "slug": "baru"}, "link")
    link = manager_client.get(f"{base}link/").context["form"]
    assert link.fields["currency"].disabled
    post_step(manager_client, base, "link", {**LINK, "currency": "USD"}, "incentive")
    manager_client.post(f"{base}incentive/", INCENTIVE)
    manager_client.post(f"{base}holds/", HOLDS)
    manager_client.post(f"{base}review/")
    program.refresh_from_db()
    assert (program.slug, program.currency) == ("pelanggan", "IDR")


def test_a_partner_program_with_several_referrer_rewards_is_edited_in_place(
    manager_client, console_workspace
):
    from tests.helpers import PROGRAM_BODY

    # given the contract's example: a percentage with tiers and a cap, a friend reward, a bonus
    # when the deal is won and a perk when the lead is qualified
    program = program_create(
        workspace=console_workspace, config=ProgramSettings.model_validate(PROGRAM_BODY)
    )
    stored = program.rules
    base = manager_client.get("/console/programs/pelanggan/edit/")["Location"].removesuffix("kind/")
    assert manager_client.get(f"{base}incentive/").status_code == 200
    wizard_id = base.split("/")[-2]
    data = dict(manager_client.session["program_wizards"][wizard_id]["raw"]["incentive"])
    assert data["extra1_kind"] == "fixed" and data["extra1_trigger"] == "won"
    assert data["extra2_kind"] == "perk" and data["extra2_perk"] == "Akses beta"
    # when the manager raises the won bonus to Rp10.000.000 and saves
    post_step(manager_client, base, "incentive", {**data, "extra1_amount": "10.000.000"}, "holds")
    response = manager_client.post(f"{base}review/")
    assert response["Location"] == "/console/programs/pelanggan/"
    # then only that rule changed, and every rule kept its place (its index)
    program.refresh_from_db()
    assert program.rules[2]["amount"] == 1000000000
    assert [rule["trigger"] for rule in program.rules] == [rule["trigger"] for rule in stored]
    assert program.rules[:2] == stored[:2] and program.rules[3] == stored[3]


@pytest.mark.parametrize(
    ("typed", "minor"),
    [
        ("50000", 5000000),
        ("50.000", 5000000),
        ("Rp50.000", 5000000),
        ("1.500.000,50", 150000050),
        ("1,250.00", 125000),
        ("50,5", 5050),
        ("1,234", 123400),  # a comma before three digits groups thousands
    ],
)
def test_amounts_are_typed_in_major_units(typed, minor):
    from tular.console.views.programs.forms import parse_money

    assert parse_money(typed, "IDR") == minor


@pytest.mark.parametrize("typed", ["", "lima", "50.000.0000", "1.5.000", "0", "12,3456"])
def test_unclear_amounts_are_refused(typed):
    from django import forms

    from tular.console.views.programs.forms import parse_money

    with pytest.raises(forms.ValidationError):
        parse_money(typed, "IDR")
