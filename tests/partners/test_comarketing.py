"""Co-marketing activities (R35): their own link and code, which credits the partner, and the
leads and revenue each brought, from real tracked events."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tular.core.errors import Conflict, FieldConflict, Invalid
from tular.participants.models import CampaignCode
from tular.participants.services import participant_enrol, participant_update
from tular.partners.comarketing import (
    ActivityFigures,
    activities_of,
    activity_create,
    activity_figures,
    activity_finish,
    activity_update,
)
from tular.partners.models import CoMarketingActivity
from tular.programs.services import program_create, program_validate
from tular.referrals import services as use_cases
from tular.referrals.models import Referral
from tular.tracking.models import Click
from tular.workspaces.audit import Actor, AuditEntry

RP = 100
ACTOR = Actor.system("test")


def webinar(partner, **extra):
    return activity_create(
        participant=partner,
        kind=extra.pop("kind", "webinar"),
        title=extra.pop("title", "Webinar: jualan online"),
        starts_on=extra.pop("starts_on", date(2026, 11, 1)),
        actor=ACTOR,
        **extra,
    )


def visit(client, code: str) -> str:
    """Follow /r/CODE as a visitor does; the click id the redirect recorded."""
    response = client.get(f"/r/{code}")
    assert response.status_code == 302, response.status_code
    return response["Location"].split("tular_click=")[1]


def customer(workspace, *, n: int, click_id=None, code=None, amount=None):
    use_cases.track_signup(
        workspace=workspace,
        event_id=f"signup-{n}",
        customer_external_id=f"cust-{n}",
        email=f"buyer{n}@pelanggan.example",
        click_id=click_id,
        code=code,
    )
    if amount is not None:
        use_cases.track_sale(
            workspace=workspace,
            event_id=f"sale-{n}",
            customer_external_id=f"cust-{n}",
            amount=amount,
            currency="IDR",
            invoice_id=f"inv-{n}",
        )


def test_an_activity_gets_its_own_code_from_the_partners(partner):
    activity = webinar(
        partner, ends_on=date(2026, 11, 2), budget=5_000_000 * RP, budget_currency="idr"
    )
    assert activity.link.code.startswith(f"{partner.code}-")
    assert len(activity.link.code) == len(partner.code) + 5
    assert activity.link.participant == partner
    assert (activity.status, activity.budget_currency) == ("planned", "IDR")
    assert activity.program == partner.program
    # The budget needs its currency.
    with pytest.raises(Invalid) as caught:
        webinar(partner, budget=10)
    assert caught.value.extra["errors"][0]["loc"] == ["body", "budget_currency"]
    entry = AuditEntry.objects.get(action="activity.create")
    assert entry.after["code"] == activity.link.code


def test_the_link_redirects_and_credits_the_partner(client, workspace, partner):
    activity = webinar(partner)
    response = client.get(f"/r/{activity.link.code.lower()}?ch=email")
    assert response.status_code == 302
    # The destination hears the partner's own code: a code typed later still credits it.
    assert f"via={partner.code}&" in response["Location"]
    click = Click.objects.get()
    assert (click.participant_id, click.campaign_code_id) == (partner.pk, activity.link_id)
    assert click.channel == "email"
    customer(workspace, n=1, click_id=str(click.pk))
    referral = Referral.objects.get()
    assert (referral.participant_id, referral.click_id) == (partner.pk, click.pk)
    # The partner's own link records no campaign.
    client.get(f"/r/{partner.code}")
    assert Click.objects.filter(campaign_code__isnull=True).count() == 1


def test_figures_per_activity_from_tracked_events(client, workspace, partner, reseller_program):
    first = webinar(partner)
    second = webinar(partner, kind="email_swap", title="Newsletter swap", code="SWAP-NOV")
    assert second.link.code == "SWAP-NOV"
    other, _ = participant_enrol(
        program=reseller_program, email="b@mitra-b.example", name="B", kind="partner"
    )
    third = webinar(other, kind="event", title="Expo")

    clicks = [visit(client, first.link.code) for _ in range(3)]
    # A click recorded by a page through the API with the activity's code counts too.
    api_click = use_cases.track_click(workspace=workspace, code=first.link.code).click_id
    customer(workspace, n=1, click_id=clicks[0], amount=40_000_000 * RP)
    customer(workspace, n=2, click_id=clicks[1], amount=10_000_000 * RP)
    customer(workspace, n=3, click_id=str(api_click))  # signed up, bought nothing yet
    use_cases.track_refund(
        workspace=workspace,
        event_id="refund-2",
        customer_external_id="cust-2",
        invoice_id="inv-2",
        amount=4_000_000 * RP,
        currency="IDR",
    )
    # The email swap: one click, one customer.
    customer(workspace, n=4, click_id=visit(client, "swap-nov"), amount=1_000_000 * RP)
    # Not the activities': the partner's own link, and a code typed at checkout.
    customer(workspace, n=5, click_id=visit(client, partner.code), amount=99 * RP)
    customer(workspace, n=6, code=partner.code, amount=77 * RP)

    with CaptureQueriesContext(connection) as queries:
        figures = activity_figures(activities=[first, second, third])
    assert len(queries) == 4

    assert figures[first.pk] == ActivityFigures(
        clicks=4,
        leads=3,
        customers=2,
        revenue={"IDR": 46_000_000 * RP},
        # 10 % of each sale, the refund's share taken back.
        rewards={"IDR": 4_600_000 * RP},
    )
    assert figures[second.pk] == ActivityFigures(
        clicks=1, leads=1, customers=1, revenue={"IDR": 1_000_000 * RP}, rewards={"IDR": 10_000_000}
    )
    assert figures[third.pk] == ActivityFigures()
    # The partner is credited for all of it: the referrals are its own.
    assert Referral.objects.filter(participant=partner).count() == 6
    assert activity_figures(activities=[]) == {}


def test_a_chosen_code_is_checked_both_ways(partner, reseller_program):
    with pytest.raises(FieldConflict) as taken:
        webinar(partner, code=partner.code.lower())
    assert taken.value.field == "code"
    with pytest.raises(Invalid):
        webinar(partner, code="-X")
    activity = webinar(partner, code="webinar-24")
    with pytest.raises(FieldConflict):
        webinar(partner, code="WEBINAR-24")
    # Nor can a participant take a campaign code afterwards.
    other, _ = participant_enrol(
        program=reseller_program, email="c@mitra-c.example", name="C", kind="partner"
    )
    with pytest.raises(FieldConflict):
        participant_update(participant=other, changes={"code": "webinar-24"})
    with pytest.raises(Conflict):
        participant_enrol(program=reseller_program, email="d@mitra-d.example", code="WEBINAR-24")
    assert CampaignCode.objects.filter(code="WEBINAR-24").get() == activity.link
    assert CoMarketingActivity.objects.count() == 1


def test_only_partners_of_partner_programs(workspace, partner):
    program = program_create(
        workspace=workspace,
        config=program_validate(
            {
                "slug": "teman",
                "name": "Teman",
                "kind": "customer",
                "currency": "IDR",
                "destination_url": "https://toko.example/",
                "rules": [],
            }
        ),
    )
    friend, _ = participant_enrol(program=program, email="a@b.example")
    with pytest.raises(Invalid) as caught:
        webinar(friend)
    assert caught.value.extra["errors"][0]["loc"] == ["body", "partner"]


def test_update_and_finish(partner, frozen_clock):
    activity = webinar(partner, starts_on=frozen_clock.now.date())
    code = activity.link.code
    with pytest.raises(Invalid) as caught:
        activity_update(activity=activity, changes={"ends_on": date(2000, 1, 1)}, actor=ACTOR)
    assert caught.value.extra["errors"][0]["loc"] == ["body", "ends_on"]
    with pytest.raises(Invalid):
        activity_update(activity=activity, changes={"code": "NEW-CODE"}, actor=ACTOR)
    with pytest.raises(Invalid):
        activity_update(activity=activity, changes={"status": "cancelled"}, actor=ACTOR)
    changed = activity_update(
        activity=activity,
        changes={
            "title": "  Webinar 2  ",
            "status": "running",
            "budget": 100,
            "budget_currency": "idr",
        },
        actor=ACTOR,
    )
    assert (changed.title, changed.status, changed.budget_currency) == (
        "Webinar 2",
        "running",
        "IDR",
    )
    frozen_clock.advance(days=3)
    done = activity_finish(activity=changed, actor=ACTOR)
    assert done.status == "done" and done.ends_on == frozen_clock.now.date()
    assert done.link.code == code
    assert AuditEntry.objects.filter(action="activity.update").count() == 2
    assert list(activities_of(workspace=partner.workspace, participant=partner)) == [done]


def test_a_deleted_partner_takes_its_activities_and_codes_along(client, partner):
    activity = webinar(partner)
    visit(client, activity.link.code)
    partner.delete()
    assert not CoMarketingActivity.objects.exists()
    assert not CampaignCode.objects.exists() and not Click.objects.exists()
