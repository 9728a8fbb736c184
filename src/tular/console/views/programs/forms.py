"""The program setup's step forms: each checks its own fields on the server and puts every error
beside its field. They only shape input into the settings `program_create` / `program_update`
take (the same JSON as POST /api/v1/programs); the services validate the whole again."""

from __future__ import annotations

import re
from decimal import Decimal

import iso4217
from babel.numbers import get_currency_name
from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from pydantic import ValidationError

from tular.core.forms import StyledForm
from tular.core.money import is_currency, minor_units
from tular.core.templatetags.ui import babel_locale
from tular.programs.models import PROGRAM_KIND_CHOICES
from tular.programs.rules import MAX_AMOUNT, Rule
from tular.programs.services import program_get

# What each kind of program is for, one line each (the wizard's first step).
KIND_HELP = {
    "customer": _("Customers invite friends; both can earn."),
    "affiliate": _("Creators and publishers earn a commission on the sales they send."),
    "reseller": _("Partners resell your product and earn a margin on each deal."),
    "technology_partner": _("Companies whose product integrates with yours refer their users."),
    "service_partner": _("Agencies and consultants bring clients and earn per deal won."),
    "employee": _("Your team refers customers or new hires and earns a bonus."),
    "network": _("A club of experts and contacts who pass each other qualified leads."),
}
# URLs under /console/programs/ that a program's slug must not take in the console.
RESERVED_SLUGS = {"new", "preview"}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")
HOST = re.compile(r"^(\*\.)?[A-Za-z0-9.-]+$")
PERCENT = re.compile(r"^\d{1,3}([.,]\d{1,4})?$")

TRIGGER_CHOICES = [
    ("sale", _("the referred customer pays")),
    ("signup", _("the referred friend signs up")),
    ("qualified", _("the referred lead is qualified")),
    ("won", _("the referred deal is won")),
]
FRIEND_TRIGGER_CHOICES = [
    ("signup", _("they sign up")),
    ("sale", _("they pay")),
]
REWARD_KIND_CHOICES = [
    ("percent", _("a percentage of the sale")),
    ("fixed", _("a fixed amount")),
    ("perk", _("a perk (not money)")),
]
NO_REWARD = [("", pgettext_lazy("reward", "none"))]
CAP_PERIOD_CHOICES = [
    ("", pgettext_lazy("cap", "no cap")),
    ("month", _("per month")),
    ("quarter", _("per quarter")),
    ("year", _("per year")),
    ("lifetime", _("in total")),
]
TIERS = 3


def currency_choices() -> list[tuple[str, str]]:
    """ISO 4217 codes with their names in the interface language, IDR first."""
    locale = babel_locale()
    names = []
    codes = sorted(c.code for c in iso4217.Currency if c.exponent is not None)
    for code in codes:
        try:
            name = get_currency_name(code, locale=locale)
        except (KeyError, ValueError):  # a code Babel does not know keeps its code as name
            name = code
        names.append((code, f"{code} · {name}"))
    first = [choice for choice in names if choice[0] == "IDR"]
    return first + [choice for choice in names if choice[0] != "IDR"]


def parse_money(text: str, currency: str) -> int:
    """Major units as typed ("50000", "50.000", "1.500.000,50", "1,250.00", "Rp50.000") → minor
    units of `currency`. A separator followed by exactly three digits groups thousands; the
    last separator followed by one or two digits is the decimal point."""
    cleaned = re.sub(r"[^\d.,]", "", text or "")
    if not cleaned or not re.search(r"\d", cleaned):
        raise forms.ValidationError(_("Enter an amount, e.g. 50.000."))
    separators = [char for char in cleaned if char in ".,"]
    whole, fraction = cleaned, ""
    if separators:
        last = separators[-1]
        head, _sep, tail = cleaned.rpartition(last)
        decimal = (len(set(separators)) == 2) or (separators.count(last) == 1 and len(tail) != 3)
        if decimal:
            whole, fraction = head, tail
    groups = re.split(r"[.,]", whole)
    digits = "".join(groups)
    misgrouped = len(groups) > 1 and any(len(group) != 3 for group in groups[1:])
    if misgrouped or not digits.isdigit() or (fraction and not fraction.isdigit()):
        raise forms.ValidationError(_("Enter an amount, e.g. 50.000."))
    exponent = minor_units(currency)
    if len(fraction) > exponent:
        raise forms.ValidationError(
            _("%(currency)s has at most %(digits)d decimals.")
            % {"currency": currency, "digits": exponent}
        )
    value = int(digits) * 10**exponent + (int(fraction.ljust(exponent, "0")) if fraction else 0)
    if value <= 0:
        raise forms.ValidationError(_("Enter an amount above zero."))
    if value > MAX_AMOUNT:
        raise forms.ValidationError(_("This amount is too large."))
    return value


def money_text(amount: int | None, currency: str) -> str:
    """Minor units → what the manager would type back (50000 → "500"; 5000050 → "50000,50")."""
    if amount is None:
        return ""
    value = Decimal(amount).scaleb(-minor_units(currency))
    if value == value.to_integral_value():
        return f"{int(value):,}".replace(",", ".")
    whole, fraction = f"{value:f}".split(".")
    return f"{int(whole):,}".replace(",", ".") + "," + fraction


def parse_percent(text: str) -> str:
    """ "20", "12,5" or "12.5" → the contract's decimal string ("12.5")."""
    value = (text or "").strip().removesuffix("%").strip()
    if not PERCENT.fullmatch(value):
        raise forms.ValidationError(_("Enter a percentage such as 20 or 12,5."))
    value = value.replace(",", ".")
    number = Decimal(value)
    if not 0 < number <= 100:
        raise forms.ValidationError(_("Enter a percentage above 0 and at most 100."))
    return format(number.normalize(), "f")


class KindForm(StyledForm, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of program"), choices=PROGRAM_KIND_CHOICES, widget=forms.RadioSelect
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.CharField(
        label=_("Short name in links"),
        max_length=50,
        required=False,
        help_text=_(
            "Lower-case letters, digits and hyphens; used in the program's addresses. "
            "Left empty, it is made from the name."
        ),
    )

    def __init__(self, *args, workspace, current_slug: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.current_slug = current_slug
        self.fields["slug"].widget.attrs["data-slug-from"] = "id_name"

    def clean(self):
        cleaned = super().clean()
        if "name" in cleaned and not cleaned.get("slug"):
            cleaned["slug"] = slugify(cleaned["name"])[:50].strip("-")
            if not cleaned["slug"]:
                self.add_error("slug", _("Choose a short name in Latin letters or digits."))
                return cleaned
        slug = (cleaned.get("slug") or "").strip().lower()
        if not slug:
            return cleaned
        if not SLUG.fullmatch(slug):
            self.add_error(
                "slug", _("Use lower-case letters, digits and hyphens (start with a letter).")
            )
        elif slug in RESERVED_SLUGS:
            self.add_error("slug", _("This short name is reserved; choose another."))
        elif slug != self.current_slug and program_get(workspace=self.workspace, slug=slug):
            self.add_error("slug", _("Another program already uses this short name."))
        cleaned["slug"] = slug
        return cleaned


class LinkForm(StyledForm, forms.Form):
    currency = forms.ChoiceField(label=_("Currency"), initial="IDR")
    destination_url = forms.CharField(
        label=_("Destination URL"),
        max_length=2000,
        help_text=_("Where a referral link leads, e.g. your sign-up or shop page."),
    )
    allowed_hosts = forms.CharField(
        label=_("Other allowed sites"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Sites a link may also lead to, one per line or separated by commas "
            "(*.example.com allows every subdomain)."
        ),
    )
    window_days = forms.IntegerField(
        label=_("Attribution window (days)"),
        min_value=1,
        max_value=365,
        initial=30,
        help_text=_("How long after clicking a link a sign-up still counts for the referrer."),
    )

    def __init__(self, *args, currency_locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = currency_choices()
        if currency_locked:
            self.fields["currency"].disabled = True
            self.fields["currency"].help_text = _(
                "The currency cannot change: the program already has rewards in it."
            )

    def clean_destination_url(self):
        url = self.cleaned_data["destination_url"].strip()
        if not re.fullmatch(r"https?://[^\s/?#]+\S*", url):
            raise forms.ValidationError(
                _("Enter a full address starting with https://, e.g. https://toko.example/daftar.")
            )
        return url

    def clean_allowed_hosts(self):
        hosts = [host.strip() for host in re.split(r"[\s,]+", self.cleaned_data["allowed_hosts"])]
        hosts = [re.sub(r"^https?://", "", host).split("/")[0] for host in hosts if host]
        bad = [host for host in hosts if not HOST.fullmatch(host)]
        if bad:
            raise forms.ValidationError(
                _("Not a site name: %(hosts)s. Write names such as toko.example.")
                % {"hosts": ", ".join(bad)}
            )
        if len(hosts) > 50:
            raise forms.ValidationError(_("At most 50 sites."))
        return hosts

    def clean_currency(self):
        code = self.cleaned_data["currency"]
        if not is_currency(code):
            raise forms.ValidationError(_("Choose a currency from the list."))
        return code


def _tier_minimum():
    return forms.IntegerField(
        label=_("From paying customers"), min_value=1, max_value=1_000_000, required=False
    )


def _tier_rate():
    return forms.CharField(label=_("Earns"), required=False, max_length=40)


def _amount():
    return forms.CharField(label=_("Amount"), required=False, max_length=40)


def _percent():
    return forms.CharField(label=_("Percentage"), required=False, max_length=10)


def _perk():
    return forms.CharField(label=_("Perk"), required=False, max_length=200)


def _extra_kind():
    return forms.ChoiceField(
        label=_("The referrer also earns"), choices=NO_REWARD + REWARD_KIND_CHOICES, required=False
    )


def _extra_trigger():
    return forms.ChoiceField(
        label=_("When"), choices=TRIGGER_CHOICES, initial="won", required=False
    )


EXTRAS = ("extra1", "extra2")


class IncentiveForm(StyledForm, forms.Form):
    referrer_kind = forms.ChoiceField(
        label=_("The referrer earns"), choices=NO_REWARD + REWARD_KIND_CHOICES, required=False
    )
    referrer_trigger = forms.ChoiceField(
        label=_("When"), choices=TRIGGER_CHOICES, initial="sale", required=False
    )
    referrer_amount = _amount()
    referrer_percent = _percent()
    referrer_perk = _perk()
    duration_months = forms.IntegerField(
        label=_("Recurring for (months)"),
        min_value=0,
        max_value=120,
        initial=0,
        required=False,
        help_text=_("0: only the customer's first purchase earns. 12: every purchase for a year."),
    )
    cap_amount = forms.CharField(label=_("Cap"), required=False, max_length=40)
    cap_period = forms.ChoiceField(
        label=_("Cap period"), choices=CAP_PERIOD_CHOICES, required=False
    )
    friend_kind = forms.ChoiceField(
        label=_("The friend gets"), choices=NO_REWARD + REWARD_KIND_CHOICES, required=False
    )
    friend_trigger = forms.ChoiceField(
        label=_("When"), choices=FRIEND_TRIGGER_CHOICES, initial="signup", required=False
    )
    friend_amount = _amount()
    friend_percent = _percent()
    friend_perk = _perk()

    extra1_kind = _extra_kind()
    extra1_trigger = _extra_trigger()
    extra1_amount = _amount()
    extra1_percent = _percent()
    extra1_perk = _perk()
    extra2_kind = _extra_kind()
    extra2_trigger = _extra_trigger()
    extra2_amount = _amount()
    extra2_percent = _percent()
    extra2_perk = _perk()
    tier1_min = _tier_minimum()
    tier1_rate = _tier_rate()
    tier2_min = _tier_minimum()
    tier2_rate = _tier_rate()
    tier3_min = _tier_minimum()
    tier3_rate = _tier_rate()

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency

    def extra_slots(self):
        parts = ("kind", "trigger", "amount", "percent", "perk")
        return [{part: self[f"{slot}_{part}"] for part in parts} for slot in EXTRAS]

    def tier_rows(self):
        return [(self[f"tier{i}_min"], self[f"tier{i}_rate"]) for i in range(1, TIERS + 1)]

    def _rate(self, kind: str, prefix: str, data: dict) -> dict:
        """The reward part of one side's rule, each error beside its field."""
        if kind == "fixed":
            field = f"{prefix}_amount"
            try:
                return {"amount": parse_money(data.get(field, ""), self.currency)}
            except forms.ValidationError as error:
                self.add_error(field, error)
        elif kind == "percent":
            field = f"{prefix}_percent"
            try:
                return {"percent": parse_percent(data.get(field, ""))}
            except forms.ValidationError as error:
                self.add_error(field, error)
        elif kind == "perk":
            perk = (data.get(f"{prefix}_perk") or "").strip()
            if perk:
                return {"perk": perk}
            self.add_error(f"{prefix}_perk", _("Describe the perk, e.g. one month free."))
        return {}

    def _slot_rule(self, slot: str, data: dict, *, recipient: str, trigger: str) -> dict:
        """The rule of one slot (referrer, friend, extra1…) whose kind is chosen; `trigger` is the
        slot's default. Each error goes beside its field."""
        kind = data[f"{slot}_kind"]
        trigger = data.get(f"{slot}_trigger") or trigger
        rule = {"trigger": trigger, "recipient": recipient, "kind": kind}
        if kind == "percent" and trigger != "sale":
            self.add_error(
                f"{slot}_trigger",
                _("A percentage needs a sale: choose “they pay”.")
                if recipient == "friend"
                else _("A percentage needs a sale: choose “the customer pays”."),
            )
        rule.update(self._rate(kind, slot, data))
        if trigger == "sale" and data.get("duration_months"):
            rule["duration_months"] = data["duration_months"]
        return rule

    def clean(self):
        data = super().clean()
        rules = []
        if data.get("referrer_kind"):
            rule = self._slot_rule("referrer", data, recipient="referrer", trigger="sale")
            if rule["kind"] != "perk":
                rule.update(self._tiers_and_cap(rule["kind"], data))
            rules.append(("referrer", rule))
        if data.get("friend_kind"):
            rules.append(
                ("friend", self._slot_rule("friend", data, recipient="friend", trigger="signup"))
            )
        for slot in EXTRAS:
            if data.get(f"{slot}_kind"):
                rules.append(
                    (slot, self._slot_rule(slot, data, recipient="referrer", trigger="won"))
                )
        if not rules:
            self.add_error(
                "referrer_kind", _("Choose what the referrer earns (or at least a friend reward).")
            )
        if self.errors:
            return data
        self.rules, self.slots = [], []
        for slot, rule in rules:
            try:
                parsed = Rule.model_validate(rule)
            except ValidationError as error:
                message = error.errors()[0]["msg"].removeprefix("Value error, ")
                self.add_error(f"{slot}_kind", message)
                continue
            self.rules.append(parsed.model_dump(mode="json", exclude_none=True))
            self.slots.append(slot)
        return data

    def _tiers_and_cap(self, kind: str, data: dict) -> dict:
        extra = {}
        tiers = []
        for index in range(1, TIERS + 1):
            minimum, rate = data.get(f"tier{index}_min"), (data.get(f"tier{index}_rate") or "")
            if minimum is None and not rate.strip():
                continue
            if minimum is None:
                self.add_error(f"tier{index}_min", _("From how many paying customers?"))
                continue
            try:
                if kind == "percent":
                    tiers.append({"min_conversions": minimum, "percent": parse_percent(rate)})
                else:
                    tiers.append(
                        {"min_conversions": minimum, "amount": parse_money(rate, self.currency)}
                    )
            except forms.ValidationError as error:
                self.add_error(f"tier{index}_rate", error)
        if len({tier["min_conversions"] for tier in tiers}) != len(tiers):
            self.add_error("tier1_min", _("Two tiers start at the same number of customers."))
        if tiers:
            extra["tiers"] = sorted(tiers, key=lambda tier: tier["min_conversions"])
        cap_text, period = (data.get("cap_amount") or "").strip(), data.get("cap_period")
        if cap_text or period:
            if not period:
                self.add_error("cap_period", _("Choose the cap's period."))
            try:
                amount = parse_money(cap_text, self.currency)
                if period:
                    extra["cap"] = {"amount": amount, "period": period}
            except forms.ValidationError as error:
                self.add_error("cap_amount", error)
        return extra


class HoldsForm(StyledForm, forms.Form):
    hold_days = forms.IntegerField(
        label=_("Hold (days)"),
        min_value=0,
        max_value=365,
        initial=14,
        help_text=_("A new reward waits this long before it can be approved (refund period)."),
    )
    auto_approve_below = forms.CharField(
        label=_("Approve automatically below"),
        required=False,
        max_length=40,
        help_text=_(
            "After the hold, smaller rewards are approved by themselves; leave empty to "
            "review every cash reward."
        ),
    )
    clawback_days = forms.IntegerField(
        label=_("Clawback (days)"),
        min_value=0,
        max_value=3650,
        initial=60,
        help_text=_("If the customer cancels within this many days of a reward, it is reversed."),
    )
    monetary_rewards_allowed = forms.BooleanField(
        label=_("Cash rewards allowed"),
        required=False,
        initial=True,
        help_text=_(
            "Turn off for programs that may give only non-cash recognition (e.g. law or "
            "accounting firms). Who turned it off, and when, is recorded."
        ),
    )

    leaderboard = forms.BooleanField(
        label=_("Leaderboard in the portal"),
        required=False,
        initial=False,
        help_text=_(
            "Referrers see a ranking of the program's best referrers; a name is shown only "
            "when its referrer agrees."
        ),
    )

    def __init__(self, *args, currency: str, rules: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.rules = rules

    def clean_auto_approve_below(self):
        text = self.cleaned_data["auto_approve_below"].strip()
        return parse_money(text, self.currency) if text else None

    def clean(self):
        data = super().clean()
        pays_money = any(rule.get("kind") in ("fixed", "percent") for rule in self.rules)
        if data.get("monetary_rewards_allowed") is False and pays_money:
            self.add_error(
                "monetary_rewards_allowed",
                _(
                    "The incentive pays money. To turn cash rewards off, first change the "
                    "rewards to perks (step 3)."
                ),
            )
        return data
