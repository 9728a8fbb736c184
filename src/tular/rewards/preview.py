"""What a referrer and their friend would earn under some rules: the real engine on an example.

The program setup shows this while a manager types the incentive, so the numbers are the
engine's own (`rewards.engine.evaluate`), never a second calculation. Pure: no database, no clock.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tular.programs.rules import Recipient, Rule, Trigger
from tular.rewards.engine import Occurrence, RewardDraft, evaluate

# The example customer's path, in order: every trigger a rule can have.
PATH = (Trigger.signup, Trigger.qualified, Trigger.won, Trigger.sale)
# Any fixed moment: the example is the customer's first sale, so no duration applies.
EXAMPLE_AT = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class RewardPreview:
    referrer: list[RewardDraft]
    friend: list[RewardDraft]
    # Money per currency for each side (perks have no amount and are listed only).
    referrer_totals: dict[str, int]
    friend_totals: dict[str, int]


def reward_preview(
    *,
    rules: Sequence[Rule],
    currency: str,
    sale_amount: int | None,
    paying_customers: int = 1,
    monetary_rewards_allowed: bool = True,
) -> RewardPreview:
    """The rewards of one referred customer who signs up, is qualified, is won and makes a
    first purchase of `sale_amount` (minor units of `currency`, the program's), when the
    referrer has `paying_customers` paying customers (this one included: the tiers' count)."""
    drafts: list[RewardDraft] = []
    earned: dict[int, int] = {}
    for trigger in PATH:
        if trigger == Trigger.sale and not sale_amount:
            continue
        occurrence = Occurrence(
            trigger=trigger,
            occurred_at=EXAMPLE_AT,
            currency=currency,
            program_currency=currency,
            sale_amount=sale_amount if trigger == Trigger.sale else None,
            paying_customers=max(1, paying_customers) if trigger == Trigger.sale else 0,
            monetary_rewards_allowed=monetary_rewards_allowed,
        )
        for draft in evaluate(rules=rules, occurrence=occurrence, earned_in_cap_period=earned):
            drafts.append(draft)
            if draft.amount is not None:
                earned[draft.rule_index] = earned.get(draft.rule_index, 0) + draft.amount
    referrer = [draft for draft in drafts if draft.recipient == Recipient.referrer]
    friend = [draft for draft in drafts if draft.recipient == Recipient.friend]
    return RewardPreview(
        referrer=referrer,
        friend=friend,
        referrer_totals=_totals(referrer),
        friend_totals=_totals(friend),
    )


def _totals(drafts: list[RewardDraft]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for draft in drafts:
        if draft.amount is not None and draft.currency:
            totals[draft.currency] = totals.get(draft.currency, 0) + draft.amount
    return totals
