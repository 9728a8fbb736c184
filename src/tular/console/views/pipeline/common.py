"""What the pipeline's pages share: the leads of a workspace narrowed by the filters, the moves a
card offers, the team members who may own a lead, the overdue count (overview, nav)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tular.core import clock
from tular.core.templatetags.ui import STATUS_BADGES
from tular.programs.services import programs_filter
from tular.referrals.models import PIPELINE_STATUSES, Referral, ReferralStatus
from tular.referrals.pipeline import (
    CHAIN,
    INTAKES,
    MOVES,
    OPEN,
    REOPEN_TO,
    REOPENABLE,
    S,
    overdue,
)
from tular.referrals.sla import due_label

# The board's columns, left to right.
COLUMNS = (*CHAIN[:-1], S.won, S.lost, S.dark)
NOBODY = "none"
INTAKE_LABELS = {
    "api": _("API"),
    "form": _("Referral form"),
    "portal": _("Portal"),
    "csv": _("CSV import"),
    "console": _("Console"),
    "deal": _("Won deal registration"),
}
SORTS = {
    "due": (F("due_at").asc(nulls_last=True), "created_at", "pk"),
    "-due": (F("due_at").desc(nulls_last=True), "-created_at", "-pk"),
    "new": ("-created_at", "-pk"),
    "old": ("created_at", "pk"),
}


def status_label(status: str) -> str:
    """A status as its badge says it, everywhere on these pages ("diterima")."""
    return str(STATUS_BADGES[status][1]) if status in STATUS_BADGES else status


def leads(workspace):
    return Referral.objects.select_related("program", "participant", "owner").filter(
        workspace=workspace, status__in=PIPELINE_STATUSES
    )


def overdue_count(workspace) -> int:
    """Open leads past their service level (the overview's card, the nav's badge)."""
    return overdue(Referral.objects.filter(workspace=workspace)).count()


def overdue_count_of(request) -> int:
    """`overdue_count` of the request's workspace, counted once per request (the overview's
    card and the nav's badge ask both)."""
    if not hasattr(request, "_tular_overdue"):
        request._tular_overdue = overdue_count(request.workspace)
    return request._tular_overdue


def queue(workspace, *, now=None):
    """(open leads: most overdue first, then due soonest; dark leads due another try)."""
    now = now or clock.now()
    open_leads = (
        leads(workspace)
        .filter(status__in=OPEN)
        .order_by(F("due_at").asc(nulls_last=True), "created_at", "pk")
    )
    dark = (
        leads(workspace).filter(status=S.dark, recontact_at__lte=now).order_by("recontact_at", "pk")
    )
    return open_leads, dark


def team(workspace) -> list:
    return list(
        get_user_model()
        .objects.filter(memberships__workspace=workspace, is_active=True)
        .order_by("first_name", "email")
        .distinct()
    )


def member_label(user) -> str:
    return user.get_full_name() or user.email or user.get_username()


def moves_of(referral) -> tuple[list[str], bool]:
    """(the statuses a lead can go to from here, in the board's order; whether it is a reopen)."""
    if referral.status in REOPENABLE:
        return [status for status in COLUMNS if status in REOPEN_TO], True
    allowed = MOVES.get(referral.status, frozenset())
    return [status for status in COLUMNS if status in allowed], False


def decorate(referral, *, now) -> Referral:
    """Adds what a card or a row shows: overdue, the due's words, the moves."""
    referral.now = now  # the age and the due's words count from the clock, not the wall
    referral.overdue = referral.due_at is not None and referral.due_at < now
    referral.due_text = due_label(referral.due_kind) if referral.due_kind else ""
    referral.moves, referral.reopen = moves_of(referral)
    referral.move_choices = [(status, ReferralStatus(status).label) for status in referral.moves]
    referral.recontact_due = (
        referral.status == S.dark
        and referral.recontact_at is not None
        and referral.recontact_at <= now
    )
    return referral


class FilterForm(forms.Form):
    """The board's and the list's filters (GET); an unknown value is ignored."""

    program = forms.ChoiceField(required=False)
    owner = forms.ChoiceField(required=False)
    status = forms.ChoiceField(required=False)
    intake = forms.ChoiceField(required=False)
    overdue = forms.BooleanField(required=False)
    duplicates = forms.BooleanField(required=False)
    q = forms.CharField(required=False, max_length=100)
    sort = forms.ChoiceField(required=False, choices=[(key, key) for key in SORTS])

    def __init__(self, data, *, workspace):
        super().__init__(data)
        self.programs = list(programs_filter(workspace=workspace).order_by("name"))
        self.members = team(workspace)
        self.fields["program"].choices = [("", ""), *((p.slug, p.name) for p in self.programs)]
        self.fields["owner"].choices = [
            ("", ""),
            (NOBODY, NOBODY),
            *((str(user.pk), member_label(user)) for user in self.members),
        ]
        self.fields["status"].choices = [("", ""), *((s, s) for s in COLUMNS)]
        self.fields["intake"].choices = [("", ""), *((i, i) for i in sorted(INTAKES))]

    def values(self) -> dict:
        if self.is_valid():
            return self.cleaned_data
        return {
            name: self.cleaned_data.get(name)
            for name in self.fields
            if name not in self.errors and name in getattr(self, "cleaned_data", {})
        }

    def choices(self) -> dict:
        return {
            "owners": [(str(user.pk), member_label(user)) for user in self.members],
            "statuses": [(s, status_label(s)) for s in COLUMNS],
            "intakes": [(i, INTAKE_LABELS[i]) for i in sorted(INTAKES)],
        }


def filtered(workspace, values: dict, *, now=None):
    found = leads(workspace)
    if values.get("program"):
        found = found.filter(program__slug=values["program"])
    owner = values.get("owner")
    if owner == NOBODY:
        found = found.filter(owner__isnull=True)
    elif owner:
        found = found.filter(owner_id=owner)
    if values.get("status"):
        found = found.filter(status=values["status"])
    if values.get("intake"):
        found = found.filter(intake=values["intake"])
    if values.get("overdue"):
        found = overdue(found, now=now)
    if values.get("duplicates"):
        found = found.filter(duplicate_of__isnull=False)
    q = (values.get("q") or "").strip()
    if q:
        found = found.filter(
            Q(name__icontains=q)
            | Q(email__icontains=q)
            | Q(company__icontains=q)
            | Q(participant__name__icontains=q)
            | Q(participant__email__icontains=q)
        )
    return found.order_by(*SORTS.get(values.get("sort") or "due", SORTS["due"]))
