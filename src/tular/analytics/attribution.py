"""What each attribution model would have credited for a period, side by side (R14).

Read-only: the period's real sales (`referrals.Conversion`, kind sale, by `occurred_at`), each
customer's journey, and the referrer rewards actually granted on each sale (whoever received
them: a sale split at grant time has one referrer reward per credited participant). Nothing is
granted or changed here; rewards are granted by `tular.referrals.services` under the program's
own model (docs/attribution.md, "The model at grant time").

A journey is the touches of the sale's customer inside the program's window before the sale,
built by `tracking.journeys.journey` (the one the grant uses too):

- the referral's own touch: the click it was attributed by (`Referral.click`, at the click's
  time), or, for a referral attributed by code or submitted as a lead, the referral itself at
  its `created_at`; it credits the referral's referrer;
- the customer's touchpoints (`tracking.Touchpoint`: clicks the customer's backend tied to the
  customer, partner, campaign and direct touches), a click already counted once not twice.

Unlike the grant, the comparison does not move a referral older than the window into it: such a
sale with no other touch inside is shown as "outside the window" (docs/attribution.md).

Clicks carry no customer id, so our clicks are in a journey only through the referral or a
`click` touchpoint. A sale with no touch inside the window is credited to nobody under every
model: it is shown as its own row ("outside the window") so each model's totals are the period's.

Per sale the model's shares (tular.tracking.credit) split the sale amount (revenue credited) and,
currency by currency, the referrer commission granted on that sale (monetary rewards to the
referrer, net of reversals, rejected ones left out; friend rewards are not commission), each by
largest remainder in time order, so every model's column sums exactly to the same totals.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import NamedTuple
from uuid import UUID

from tular.analytics.metrics import Period
from tular.participants.models import Participant
from tular.programs.models import Program
from tular.referrals.models import Conversion, ConversionKind
from tular.rewards.models import Reward, RewardStatus
from tular.tracking.credit import MODELS, Model, credit, split_amount
from tular.tracking.journeys import half_life_of, journey, model_of
from tular.tracking.touchpoints import journeys_of

NOBODY = "nobody"


@dataclass
class Credited:
    """What one model credits one row with over the period."""

    conversions: Fraction = Fraction(0)
    revenue: dict[str, int] = field(default_factory=dict)
    commission: dict[str, int] = field(default_factory=dict)

    def add(self, *, share: Fraction, revenue: tuple[str, int] | None, commission: dict[str, int]):
        self.conversions += share
        if revenue is not None:
            currency, amount = revenue
            self.revenue[currency] = self.revenue.get(currency, 0) + amount
        for currency, amount in commission.items():
            self.commission[currency] = self.commission.get(currency, 0) + amount


@dataclass
class Row:
    """One participant, campaign, the direct team, or `nobody` (sales outside the window)."""

    who: str  # participant:<uuid>, campaign:<label>, direct, nobody
    kind: str  # participant, campaign, direct, nobody
    participant: Participant | None
    campaign: str
    by_model: dict[Model, Credited]


@dataclass(frozen=True)
class Comparison:
    program: Program
    period: Period
    current_model: Model
    window_days: int
    half_life_days: int
    sales: int
    rows: list[Row]
    totals: dict[Model, Credited]


class Sale(NamedTuple):
    """A sale and its referral, as the comparison reads them (tuples: thousands at once)."""

    id: UUID
    amount: int | None
    currency: str
    occurred_at: datetime
    customer: str | None
    referrer_id: UUID
    referred_at: datetime
    click_id: UUID | None
    clicked_at: datetime | None


def _commissions(sale_ids) -> dict:
    """Per sale: {currency: referrer commission granted on it, net of reversals}."""
    found: dict = defaultdict(dict)
    ids = list(sale_ids)
    for start in range(0, len(ids), 500):
        rewards = (
            Reward.objects.filter(
                conversion_id__in=ids[start : start + 500],
                recipient="referrer",
                amount__isnull=False,
            )
            .exclude(status=RewardStatus.rejected)
            .values_list("conversion_id", "currency", "amount", "reversed_amount")
        )
        for sale_id, currency, amount, reversed_amount in rewards:
            net = amount - reversed_amount
            found[sale_id][currency] = found[sale_id].get(currency, 0) + net
    return found


def attribution_compare(*, program: Program, period: Period) -> Comparison:
    """Every model's credit and commission per participant, campaign and direct touch for the
    program's sales in `period` (UTC days, both ends included)."""
    window_days = program.window_days
    half_life = half_life_of(program)
    sales = [
        Sale(*row)
        for row in Conversion.objects.filter(
            program=program,
            kind=ConversionKind.sale,
            occurred_at__gte=period.start,
            occurred_at__lt=period.end,
        )
        .order_by("occurred_at", "id")
        .values_list(
            "id",
            "amount",
            "currency",
            "occurred_at",
            "referral__customer_external_id",
            "referral__participant_id",
            "referral__created_at",
            "referral__click_id",
            "referral__click__created_at",
        )
    ]
    journeys = journeys_of(
        program=program,
        customer_external_ids=[sale.customer for sale in sales if sale.customer],
        since=period.start - timedelta(days=window_days),
        until=period.end,
    )
    commissions = _commissions(sale.id for sale in sales)
    rows: dict[str, Row] = {}
    totals = {model: Credited() for model in MODELS}

    def row_for(who: str) -> Row:
        if who not in rows:
            kind, _, rest = who.partition(":")
            rows[who] = Row(
                who=who,
                kind=kind,
                participant=None,
                campaign=rest if kind == "campaign" else "",
                by_model={model: Credited() for model in MODELS},
            )
        return rows[who]

    for sale in sales:
        touches = journey(
            referrer_id=sale.referrer_id,
            referral_at=sale.clicked_at
            if sale.click_id is not None and sale.clicked_at
            else sale.referred_at,
            referral_click_id=sale.click_id,
            touchpoints=journeys.get(sale.customer or "", []),
        )
        commission = commissions.get(sale.id, {})
        revenue = (sale.currency, sale.amount) if sale.amount is not None else None
        for model in MODELS:
            totals[model].add(share=Fraction(1), revenue=revenue, commission=commission)
            shares = credit(
                model,
                touches,
                converted_at=sale.occurred_at,
                window_days=window_days,
                half_life_days=half_life,
            )
            if not any(shares):
                row_for(NOBODY).by_model[model].add(
                    share=Fraction(1), revenue=revenue, commission=commission
                )
                continue
            revenue_parts = split_amount(revenue[1], shares) if revenue else None
            commission_parts = {
                currency: split_amount(amount, shares) for currency, amount in commission.items()
            }
            for index, (touch, share) in enumerate(zip(touches, shares, strict=True)):
                if share == 0:
                    continue
                row_for(touch.who).by_model[model].add(
                    share=share,
                    revenue=(revenue[0], revenue_parts[index]) if revenue else None,
                    commission={
                        currency: parts[index] for currency, parts in commission_parts.items()
                    },
                )
    people = Participant.objects.in_bulk(
        [UUID(row.who.partition(":")[2]) for row in rows.values() if row.kind == "participant"]
    )
    for row in rows.values():
        if row.kind == "participant":
            row.participant = people.get(UUID(row.who.partition(":")[2]))
    order = {"participant": 0, "campaign": 1, "direct": 2, NOBODY: 3}
    current = model_of(program)
    ordered = sorted(
        rows.values(),
        key=lambda row: (
            order[row.kind],
            -row.by_model[current].conversions,
            (row.participant.name or row.participant.email) if row.participant else row.campaign,
            row.who,
        ),
    )
    return Comparison(
        program=program,
        period=period,
        current_model=current,
        window_days=window_days,
        half_life_days=half_life,
        sales=len(sales),
        rows=ordered,
        totals=totals,
    )
