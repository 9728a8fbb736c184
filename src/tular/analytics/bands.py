"""Benchmark bands (R41-R44, R56): what the seeds call healthy for each measure, as editable
defaults per sector, merged with what a manager changed (`InsightSettings.bands`).

A band is `{"low", "high"}` (Decimals, either may be None = open) in the measure's unit
(`Band.unit`), with which way is better (`Band.better`: "higher" — at or above the band is good,
"lower" — at or below it is good) and, for some, a warning line (`Band.warn_below`: a value
under it is a warning, e.g. an ROI multiple under 2x).

Defaults (the seeds):

- ``referral_rate`` (%): B2B SaaS 15-25, e-commerce 5-10, professional services 30-40.
- ``conversion_multiple`` (x): referred leads' lead → won rate over other channels', 2-3.
- ``revenue_share`` (%): share of new revenue from referrals, 30-50.
- ``roi_multiple`` (x): revenue / cost, 3-5 (services 5-10); under 2 a warning.
- ``payback_months`` (months): under 6.
- ``time_to_reward_hours`` (hours): referral → payment under 7 days (168).
- ``time_to_contact_hours`` (hours): lead → first contact under 48.
- ``cac_multiple`` (x): paid ads' cost per customer over the program's, 5-10 ("CAC 5-10x lower").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tular.core import clock, money
from tular.core.errors import Invalid

from .models import InsightSettings

SECTORS = tuple(InsightSettings.Sector.values)


@dataclass(frozen=True)
class Band:
    key: str
    low: Decimal | None
    high: Decimal | None
    unit: str  # "%", "x", "months", "hours"
    better: str  # "higher" or "lower"
    warn_below: Decimal | None = None
    changed: bool = False  # the manager's value, not the sector's default

    def as_dict(self) -> dict:
        return {
            "low": _text(self.low),
            "high": _text(self.high),
            "unit": self.unit,
            "better": self.better,
            "warn_below": _text(self.warn_below),
            "changed": self.changed,
        }


@dataclass(frozen=True)
class Judgement:
    """Where a value stands against its band: `position` is "in_band", "above", "below" or
    "warning" (under `warn_below`), None when there is no value; `good` whether that position is
    healthy (None when there is no value)."""

    key: str
    value: Decimal | None
    position: str | None
    good: bool | None
    band: Band


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


D = Decimal

# key: (unit, better, {sector: (low, high)} or (low, high) for every sector, warn_below)
_DEFAULTS: dict[str, tuple] = {
    "referral_rate": (
        "%",
        "higher",
        {"b2b_saas": (D(15), D(25)), "ecommerce": (D(5), D(10)), "services": (D(30), D(40))},
        None,
    ),
    "conversion_multiple": ("x", "higher", (D(2), D(3)), None),
    "revenue_share": ("%", "higher", (D(30), D(50)), None),
    "roi_multiple": (
        "x",
        "higher",
        {"b2b_saas": (D(3), D(5)), "ecommerce": (D(3), D(5)), "services": (D(5), D(10))},
        D(2),
    ),
    "payback_months": ("months", "lower", (None, D(6)), None),
    "time_to_reward_hours": ("hours", "lower", (None, D(168)), None),
    "time_to_contact_hours": ("hours", "lower", (None, D(48)), None),
    "cac_multiple": ("x", "higher", (D(5), D(10)), None),
}

KEYS = tuple(_DEFAULTS)

LABELS = {
    "referral_rate": _("Referral rate"),
    "conversion_multiple": _("Referred conversion vs other channels"),
    "revenue_share": _("Share of new revenue from referrals"),
    "roi_multiple": _("Return on the program (revenue / cost)"),
    "payback_months": _("Payback period"),
    "time_to_reward_hours": _("Time to reward"),
    "time_to_contact_hours": _("Time to contact"),
    "cac_multiple": _("Paid ads' cost per customer over the program's"),
}


def default_bands(sector: str) -> dict[str, Band]:
    """The seeds' bands for `sector` (one of `SECTORS`)."""
    result = {}
    for key, (unit, better, ranges, warn) in _DEFAULTS.items():
        low, high = ranges[sector] if isinstance(ranges, dict) else ranges
        result[key] = Band(key=key, low=low, high=high, unit=unit, better=better, warn_below=warn)
    return result


def _settings_of(*, workspace, program) -> InsightSettings | None:
    found = InsightSettings.objects.filter(workspace=workspace, program=program).first()
    if found is None and program is not None:
        # A program without its own settings takes the workspace's.
        found = InsightSettings.objects.filter(workspace=workspace, program=None).first()
    return found


def settings_for(*, workspace, program=None) -> InsightSettings:
    """The program's (or workspace's) settings as stored, or unsaved defaults."""
    return _settings_of(workspace=workspace, program=program) or InsightSettings(
        workspace=workspace, program=program
    )


def bands_for(*, workspace, program=None) -> dict[str, Band]:
    """Every band for the program (None: the workspace): its sector's defaults with the
    manager's changes over them."""
    stored = settings_for(workspace=workspace, program=program)
    bands = default_bands(stored.sector)
    for key, change in (stored.bands or {}).items():
        if key not in bands or not isinstance(change, dict):
            continue
        base = bands[key]
        bands[key] = Band(
            key=key,
            low=_decimal_or_none(change.get("low")),
            high=_decimal_or_none(change.get("high")),
            unit=base.unit,
            better=base.better,
            warn_below=base.warn_below,
            changed=True,
        )
    return bands


def _decimal_or_none(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def judge(band: Band, value) -> Judgement:
    """Where `value` (a number, a decimal string or None) stands against `band`."""
    number = _decimal_or_none(value) if not isinstance(value, Decimal) else value
    if number is None:
        return Judgement(key=band.key, value=None, position=None, good=None, band=band)
    if band.warn_below is not None and number < band.warn_below:
        position = "warning"
    elif band.low is not None and number < band.low:
        position = "below"
    elif band.high is not None and number > band.high:
        position = "above"
    else:
        position = "in_band"
    if band.better == "higher":
        good = position in ("in_band", "above")
    else:
        good = position in ("in_band", "below")
    return Judgement(key=band.key, value=number, position=position, good=good, band=band)


def judge_all(bands: dict[str, Band], values: dict[str, object]) -> dict[str, Judgement]:
    """`judge` for every band whose key is in `values`."""
    return {key: judge(band, values.get(key)) for key, band in bands.items() if key in values}


def bands_update(
    *,
    workspace,
    program=None,
    sector: str,
    bands: dict,
    paid_ads_cost_per_customer: int | None = None,
    paid_ads_currency: str = "",
) -> InsightSettings:
    """Store the program's (None: the workspace's) sector, band changes and paid ads' cost per
    customer. `bands` maps a known key to {"low", "high"} (numbers or decimal strings, either
    may be None for an open end, low ≤ high); a key whose low and high equal the sector's
    default is not stored (it stays a default). Nothing is written when anything is invalid
    (`Invalid`, located at the field)."""
    if sector not in SECTORS:
        raise Invalid(["sector"], gettext("Choose B2B SaaS, e-commerce or professional services."))
    if not isinstance(bands, dict):
        raise Invalid(["bands"], gettext("Give the bands as an object of {measure: {low, high}}."))
    defaults = default_bands(sector)
    stored: dict[str, dict] = {}
    for key, change in bands.items():
        if key not in defaults:
            raise Invalid(
                ["bands", key],
                gettext("Unknown measure: one of %(keys)s.") % {"keys": ", ".join(KEYS)},
            )
        if not isinstance(change, dict) or set(change) - {"low", "high"}:
            raise Invalid(["bands", key], gettext("Give low, high or both."))
        ends = {}
        for end in ("low", "high"):
            raw = change.get(end)
            if raw is None or raw == "":
                ends[end] = None
                continue
            if isinstance(raw, bool):
                raise Invalid(["bands", key, end], gettext("Give a number."))
            try:
                number = Decimal(str(raw))
            except InvalidOperation:
                raise Invalid(["bands", key, end], gettext("Give a number.")) from None
            if not number.is_finite() or number < 0 or number > Decimal(10) ** 9:
                raise Invalid(["bands", key, end], gettext("Give a number from 0 to 1000000000."))
            ends[end] = number
        if ends["low"] is None and ends["high"] is None:
            raise Invalid(["bands", key], gettext("Give low, high or both."))
        if ends["low"] is not None and ends["high"] is not None and ends["low"] > ends["high"]:
            raise Invalid(["bands", key, "low"], gettext("The low end is above the high end."))
        default = defaults[key]
        if (ends["low"], ends["high"]) == (default.low, default.high):
            continue
        stored[key] = {"low": _text(ends["low"]), "high": _text(ends["high"])}
    if paid_ads_cost_per_customer is not None:
        if isinstance(paid_ads_cost_per_customer, bool) or not isinstance(
            paid_ads_cost_per_customer, int
        ):
            raise Invalid(["paid_ads_cost_per_customer"], gettext("Give an amount in minor units."))
        if paid_ads_cost_per_customer < 0:
            raise Invalid(["paid_ads_cost_per_customer"], gettext("Give an amount of 0 or more."))
        if not money.is_currency(paid_ads_currency or ""):
            raise Invalid(
                ["paid_ads_currency"], gettext("Give the ISO 4217 currency code (e.g. IDR).")
            )
    else:
        paid_ads_currency = ""
    if program is not None and program.workspace_id != workspace.pk:
        raise Invalid(["program"], gettext("Choose one of this workspace's programs."))
    with transaction.atomic():
        row, _created = InsightSettings.objects.select_for_update().get_or_create(
            workspace=workspace, program=program
        )
        row.sector = sector
        row.bands = stored
        row.paid_ads_cost_per_customer = paid_ads_cost_per_customer
        row.paid_ads_currency = paid_ads_currency
        row.updated_at = clock.now()
        row.save()
    return row
