"""The referrer's own view (issue 9 item 3; R5, R13): activity by channel, referrals, rewards
with when each is expected, balance from the ledger, payouts, and the rules in plain words."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils.html import escape

from tests.portal.conftest import portal_client_for as signed_in_client
from tests.rewards.books import (
    balance,
    make_participant,
    make_program,
    make_referral,
    make_refund,
    make_sale,
)
from tular.core import clock
from tular.portal import stats
from tular.portal.access import LANGUAGE_KEY
from tular.programs.wording import rules_in_words
from tular.referrals.models import Referral
from tular.rewards.payouts import payout_create, payout_mark_paid
from tular.rewards.services import rewards_release_due
from tular.tracking.models import Click


def click(participant, channel="") -> Click:
    return Click.objects.create(
        workspace_id=participant.workspace_id,
        program_id=participant.program_id,
        participant=participant,
        created_at=clock.now(),
        source="redirect",
        channel=channel,
    )


def referral_via(participant, channel=None, *, name="", email="") -> Referral:
    """A referral that came through a click of `channel` (None: by code, no click)."""
    referral = make_referral(participant.program, participant)
    fields = {"name": name, "email": email}
    if channel is not None:
        fields["click"] = click(participant, channel)
    Referral.objects.filter(pk=referral.pk).update(**fields)
    referral.refresh_from_db()
    return referral


def portal_client_for(participant, language: str = "id"):
    """Signed in as `participant`, the pages in `language` (the person's choice, kept in the
    session as the language switch keeps it)."""
    client = signed_in_client(participant, language)
    session = client.session
    session[LANGUAGE_KEY] = language
    session.save()
    return client


def activity_url(participant) -> str:
    return reverse("portal:activity", args=[participant.program.slug])


# ----------------------------------------------------------------------------- by channel


def test_figures_by_channel_are_exact(referrer):
    for _ in range(3):
        click(referrer, "whatsapp")  # clicks that did not sign up
    click(referrer, "email")
    click(referrer, "")
    wa1 = referral_via(referrer, "whatsapp")
    wa2 = referral_via(referrer, "whatsapp")
    mail = referral_via(referrer, "email")
    by_code = referral_via(referrer, None)
    sale, _ = make_sale(wa1, 10000000)
    make_sale(wa1, 5000000)
    make_refund(sale, 2000000)
    make_sale(mail, 20000000)
    make_sale(by_code, 3000000)
    make_sale(by_code, 400, currency="USD")
    del wa2  # signed up, never bought
    # Somebody else's activity never counts for Andi.
    other = make_participant(referrer.program, name="Budi")
    make_sale(referral_via(other, "whatsapp"), 99900000)

    figures = stats.channel_figures(referrer)

    rows = {row.channel: row for row in figures.rows}
    assert [row.channel for row in figures.rows] == ["whatsapp", "email", ""]
    assert (rows["whatsapp"].clicks, rows["whatsapp"].signups, rows["whatsapp"].sales) == (5, 2, 2)
    assert rows["whatsapp"].revenue_list == [("IDR", 13000000)]
    assert (rows["email"].clicks, rows["email"].signups, rows["email"].sales) == (2, 1, 1)
    assert rows["email"].revenue_list == [("IDR", 20000000)]
    assert (rows[""].clicks, rows[""].signups, rows[""].sales) == (1, 1, 2)
    assert rows[""].revenue_list == [("IDR", 3000000), ("USD", 400)]
    total = figures.total
    assert (total.clicks, total.signups, total.sales) == (8, 4, 5)
    assert total.revenue_list == [("IDR", 36000000), ("USD", 400)]
    assert rows["whatsapp"].label == "WhatsApp"


def test_the_page_shows_the_channel_table(referrer):
    referral = referral_via(referrer, "telegram")
    make_sale(referral, 10000000)
    click(referrer, "telegram")

    html = portal_client_for(referrer, "en").get(activity_url(referrer)).content.decode()

    row = html.split('<tr data-channel="telegram"')[1].split("</tr>")[0]
    assert "Telegram" in row
    assert [cell.split("<")[0] for cell in row.split('class="num">')[1:]] == ["2", "1", "1"]
    assert "IDR100,000" in row
    # A phone reads the same as a line.
    line = html.split('<li class="list-group-item py-2" data-channel="telegram">')[1]
    line = " ".join(line.split("</li>")[0].split())
    assert "2 clicks · 1 sign-up · 1 sale ·" in line and "IDR100,000" in line


# ----------------------------------------------------------------------------- referrals


def test_referrals_show_friends_by_first_name_or_masked_email(referrer):
    referral_via(referrer, "whatsapp", name="Dewi Lestari Putri", email="dewi@example.com")
    referral_via(referrer, None, email="budi.santoso@gmail.com")
    flagged = referral_via(referrer, None, name="Rina")
    Referral.objects.filter(pk=flagged.pk).update(status="flagged")

    html = portal_client_for(referrer).get(activity_url(referrer)).content.decode()

    assert "Dewi P." in html
    assert "Lestari" not in html and "dewi@example.com" not in html
    assert "bu•••@gmail.com" in html
    assert "budi.santoso" not in html
    assert "lewat WhatsApp" in html
    assert "sedang diperiksa" in html  # the flagged one, in the referrer's words


def test_a_referrer_never_sees_another_participants_referrals(referrer):
    budi = make_participant(referrer.program, name="Budi")
    referral_via(budi, "whatsapp", name="Siti Rahayu")
    make_sale(Referral.objects.get(participant=budi), 10000000)
    referral_via(referrer, None, name="Dewi Lestari")

    html = portal_client_for(referrer).get(activity_url(referrer)).content.decode()

    assert "Dewi L." in html
    assert "Siti" not in html
    page = stats.referrals_page(referrer)
    assert [row.friend for row in page] == ["Dewi L."]
    assert stats.reward_groups(referrer) == []


def test_another_programs_page_is_not_found(referrer, portal_workspace):
    elsewhere = make_program(portal_workspace, slug="lain")
    make_participant(elsewhere, name="Citra")

    response = portal_client_for(referrer).get(reverse("portal:activity", args=["lain"]))

    assert response.status_code == 404


def test_signed_out_goes_to_sign_in(referrer, anonymous_portal_client):
    response = anonymous_portal_client.get(activity_url(referrer))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:sign-in"))


def test_referrals_are_paginated_by_twenty(referrer):
    for index in range(23):
        referral_via(referrer, None, name=f"Teman{index:02d}")

    client = portal_client_for(referrer)
    first = client.get(activity_url(referrer)).content.decode()
    second = client.get(activity_url(referrer) + "?page=2").content.decode()

    assert "Teman22" in first and "Teman00" not in first
    assert "Teman00" in second and "Teman22" not in second
    assert "1\u201320" in first  # the pager: 1 to 20 of 23


# ----------------------------------------------------------------------------- rewards


@pytest.fixture
def clock_start():
    from datetime import UTC, datetime

    return datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def group(participant, status):
    return next(g for g in stats.reward_groups(participant) if g.status == status)


def test_rewards_say_when_each_is_expected(frozen_clock, referrer):
    referral = referral_via(referrer, "whatsapp", name="Dewi Lestari")
    make_sale(referral, 10000000)  # 12.5%: Rp125.000, held 14 days

    pending = group(referrer, "pending")
    assert pending.count == 1 and pending.totals == [("IDR", 1250000)]
    [reward] = pending.rewards
    assert (reward.expected, reward.expected_at) == ("hold", frozen_clock.now + timedelta(days=14))
    assert reward.friend == "Dewi L."
    html = portal_client_for(referrer).get(activity_url(referrer)).content.decode()
    assert "Masa tunggu berakhir 18 Mei 2026" in html
    html = portal_client_for(referrer, "en").get(activity_url(referrer)).content.decode()
    assert "Hold ends 18 May 2026" in html

    frozen_clock.advance(days=14, minutes=1)
    assert group(referrer, "pending").rewards[0].expected == "hold_over"
    rewards_release_due()  # below the auto-approve limit: approved
    [approved] = group(referrer, "approved").rewards
    assert approved.expected == "next_payout"

    frozen_clock.advance(days=2)
    payout = payout_create(workspace=referrer.workspace, program=referrer.program, currency="IDR")
    [in_payout] = group(referrer, "approved").rewards
    assert (in_payout.expected, in_payout.expected_at) == ("payout", frozen_clock.now)

    frozen_clock.advance(days=1)
    payout_mark_paid(payout=payout)
    [paid] = group(referrer, "paid").rewards
    assert (paid.expected, paid.expected_at) == ("paid", frozen_clock.now)
    html = portal_client_for(referrer, "en").get(activity_url(referrer)).content.decode()
    assert "Paid on 21 May 2026" in html
    history = stats.payout_history(referrer)
    assert [(row.status, row.amount, row.at) for row in history] == [
        ("paid", 1250000, frozen_clock.now)
    ]


def test_a_reward_above_the_auto_approve_limit_waits_for_review(frozen_clock, referrer):
    make_sale(referral_via(referrer, None), 1000000000)  # Rp10.000.000: reward Rp1.250.000
    frozen_clock.advance(days=15)
    rewards_release_due()

    [reward] = group(referrer, "needs_review").rewards

    assert reward.expected == "review"


def test_a_refunded_reward_shows_what_was_taken_back(frozen_clock, referrer):
    sale, _ = make_sale(referral_via(referrer, None), 10000000)
    make_refund(sale, 10000000)

    [reward] = group(referrer, "reversed").rewards

    assert (reward.expected, reward.amount, reward.reversed_amount) == ("reversed", 0, 1250000)


def test_the_friends_own_reward_is_theirs(referrer):
    friend = make_participant(referrer.program, name="Dewi")
    make_referral(referrer.program, referrer, friend=friend)  # Rp50.000 for the friend

    [reward] = group(friend, "pending").rewards

    assert reward.friend == "" and reward.amount == 5000000
    assert stats.reward_groups(referrer) == []


def test_each_status_lists_a_few_and_counts_them_all(frozen_clock, referrer, monkeypatch):
    monkeypatch.setattr(stats, "REWARDS_PER_STATUS", 3)
    for day in range(5):  # Rp1.250 … Rp1.254, a day apart
        make_sale(referral_via(referrer, None), 10000000 + day * 800)
        frozen_clock.advance(days=1)
    frozen_clock.advance(days=11)  # the first three are out of their hold
    rewards_release_due()
    for day in range(5):
        make_sale(referral_via(referrer, None), 20000000 + day * 800)
        frozen_clock.advance(days=1)

    approved = group(referrer, "approved")
    pending = group(referrer, "pending")

    # Of the approved, the newest; of the pending, those whose hold ends soonest.
    assert [r.amount for r in approved.rewards] == [1250200, 1250100, 1250000]
    assert [r.amount for r in pending.rewards] == [1250300, 1250400, 2500000]
    assert (pending.count, len(pending.rewards), pending.more) == (7, 3, 4)
    assert pending.totals == [("IDR", 1250300 + 1250400 + 5 * 2500000 + 1000)]
    # The first two were due meanwhile (the worker releases them next), the third is held.
    assert [r.expected for r in pending.rewards] == ["hold_over", "hold_over", "hold"]


# ----------------------------------------------------------------------------- balance


def test_the_balance_is_the_ledgers(frozen_clock, referrer):
    for amount in (10000000, 24000000):
        make_sale(referral_via(referrer, None), amount)
    frozen_clock.advance(days=15)
    rewards_release_due()
    make_sale(referral_via(referrer, None), 8000000)  # still pending
    payout_mark_paid(
        payout=payout_create(workspace=referrer.workspace, program=referrer.program, currency="IDR")
    )
    make_sale(referral_via(referrer, None), 16000000)

    [shown] = stats.balances(referrer)
    books = balance(referrer)

    assert {k: shown[k] for k in ("pending", "approved", "paid")} == books
    assert books == {"pending": 3000000, "approved": 0, "paid": 4250000}
    html = portal_client_for(referrer).get(activity_url(referrer)).content.decode()
    assert "Rp30.000" in html and "Rp42.500" in html


# ----------------------------------------------------------------------------- page and cost


def test_empty_states_point_to_sharing(referrer):
    html = portal_client_for(referrer).get(activity_url(referrer)).content.decode()

    share = reverse("portal:program", args=[referrer.program.slug])
    assert f'href="{share}"' in html
    assert "Belum ada referral" in html


@pytest.mark.parametrize(("language", "title"), [("id", "Aktivitas Anda"), ("en", "Your activity")])
def test_the_page_in_both_languages(referrer, language, title):
    make_sale(referral_via(referrer, "whatsapp", name="Dewi"), 10000000)

    response = portal_client_for(referrer, language).get(activity_url(referrer))

    assert response.status_code == 200
    assert f'<h1 class="h2 mb-3">{title}</h1>' in response.content.decode()


def test_queries_stay_few_with_many_referrals(
    frozen_clock, referrer, django_assert_max_num_queries
):
    channels = ["whatsapp", "email", "telegram", None]
    for index in range(60):
        referral = referral_via(referrer, channels[index % 4], name=f"Teman {index}")
        make_sale(referral, 10000000 + index)
    frozen_clock.advance(days=15)
    rewards_release_due()
    payout_mark_paid(
        payout=payout_create(workspace=referrer.workspace, program=referrer.program, currency="IDR")
    )
    for index in range(30):
        make_sale(referral_via(referrer, "x"), 10000000 + index)
    client = portal_client_for(referrer)

    # 13, 2 for recognition (the badges, the open contests: analytics.recognition) and 1 for
    # the address's partner memberships (portal.access).
    with django_assert_max_num_queries(16):
        response = client.get(activity_url(referrer))

    assert response.status_code == 200


# ----------------------------------------------------------------------------- summary


def test_the_summary_strip(referrer):
    from django.template.loader import render_to_string
    from django.utils import translation

    click(referrer, "whatsapp")
    click(referrer)
    make_sale(referral_via(referrer, None), 10000000)

    summary = stats.summary(referrer)

    assert (summary.clicks, summary.signups, summary.earned) == (2, 1, [("IDR", 1250000)])
    with translation.override("id"):
        html = render_to_string("portal/_summary.html", {"summary": summary})
    assert "Rp12.500" in html and ">2<" in html


# ----------------------------------------------------------------------------- rules


def rules_url(participant) -> str:
    return reverse("portal:rules", args=[participant.program.slug])


CAPPED_RULES = [
    {"trigger": "sale", "recipient": "referrer", "kind": "percent", "percent": "10",
     "duration_months": 12, "cap": {"amount": 50000000, "period": "month"}},
    {"trigger": "signup", "recipient": "friend", "kind": "fixed", "amount": 5000000},
]  # fmt: skip


@pytest.mark.parametrize("language", ["id", "en"])
def test_rules_are_grouped_and_none_is_lost(portal_workspace, language):
    program = make_program(portal_workspace, slug="batas", rules=CAPPED_RULES)

    groups = stats.rules_grouped(program=program, language=language)

    shown = (
        groups.counts
        + groups.you_earn
        + groups.friend_gets
        + groups.paid
        + groups.limits
        + groups.cancel
    )
    words = rules_in_words(program=program, language=language)
    assert sorted(set(shown) & set(words)) == sorted(words)
    assert len([s for s in shown if s in words]) == len(words)
    joined = {name: " ".join(getattr(groups, name)) for name in vars(groups)}
    if language == "en":
        assert "14-day hold" in joined["paid"]
        assert "next payout" in joined["paid"]
        assert "At most" in joined["limits"]
        assert "refunded" in joined["cancel"] and "cancels within 30 days" in joined["cancel"]
        assert "You earn 10% of the purchase" in joined["you_earn"]
        assert "Your friend gets" in joined["friend_gets"]
        assert "signs up within 30 days" in joined["counts"]
        assert groups.incentives["friend"]


def test_rules_without_clawback_say_a_cancellation_takes_nothing(portal_workspace):
    program = make_program(portal_workspace, slug="tetap", clawback_days=0)

    groups = stats.rules_grouped(program=program, language="en")

    assert "not taken back when a customer cancels" in " ".join(groups.cancel)


@pytest.mark.parametrize(
    ("language", "heading", "words"),
    [
        ("id", "Cara kerjanya", "Saat Anda dibayar"),
        ("en", "How it works", "When you are paid"),
    ],
)
def test_the_rules_page(referrer, language, heading, words):
    response = portal_client_for(referrer, language).get(rules_url(referrer))

    html = response.content.decode()
    assert response.status_code == 200
    assert heading in html and words in html
    for sentence in rules_in_words(program=referrer.program, language=language):
        assert escape(sentence) in html
    # The friend's side as the referrer reads it ("when they sign up"), never as the landing
    # page says it to the friend ("when you sign up").
    if language == "en":
        assert "Your friend gets IDR50,000 when they sign up through your link." in html
        assert "when you sign up" not in html
