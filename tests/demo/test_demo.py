"""`tular up --demo`: realistic Indonesian demo programs, people and clicks, loaded once."""

import re
from collections import Counter
from datetime import timedelta

import pytest
from django.db.models import Count

from tests.conftest import DEMO_TODAY
from tular.api.schemas import ProgramIn
from tular.core import clock
from tular.deals.models import Deal
from tular.demo.loader import load_demo
from tular.participants.models import Participant
from tular.programs.models import Program
from tular.referrals.models import Conversion, Referral
from tular.tracking.models import Click
from tular.workspaces.services import workspace_get_or_create

SUMMARY = re.compile(
    r"^Loaded demo data: (\d+) programs, (\d+) participants, ([\d,]+) clicks, "
    r"(\d+) referrals, (\d+) sales over the last 90 days, (\d+) deal registrations\.$"
)
INDONESIAN_NAMES = {
    "Rina", "Budi", "Dewi", "Agus", "Putu", "Made", "Siregar", "Fitri", "Andi", "Aisyah",
    "Rizky", "Wahyu", "Hidayat", "Nugroho", "Pratama", "Santoso", "Wijaya", "Ketut", "Nasution",
}  # fmt: skip
EXAMPLE_DOMAIN = re.compile(r"@([a-z0-9.-]+\.)?(example|example\.(com|net|org))$")


# The demo is loaded once for this module (tests/conftest.py: demo_workspace, on the fixed day
# DEMO_TODAY its shape assertions expect); each test's own changes are rolled back after it.
TODAY = DEMO_TODAY


@pytest.fixture
def demo(demo_workspace, workspace):
    assert workspace == demo_workspace[0]
    with clock.frozen(TODAY):
        yield demo_workspace[1]


def test_demo_summary_counts_what_was_loaded(workspace, demo):
    # then
    match = SUMMARY.match(demo)
    assert match, demo
    programs, participants, clicks, referrals, sales, deals = match.groups()
    assert int(deals) == Deal.objects.filter(workspace_id=workspace.pk).count() > 5
    assert int(referrals) == Referral.objects.filter(workspace=workspace).count() > 20
    assert int(sales) == Conversion.objects.filter(workspace=workspace, kind="sale").count() > 10
    assert int(programs) == Program.objects.filter(workspace=workspace).count()
    assert int(participants) == Participant.objects.filter(workspace=workspace).count()
    assert int(clicks.replace(",", "")) == Click.objects.filter(workspace=workspace).count()


def test_demo_programs_are_valid_idr_programs_of_the_main_kinds(workspace, demo):
    programs = list(Program.objects.filter(workspace=workspace))
    assert len(programs) >= 3
    assert {p.currency for p in programs} == {"IDR"}
    assert {"customer", "affiliate", "reseller"} <= {p.kind for p in programs}
    by_kind = {p.kind: p for p in programs}
    # the refer-a-friend program is two-sided
    recipients = {rule["recipient"] for rule in by_kind["customer"].rules}
    assert recipients == {"referrer", "friend"}
    # the affiliate commission is recurring, with tiers
    affiliate_sale = next(r for r in by_kind["affiliate"].rules if r["trigger"] == "sale")
    assert affiliate_sale["kind"] == "percent"
    assert affiliate_sale["duration_months"] == 12
    assert affiliate_sale["tiers"]
    # the reseller program: tiered margin, a won bonus, a perk on qualified
    reseller = {(r["trigger"], r["kind"]) for r in by_kind["reseller"].rules}
    assert {("sale", "percent"), ("won", "fixed"), ("qualified", "perk")} <= reseller
    # non-monetary programs hold perks only
    for program in programs:
        if not program.monetary_rewards_allowed:
            assert {rule["kind"] for rule in program.rules} == {"perk"}
    # IDR has two minor digits: Rp7.500.000 is 750000000
    assert by_kind["customer"].auto_approve_below == 750_000_000


def test_demo_participants_are_indonesian_people_and_businesses_with_codes(workspace, demo):
    everyone = Participant.objects.filter(workspace=workspace).select_related("program")
    # (a flagged self-referral enrolls no friend: its friend is NULL, kept out of the NOT IN)
    friends = Referral.objects.filter(workspace=workspace, friend__isnull=False).values("friend")
    # the enrolled referrers; the friends they brought are enrolled on sign-up too
    participants = list(everyone.exclude(pk__in=friends))
    assert 40 <= len(participants) <= 60
    assert (
        everyone.filter(pk__in=friends).count()
        == Referral.objects.filter(workspace=workspace, status="active").count()
    )
    assert all(p.code for p in participants)
    assert len({p.code for p in participants}) == len(participants)
    assert all(p.name and EXAMPLE_DOMAIN.search(p.email) for p in participants), [
        p.email for p in participants if not EXAMPLE_DOMAIN.search(p.email)
    ]
    words = {word for p in participants for word in p.name.split()}
    assert len(words & INDONESIAN_NAMES) >= 10
    assert any(p.name.startswith(("PT ", "CV ", "UD ")) for p in participants)
    per_program = Counter(p.program.slug for p in participants)
    assert len(per_program) == Program.objects.filter(workspace=workspace).count()
    # joined after their program launched, before today
    assert all(p.program.created_at <= p.created_at <= clock.now() for p in participants)


def test_demo_clicks_have_a_realistic_shape(workspace, demo):
    now = clock.now()
    clicks = Click.objects.filter(workspace=workspace)
    total = clicks.count()
    assert 1500 <= total <= 3000
    # every click inside the last 90 days, after its referrer joined, through the redirect
    assert not clicks.filter(created_at__lt=now - timedelta(days=90)).exists()
    assert not clicks.filter(created_at__gt=now).exists()
    for click in clicks.select_related("participant")[:200]:
        assert click.created_at >= click.participant.created_at
        assert click.program_id == click.participant.program_id
        assert click.source == "redirect"
        assert click.user_agent
        assert f"/r/{click.participant.code}" in click.landing_url
    referrers = set(clicks.values_list("referrer", flat=True))
    assert {"https://wa.me/", "https://www.instagram.com/", "https://www.facebook.com/"} <= (
        referrers
    )
    # more recent activity: the last month busier than the first
    first_month = clicks.filter(created_at__lt=now - timedelta(days=60)).count()
    last_month = clicks.filter(created_at__gte=now - timedelta(days=30)).count()
    assert last_month > 1.5 * first_month
    # a few very active referrers, a long tail
    counts = sorted(
        Participant.objects.filter(workspace=workspace)
        .annotate(n=Count("clicks"))
        .values_list("n", flat=True),
        reverse=True,
    )
    assert sum(counts[:5]) > total / 3
    assert sum(1 for n in counts if n < 30) > len(counts) / 2


def test_loading_the_demo_twice_adds_nothing(workspace, demo):
    # given
    before = (
        Program.objects.count(),
        Participant.objects.count(),
        Click.objects.count(),
    )
    # when
    again = load_demo(workspace=workspace)
    # then
    assert "already" in again
    assert (Program.objects.count(), Participant.objects.count(), Click.objects.count()) == before


def test_the_demo_loads_into_two_workspaces_side_by_side(workspace, demo):
    # given
    other = workspace_get_or_create(slug="pesaing", name="Pesaing")[0]
    # when
    summary = load_demo(workspace=other)
    # then
    assert SUMMARY.match(summary), summary
    assert Program.objects.filter(workspace=other).count() == (
        Program.objects.filter(workspace=workspace).count()
    )
    # codes are unique across workspaces: the second copy drew its own
    assert Participant.objects.values("code").distinct().count() == Participant.objects.count()


def test_demo_programs_come_back_from_the_api(workspace, demo, api):
    for program in Program.objects.filter(workspace=workspace):
        # when
        response = api.get(f"/api/v1/programs/{program.slug}")
        # then
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["currency"] == "IDR"
        assert body["name"] == program.name
        read_only = {
            "id",
            "created_at",
            "status",
            "monetary_rewards_changed_by",
            "monetary_rewards_changed_at",
        }
        ProgramIn.model_validate({k: v for k, v in body.items() if k not in read_only})
    participant = (
        Participant.objects.filter(workspace=workspace)
        .annotate(n=Count("clicks"))
        .order_by("-n")
        .first()
    )
    detail = api.get(f"/api/v1/participants/{participant.id}").json()
    assert detail["stats"]["clicks"] == participant.n > 0


def test_another_workspace_does_not_see_the_demo(workspace, demo, outsider_api):
    assert outsider_api.get("/api/v1/programs/ajak-teman").status_code == 404


def test_the_demo_programs_are_listed_for_the_workspace(demo, api):
    slugs = {item["slug"] for item in api.get("/api/v1/programs").json()["items"]}
    assert {"ajak-teman", "afiliasi", "mitra-reseller"} <= slugs


def test_the_demo_leaves_the_manager_work_to_do(workspace, demo):
    # flagged self-referrals, rewards waiting for review, a draft payout to send
    from tular.rewards.models import Payout, Reward

    assert Referral.objects.filter(workspace=workspace, status="flagged").count() == 3
    assert Reward.objects.filter(program__workspace=workspace, status="needs_review").exists()
    assert Reward.objects.filter(program__workspace=workspace, status="pending").exists()
    assert Payout.objects.filter(program__workspace=workspace, status="draft").count() == 1


def test_the_demo_has_a_team_keys_and_decisions_by_a_person(workspace, demo):
    from tular.workspaces.models import ApiKey, AuditEntry, Invitation, Membership

    roles = set(Membership.objects.filter(workspace=workspace).values_list("role", flat=True))
    assert {"manager", "viewer"} <= roles
    assert Invitation.objects.filter(workspace=workspace, accepted_at__isnull=True).count() == 1
    keys = ApiKey.objects.filter(workspace=workspace)
    assert keys.count() == 3
    assert keys.filter(revoked_at__isnull=False).count() == 1
    assert keys.filter(publishable=True).count() == 1
    assert Referral.objects.filter(workspace=workspace, status="rejected").count() == 1
    decided_by_rina = AuditEntry.objects.filter(
        workspace=workspace, actor="rina.marketing@tokoandalan.example"
    )
    assert {"referral.clear", "referral.reject"} <= set(
        decided_by_rina.values_list("action", flat=True)
    )


def test_the_demo_has_a_partner_channel(workspace, demo, api):
    """Tiers with rates, partners in them, organisations with several members, deals in every
    state (a won one paid at the tier's rate, a conflict, one overdue for review), applications
    waiting, and journeys that the attribution models credit differently."""
    from tular.partners.models import PartnerApplication, PartnerMember
    from tular.tracking.models import Touchpoint

    program = Program.objects.get(workspace=workspace, slug="mitra-reseller")
    tiers = {
        p.name: p.tier.name for p in Participant.objects.filter(program=program, tier__isnull=False)
    }
    assert tiers["PT Sinar Nusantara Digital"] == "Emas"
    assert tiers["CV Maju Jaya Elektronik"] == "Perak"
    assert (
        PartnerMember.objects.filter(
            profile__participant__name="PT Sinar Nusantara Digital"
        ).count()
        >= 2
    )
    statuses = set(Deal.objects.filter(program=program).values_list("status", flat=True))
    assert {"won", "lost", "approved", "pending", "conflict"} <= statuses
    won = Deal.objects.get(program=program, status="won")
    body = api.get(f"/api/v1/deals/{won.pk}").json()
    sale = next(line for line in body["commission"] if line["percent"])
    assert (sale["percent"], sale["tier"]) == ("30", "Emas")
    assert sale["amount"] == won.won_value * 30 // 100
    assert Deal.objects.filter(program=program, status="pending", review_due_at__lt=TODAY).exists()
    assert PartnerApplication.objects.filter(program=program, status="pending").count() == 2
    assert Touchpoint.objects.filter(program=program).count() > 20
    compared = api.get(
        "/api/v1/attribution/compare?program=mitra-reseller&from=2026-09-01&to=2026-11-27"
    )
    assert compared.status_code == 200, compared.content
    compared = compared.json()
    credits = {
        model: [row["models"][model]["conversions"] for row in compared["rows"]]
        for model in ("first_touch", "last_touch", "linear", "time_decay", "position_based")
    }
    assert len({tuple(c) for c in credits.values()}) == 5, credits
