"""The demo's entered insight data: what a manager types in because the events cannot tell it
(R4, R7, R40, R43): costs per month, the shop's figures from outside the program, the benchmark
sector of each program, goals for this quarter, readiness scores, NPS answers, satisfaction
answers and a contest. Derived figures (rollups, badges) are made by the product itself.

Amounts are written in rupiah and stored in minor units (`idr`: ISO 4217 gives IDR two
decimals).
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, timedelta

from tular.analytics.models import (
    Contest,
    CostEntry,
    CostKind,
    Goal,
    GoalMetric,
    InsightSettings,
    MonthFigure,
    MonthFigureKey,
    NpsAnswer,
    Readiness,
    SatisfactionSurvey,
)
from tular.demo.data import idr
from tular.participants.models import Participant
from tular.referrals.models import Referral
from tular.rewards.models import Reward, RewardStatus

SECTORS = {
    "ajak-teman": InsightSettings.Sector.ecommerce,
    "afiliasi": InsightSettings.Sector.ecommerce,
    "mitra-reseller": InsightSettings.Sector.b2b_saas,
    "referensi-karyawan": InsightSettings.Sector.services,
    "jaringan-profesional": InsightSettings.Sector.services,
}
# Per program, per month: (marketing, management time) costs in rupiah.
COSTS = {
    "ajak-teman": (idr(2_500_000), idr(3_000_000)),
    "afiliasi": (idr(1_500_000), idr(2_000_000)),
    "mitra-reseller": (idr(4_000_000), idr(6_000_000)),
    "referensi-karyawan": (idr(500_000), idr(1_500_000)),
    "jaringan-profesional": (idr(1_000_000), idr(2_500_000)),
}
# What the shop sells in a month through every channel, and its other channels' leads.
ALL_NEW_REVENUE = idr(380_000_000)
ALL_NEW_CUSTOMERS = 900
OTHER_CHANNELS = {"other_leads": 420, "other_opportunities": 95, "other_won": 21}
GOALS = [
    ("ajak-teman", GoalMetric.referrals, 450, "Satu dari lima pelanggan baru datang dari ajakan"),
    ("mitra-reseller", GoalMetric.qualified_referrals, 12, "Prospek terkualifikasi dari mitra"),
    ("afiliasi", GoalMetric.conversion_rate, 25, "Konversi rujukan afiliasi"),
    ("ajak-teman", GoalMetric.revenue_share, 30, "Porsi pendapatan baru dari rujukan"),
]


def _month_starts(now: datetime, months: int) -> list[date]:
    first = now.date().replace(day=1)
    out = []
    for _ in range(months):
        out.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return out


def _quarter(now: datetime) -> tuple[date, date]:
    start_month = (now.month - 1) // 3 * 3 + 1
    first = date(now.year, start_month, 1)
    end_month = start_month + 3
    last = (
        date(now.year + 1, 1, 1) if end_month > 12 else date(now.year, end_month, 1)
    ) - timedelta(days=1)
    return first, last


def make_insight(*, workspace, programs: dict, rng: random.Random, now: datetime) -> None:
    months = _month_starts(now, 4)
    InsightSettings.objects.create(
        workspace=workspace,
        sector=InsightSettings.Sector.ecommerce,
        paid_ads_cost_per_customer=idr(185_000),
        paid_ads_currency="IDR",
        updated_at=now,
    )
    for slug, program in programs.items():
        InsightSettings.objects.create(
            workspace=workspace,
            program=program,
            sector=SECTORS.get(slug, InsightSettings.Sector.b2b_saas),
            paid_ads_cost_per_customer=idr(185_000) if slug in {"ajak-teman", "afiliasi"} else None,
            paid_ads_currency="IDR" if slug in {"ajak-teman", "afiliasi"} else "",
            updated_at=now,
        )
        marketing, management = COSTS.get(slug, (idr(1_000_000), idr(1_000_000)))
        for month in months:
            for kind, amount in (
                (CostKind.marketing, marketing),
                (CostKind.management, management),
            ):
                CostEntry.objects.create(
                    workspace=workspace,
                    program=program,
                    month=month,
                    kind=kind,
                    amount=amount,
                    currency=program.currency,
                    created_by="demo",
                    created_at=now,
                )
            if slug in {"mitra-reseller", "jaringan-profesional"}:
                for key, value in OTHER_CHANNELS.items():
                    MonthFigure.objects.create(
                        workspace=workspace,
                        program=program,
                        month=month,
                        key=key,
                        value=value,
                        updated_by="demo",
                        updated_at=now,
                    )
    for month in months:
        # The platform's own server: shared by every program, entered once for the workspace.
        CostEntry.objects.create(
            workspace=workspace,
            month=month,
            kind=CostKind.technology,
            amount=idr(750_000),
            currency="IDR",
            note="Server Tular (VPS 4 GB)",
            created_by="demo",
            created_at=now,
        )
        for key, value, currency in (
            (MonthFigureKey.all_new_revenue, ALL_NEW_REVENUE, "IDR"),
            (MonthFigureKey.all_new_customers, ALL_NEW_CUSTOMERS, ""),
        ):
            MonthFigure.objects.create(
                workspace=workspace,
                month=month,
                key=key,
                value=value + rng.randint(-value // 10, value // 10),
                currency=currency,
                updated_by="demo",
                updated_at=now,
            )
    first, last = _quarter(now)
    for slug, metric, target, note in GOALS:
        if slug in programs:
            Goal.objects.create(
                workspace=workspace,
                program=programs[slug],
                metric=metric,
                starts_on=first,
                ends_on=last,
                target=target,
                note=note,
                created_by="demo",
                created_at=now,
            )
    _people(workspace=workspace, programs=programs, rng=rng, now=now)
    if "ajak-teman" in programs:
        Contest.objects.create(
            workspace=workspace,
            program=programs["ajak-teman"],
            name="Juara Ajak Teman kuartal ini",
            starts_on=first,
            ends_on=last,
            measure=Contest.Measure.referrals,
            winners=3,
            bonus_amount=idr(250_000),
            bonus_currency="IDR",
            created_by="demo",
            created_at=now,
        )


def _people(*, workspace, programs: dict, rng: random.Random, now: datetime) -> None:
    """Readiness for some customers, NPS answers (promoters among them who have not referred
    yet: the ask list has work), and satisfaction answers for paid rewards."""
    program = programs.get("ajak-teman")
    if program is None:
        return
    referrers = set(
        Referral.objects.filter(program=program).values_list("participant_id", flat=True)
    )
    people = list(Participant.objects.filter(program=program).order_by("created_at")[:60])
    for index, person in enumerate(people):
        if index % 2 == 0:
            scores = [rng.randint(3, 5), rng.randint(2, 5), rng.randint(2, 5)]
            if person.pk not in referrers and index % 3 == 0:
                scores = [5, 4, rng.randint(3, 5)]  # ready, and not asked yet
            Readiness.objects.create(
                participant=person,
                workspace=workspace,
                satisfaction=scores[0],
                relationship=scores[1],
                reach=scores[2],
                total=sum(scores),
                source="console",
                updated_at=now - timedelta(days=rng.randint(1, 60)),
                updated_by="demo",
            )
        if index % 3 != 2:
            score = rng.choice([10, 9, 9, 8, 7, 10, 6, 9, 4, 10])
            NpsAnswer.objects.create(
                workspace=workspace,
                participant=person,
                email_normalised=person.email_normalised,
                score=score,
                comment="",
                answered_at=now - timedelta(days=rng.randint(1, 80)),
                source="api",
                external_id=f"demo-nps-{index}",
                created_at=now,
            )
    paid = Reward.objects.filter(program__in=programs.values(), status=RewardStatus.paid)
    seen = set()
    for reward in paid.order_by("paid_at")[:80]:
        if reward.participant_id in seen:
            continue
        seen.add(reward.participant_id)
        answered = rng.random() < 0.6
        SatisfactionSurvey.objects.create(
            workspace=workspace,
            program_id=reward.program_id,
            participant_id=reward.participant_id,
            reward=reward,
            token_hash=hashlib.sha256(f"demo-survey-{reward.pk}".encode()).hexdigest(),
            sent_at=reward.paid_at,
            score=rng.choice([5, 5, 4, 4, 4, 3, 5, 2]) if answered else None,
            answered_at=(reward.paid_at + timedelta(hours=rng.randint(2, 72)))
            if answered
            else None,
        )
