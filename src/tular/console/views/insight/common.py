"""What the insight pages share: their tabs, the program choice, months, and the export of
any of their tables (`?export=csv|xlsx&table=NAME`, formula-safe, tular.core.exports)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tular.core import clock
from tular.core.exports import FORMATS, table_response
from tular.core.money import minor_units
from tular.programs.services import program_get, programs_filter

TABS = [
    (_("Dashboard"), "console:insight"),
    (_("Costs and outside figures"), "console:insight-costs"),
    (_("Benchmark bands"), "console:insight-bands"),
    (_("Goals"), "console:insight-goals"),
    (_("Who to ask next"), "console:insight-ask"),
    (_("Recognition"), "console:insight-recognition"),
]


def insight_tabs(current: str) -> list[dict]:
    return [
        {"label": label, "url": reverse(name), "active": name == current} for label, name in TABS
    ]


def programs_of(workspace) -> list:
    return list(programs_filter(workspace=workspace).order_by("name"))


def workspace_currency(workspace) -> str:
    """The currency shown for the whole workspace: its oldest program's (IDR without any)."""
    first = programs_filter(workspace=workspace).order_by("created_at", "pk").first()
    return first.currency if first is not None else "IDR"


def chosen_program(request):
    """The program of `?program=<slug>` (None: all programs, or the workspace's own entries)."""
    slug = (request.GET.get("program") or "").strip()
    if not slug:
        return None
    return program_get(workspace=request.workspace, slug=slug)


def this_month() -> date:
    return clock.now().date().replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def major(amount: int | None, currency: str) -> Decimal | None:
    """Minor units as a Decimal in major units, for a spreadsheet cell."""
    if amount is None:
        return None
    return Decimal(amount).scaleb(-minor_units(currency))


def export_response(request, tables: dict[str, Callable[[], tuple[list, list]]], name: str):
    """The download `?export=csv|xlsx&table=NAME` asks for (None when it asks for none):
    `tables` maps a table's name to a function giving (header, rows)."""
    fmt = request.GET.get("export")
    if not fmt:
        return None
    table = request.GET.get("table") or next(iter(tables))
    if fmt not in FORMATS or table not in tables:
        raise Http404
    header, rows = tables[table]()
    filename = f"{name}-{table}-{request.workspace.slug}-{clock.now():%Y%m%d-%H%M}"
    return table_response(
        fmt=fmt, filename=filename, header=[str(h) for h in header], rows=rows, sheet=table
    )
