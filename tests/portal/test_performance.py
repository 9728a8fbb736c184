"""The partner's performance page: its figures of the last 12 months, its tier and how far it is
from the tier above, in Indonesian; only for partners of partner programs."""

import pytest

from tests.partners.conftest import RESELLER_BODY
from tests.portal.conftest import portal_client_for
from tests.portal.test_deals import ALL_CHECKS, make_partner, member_client, register
from tular.deals.models import Deal
from tular.partners.tiers import partner_set_tier, tier_create, tier_rule_create
from tular.programs.services import program_create, program_validate
from tular.referrals.deals import deal_close


@pytest.fixture
def reseller(portal_workspace):
    return program_create(workspace=portal_workspace, config=program_validate(RESELLER_BODY))


@pytest.fixture
def mitra(reseller):
    return make_partner(reseller, "PT Mitra Jaya", "owner@mitra.example")


def test_a_partner_sees_its_figures_its_tier_and_the_way_up(mitra, reseller):
    silver = tier_create(program=reseller, name="Perak", rank=1, rate="25")
    gold = tier_create(program=reseller, name="Emas", rank=2, rate="30", rate_kind="margin")
    tier_rule_create(tier=gold, min_revenue=20_000_000_000, min_wins=4)  # Rp200 jt and 4 wins
    tier_rule_create(tier=gold, min_tenure_months=36)
    partner_set_tier(participant=mitra, tier=silver)
    client = member_client(mitra, "Dedi", "dedi@mitra.example")
    register(client, **ALL_CHECKS)
    register(client, **ALL_CHECKS, company="PT Lain", domain="lain.co.id")
    deal_close(
        deal=Deal.objects.get(domain_normalised="maju.co.id"), status="won", value=5_000_000_000
    )
    deal_close(deal=Deal.objects.get(domain_normalised="lain.co.id"), status="lost")
    page = client.get("/portal/p/mitra/performance")
    assert page.status_code == 200
    text = page.text
    assert 'href="/portal/p/mitra/performance"' in text  # in the menu
    assert "Rp50.000.000" in text  # revenue: the won deal's sale
    assert "50%" in text  # win rate: one won, one lost
    assert "Perak" in text and "25%" in text
    assert "Untuk mencapai Emas" in text
    assert "Rp50.000.000 / Rp200.000.000" in text
    assert "1 / 4" in text  # deals won
    assert 'value="25"' in text  # a quarter of the revenue needed
    assert "0 / 36" in text  # the other way up: tenure


def test_at_the_top_and_without_rules(mitra, reseller):
    top = tier_create(program=reseller, name="Emas", rank=2, rate="30")
    partner_set_tier(participant=mitra, tier=top)
    text = portal_client_for(mitra).get("/portal/p/mitra/performance").text
    assert "tingkat tertinggi" in text
    assert "Tim program menetapkan tingkat Anda" in text  # set by hand: the rules leave it


def test_only_partners_have_the_page(referrer):
    client = portal_client_for(referrer)
    slug = referrer.program.slug
    assert client.get(f"/portal/p/{slug}/performance").status_code == 404
    assert f'href="/portal/p/{slug}/performance"' not in client.get(f"/portal/p/{slug}/").text


def test_a_partners_menu_puts_its_deals_and_figures_right_after_share(mitra):
    client = member_client(mitra, "Dedi", "dedi@mitra.example")
    page = client.get("/portal/p/mitra/deals")
    assert page.status_code == 200
    labels = [item["label"] for item in page.context["portal_nav"]]
    # in sight on a phone's tab bar, before the pages every participant has
    assert labels[:3] == ["Bagikan", "Deal", "Kinerja"], labels
    assert labels.index("Aktivitas") > labels.index("Kinerja")
