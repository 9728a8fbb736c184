"""What managers enter for the measures the events cannot tell (R42, R43): program costs other
than rewards (technology, marketing, management time) and the figures from outside the referral
program (all new revenue and customers, the other channels' leads, opportunities and won deals).

Every write is audited and checked here, for the console and the API alike: a month is a
calendar month (any day of it is taken as its first), amounts and values are whole minor units
(money) or counts, never negative, money carries a known ISO 4217 code and counts none, and a
program must be one of the workspace's (no program: the workspace's own entry).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from tular.analytics.models import CostEntry, CostKind, MonthFigure, MonthFigureKey
from tular.core import clock
from tular.core.errors import Invalid, NotFound
from tular.core.money import is_currency
from tular.programs.models import Program
from tular.workspaces.audit import Actor, audit_record

# The largest amount or value accepted: far above any real figure, well inside a BigInteger.
MAX_VALUE = 10**15
MAX_NOTE = 300
# Figures counted in money (a currency); the others are counts.
MONEY_FIGURES = frozenset({MonthFigureKey.all_new_revenue})
EARLIEST_MONTH = date(2000, 1, 1)
_MONTH = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


def month_of(value, *, field: str = "month") -> date:
    """The first day of the month of `value` (a date, a datetime, "YYYY-MM" or "YYYY-MM-DD");
    anything else, or a month before 2000 or more than a year ahead, is a 422 on `field`."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        found = _MONTH.fullmatch(value.strip())
        if not found:
            raise Invalid([field], _("Give the month as YYYY-MM, such as 2026-11."))
        try:
            value = date(int(found[1]), int(found[2]), int(found[3] or 1))
        except ValueError:
            raise Invalid([field], _("No such month or day.")) from None
    if not isinstance(value, date):
        raise Invalid([field], _("Give the month as YYYY-MM, such as 2026-11."))
    first = value.replace(day=1)
    today = clock.now().date()
    latest = date(today.year + 1, today.month, 1)
    if not EARLIEST_MONTH <= first <= latest:
        raise Invalid([field], _("The month must be between 2000 and a year from now."))
    return first


def _program_of(workspace, program) -> Program | None:
    if program is None:
        return None
    if not isinstance(program, Program) or program.workspace_id != workspace.pk:
        raise Invalid(["program"], _("No such program in this workspace."))
    return program


def _amount(value, *, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid([field], _("Give a whole number (money in minor units)."))
    if value < 0:
        raise Invalid([field], _("The amount cannot be negative."))
    if value > MAX_VALUE:
        raise Invalid([field], _("The amount is too large."))
    return value


def _currency(code, *, field: str = "currency") -> str:
    code = (code or "").strip().upper()
    if not is_currency(code):
        raise Invalid([field], _("Use an ISO 4217 currency code, such as IDR."))
    return code


def _snapshot_cost(cost: CostEntry) -> dict:
    return {
        "program_id": str(cost.program_id) if cost.program_id else None,
        "month": cost.month.isoformat(),
        "kind": cost.kind,
        "amount": cost.amount,
        "currency": cost.currency,
        "note": cost.note,
    }


# ---------------------------------------------------------------- costs


def costs_filter(
    *, workspace, program: Program | None = None, workspace_only: bool = False, months=None
):
    """The workspace's cost entries, newest month first: of one program (`program`), of the
    workspace itself (`workspace_only`), or all; `months` = (first, last) narrows."""
    costs = CostEntry.objects.filter(workspace=workspace).select_related("program")
    if program is not None:
        costs = costs.filter(program=program)
    elif workspace_only:
        costs = costs.filter(program__isnull=True)
    if months is not None:
        costs = costs.filter(month__gte=months[0], month__lte=months[1])
    return costs.order_by("-month", "kind", "pk")


def cost_get(*, workspace, cost_id) -> CostEntry:
    pk = _uuid_or_none(cost_id)
    cost = None
    if pk is not None:
        cost = (
            CostEntry.objects.filter(workspace=workspace, pk=pk).select_related("program").first()
        )
    if cost is None:
        raise NotFound(_("No cost with this id in this workspace."))
    return cost


def _uuid_or_none(value) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


@transaction.atomic
def cost_enter(
    *,
    workspace,
    program: Program | None,
    month,
    kind: str,
    amount: int,
    currency: str,
    note: str = "",
    actor: Actor | None = None,
) -> CostEntry:
    """Record one cost of a month (R43): technology, marketing, management time or other, in
    minor units of `currency`. Several entries of one month and kind add up."""
    program = _program_of(workspace, program)
    first = month_of(month)
    if kind not in CostKind.values:
        raise Invalid(["kind"], _("Choose technology, marketing, management or other."))
    amount = _amount(amount, field="amount")
    currency = _currency(currency)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise Invalid(["note"], _("A note has at most 300 characters."))
    cost = CostEntry.objects.create(
        workspace=workspace,
        program=program,
        month=first,
        kind=kind,
        amount=amount,
        currency=currency,
        note=note,
        created_by=(actor.label if actor else "")[:200],
        created_at=clock.now(),
    )
    audit_record(
        workspace=workspace,
        actor=actor,
        action="cost.create",
        target=cost,
        after=_snapshot_cost(cost),
    )
    return cost


@transaction.atomic
def cost_delete(*, cost: CostEntry, actor: Actor | None = None) -> None:
    """Remove an entered cost (a mistake); the audit log keeps what it was."""
    before = _snapshot_cost(cost)
    audit_record(
        workspace=cost.workspace_id, actor=actor, action="cost.delete", target=cost, before=before
    )
    cost.delete()


# ---------------------------------------------------------------- outside figures


def month_figures_filter(
    *, workspace, program: Program | None = None, workspace_only: bool = False, months=None
):
    """The entered outside figures, newest month first (filters as `costs_filter`)."""
    figures = MonthFigure.objects.filter(workspace=workspace).select_related("program")
    if program is not None:
        figures = figures.filter(program=program)
    elif workspace_only:
        figures = figures.filter(program__isnull=True)
    if months is not None:
        figures = figures.filter(month__gte=months[0], month__lte=months[1])
    return figures.order_by("-month", "key", "currency")


def is_money_figure(key: str) -> bool:
    return key in MONEY_FIGURES


@transaction.atomic
def month_figure_set(
    *,
    workspace,
    program: Program | None,
    month,
    key: str,
    value: int | None,
    currency: str = "",
    actor: Actor | None = None,
) -> MonthFigure | None:
    """Enter (or replace) one outside figure of a month: `value` in minor units of `currency`
    for money figures (all new revenue), a count with no currency for the others. `value` None
    removes the figure (the month then has none, which is not the same as 0). Returns the row,
    or None when removed."""
    program = _program_of(workspace, program)
    first = month_of(month)
    if key not in MonthFigureKey.values:
        raise Invalid(
            ["key"],
            _("Unknown figure; one of: %(keys)s.") % {"keys": ", ".join(MonthFigureKey.values)},
        )
    if is_money_figure(key):
        currency = _currency(currency)
    elif currency:
        raise Invalid(["currency"], _("This figure is a count: leave the currency empty."))
    if value is not None:
        value = _amount(value, field="value")
    row = (
        MonthFigure.objects.select_for_update()
        .filter(workspace=workspace, program=program, month=first, key=key, currency=currency)
        .first()
    )
    before = {"value": row.value} if row is not None else None
    if value is None:
        if row is None:
            return None
        audit_record(
            workspace=workspace,
            actor=actor,
            action="month_figure.delete",
            target=row,
            before={**_snapshot_figure(row)},
        )
        row.delete()
        return None
    if row is None:
        row = MonthFigure(
            workspace=workspace, program=program, month=first, key=key, currency=currency
        )
    elif row.value == value:
        return row
    row.value = value
    row.updated_by = (actor.label if actor else "")[:200]
    row.updated_at = clock.now()
    row.save()
    audit_record(
        workspace=workspace,
        actor=actor,
        action="month_figure.set",
        target=row,
        before=before and {**_snapshot_figure(row), **before},
        after=_snapshot_figure(row),
    )
    return row


def _snapshot_figure(row: MonthFigure) -> dict:
    return {
        "program_id": str(row.program_id) if row.program_id else None,
        "month": row.month.isoformat(),
        "key": row.key,
        "value": row.value,
        "currency": row.currency,
    }
