"""The health scorecard (R56): pass/fail checks on a program (or the workspace) over a period,
each against the period just before it where it compares.

Each check: `key`, `passed` (True / False / None = cannot tell, `why` says why), `value` (what
was measured, as text), `expectation` (what passes). The checks:

- ``volume_growing``: referrals (sign-ups) this period > the period before (same length).
- ``conversion_vs_other``: referred leads' lead → won rate / other channels' ≥ the band's low
  end (2x by default; the `conversion_multiple` band).
- ``referred_not_underperforming``: referred leads' lead → won rate ≥ other channels'.
- ``roi_in_band``: revenue / cost in the program's currency at or above the `roi_multiple`
  band's low end (3x, 5x for services); under 2x fails as a warning.
- ``repeat_referrers_rising``: participants with 2+ referrals in the period > the period
  before.
- ``contact_within_48h``: the median time to contact a lead ≤ 48 h (the band's high end).
- ``time_to_reward``: the median referral → payment ≤ 7 days (the band's high end).
- ``referrals_spread``: the top 5 % of referrers made less than 80 % of all referrals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

from .bands import Judgement
from .measures import Measures, _jsonable, day_totals, measures, programs_of, referring_in
from .metrics import Period


@dataclass(frozen=True)
class Check:
    key: str
    label: str
    passed: bool | None
    value: str | None
    expectation: str
    why: str = ""  # when passed is None: why it cannot tell

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": str(self.label),
            "passed": self.passed,
            "value": self.value,
            "expectation": str(self.expectation),
            "why": str(self.why),
        }


def previous_period(period: Period) -> Period:
    """The period of the same length just before `period`."""
    last = period.first - timedelta(days=1)
    return Period(first=last - timedelta(days=period.days - 1), last=last)


def _text(value) -> str | None:
    if value is None:
        return None
    return str(_jsonable(value))


def _growing(key, label, now: int, before: int, expectation) -> Check:
    value = f"{now} / {before}"
    if not now and not before:
        return Check(key, label, None, value, expectation, _("nothing in either period"))
    return Check(key, label, now > before, value, expectation)


def _banded(key, label, judgement: Judgement | None, expectation, why) -> Check:
    if judgement is None or judgement.value is None:
        return Check(key, label, None, None, expectation, why)
    return Check(key, label, bool(judgement.good), _text(judgement.value), expectation)


@dataclass(frozen=True)
class Before:
    """What the checks compare with in the period just before."""

    signups: int
    repeat_referrers_period: int


def before_figures(*, workspace, program, period: Period) -> Before:
    """The period just before `period`'s sign-ups (rollups) and repeat referrers."""
    previous = previous_period(period)
    programs = programs_of(workspace=workspace, program=program)
    totals = day_totals(programs=programs, first=previous.first, last=previous.last)
    _referring, repeat = referring_in(programs=programs, period=previous)
    return Before(signups=int(totals.get(("referrals", ""), 0)), repeat_referrers_period=repeat)


def checks(this: Measures, before: Before) -> list[Check]:
    """The scorecard of `this` period's measures against `before` (the period just before)."""
    j = this.judgements
    result = [
        _growing(
            "volume_growing",
            _("Referral volume is growing"),
            this.signups,
            before.signups,
            _("more referrals than the period before"),
        )
    ]
    band = j.get("conversion_multiple")
    low = _text(band.band.low) if band else "2"
    result.append(
        _banded(
            "conversion_vs_other",
            _("Referred leads convert 2-3x better than other sources"),
            band,
            _("at least %(low)sx the other channels' lead-to-won rate") % {"low": low},
            this.notes.get("conversion_multiple", _("not enough figures")),
        )
    )
    if this.lead_to_won is None or this.other_lead_to_won is None:
        result.append(
            Check(
                "referred_not_underperforming",
                _("Referred leads do not underperform other leads"),
                None,
                None,
                _("a lead-to-won rate at least the other channels'"),
                _("no pipeline leads in the period")
                if this.lead_to_won is None
                else _("no other channels' leads entered"),
            )
        )
    else:
        result.append(
            Check(
                "referred_not_underperforming",
                _("Referred leads do not underperform other leads"),
                this.lead_to_won >= this.other_lead_to_won,
                f"{_text(this.lead_to_won)} % / {_text(this.other_lead_to_won)} %",
                _("a lead-to-won rate at least the other channels'"),
            )
        )
    band = j.get("roi_multiple")
    low = _text(band.band.low) if band else "3"
    result.append(
        _banded(
            "roi_in_band",
            _("Return on the program is in band"),
            band,
            _("revenue at least %(low)sx the program cost") % {"low": low},
            this.notes.get("roi_multiple", _("no revenue or cost in the program's currency")),
        )
    )
    result.append(
        _growing(
            "repeat_referrers_rising",
            _("Repeat referrers are rising"),
            this.repeat_referrers_period,
            before.repeat_referrers_period,
            _("more participants referring twice or more than the period before"),
        )
    )
    result.append(
        _banded(
            "contact_within_48h",
            _("Leads are contacted within 48 hours"),
            j.get("time_to_contact_hours"),
            _("a median time to contact of 48 hours or less"),
            _("no lead was contacted in the period"),
        )
    )
    result.append(
        _banded(
            "time_to_reward",
            _("Rewards are paid within 7 days"),
            j.get("time_to_reward_hours"),
            _("a median of 7 days or less from referral to payment"),
            _("no reward was paid in the period"),
        )
    )
    if this.top5_share is None:
        result.append(
            Check(
                "referrals_spread",
                _("Referrals do not depend on a few people"),
                None,
                None,
                _("the top 5 percent of referrers make less than 80 percent of referrals"),
                _("nobody has referred yet"),
            )
        )
    else:
        result.append(
            Check(
                "referrals_spread",
                _("Referrals do not depend on a few people"),
                not this.concentration_alert,
                f"{_text(this.top5_share)} %",
                _("the top 5 percent of referrers make less than 80 percent of referrals"),
            )
        )
    return result


def scorecard(
    *, workspace, program=None, period: Period, today: date, this: Measures | None = None
) -> list[Check]:
    """The scorecard of `program` (None: the workspace) over `period` (see the module); pass
    `this` when the period's measures are already computed."""
    if this is None:
        this = measures(workspace=workspace, program=program, period=period, today=today)
    before = before_figures(workspace=workspace, program=program, period=period)
    return checks(this, before)
