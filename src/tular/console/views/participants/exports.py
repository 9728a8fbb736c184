"""Export of the filtered list: CSV (streamed) or XLSX (openpyxl's write-only mode), a chunk of
participants at a time, so 50,000 rows never sit in memory at once.

One row per participant and currency they hold a balance in (a participant without any has
one row in the program's currency). Balances come from the ledger, as on the participant's page
and in GET /api/v1/participants/{id}: major units, the currency in its own column."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from decimal import Decimal

from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from tular.console.access import console_view
from tular.console.views.participants.forms import FilterForm, participants_filtered
from tular.core import clock
from tular.core.money import minor_units
from tular.core.templatetags.ui import STATUS_BADGES
from tular.participants.models import ParticipantKind
from tular.participants.selectors import ACTIVITY_STATUSES
from tular.participants.services import referral_url
from tular.rewards import ledger

CHUNK = 1000
ACCOUNTS = ("pending", "approved", "paid")


def _major(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-minor_units(currency))


def headers() -> list[str]:
    return [
        _("Name"),
        _("E-mail"),
        _("Program"),
        _("Kind"),
        _("Language"),
        _("External id"),
        _("Code"),
        _("Referral link"),
        _("Activity"),
        _("Clicks"),
        _("Referrals"),
        _("Joined"),
        _("Currency"),
        _("Pending"),
        _("Approved"),
        _("Paid"),
    ]


def rows(participants, *, base_url: str, zone, kinds: dict, activities: dict) -> Iterator[list]:
    """The export's rows (money as Decimal in major units, the date as a local datetime)."""
    chunk: list = []

    def flush():
        balances = ledger.balances_of(participant_ids=[p.pk for p in chunk])
        for p in chunk:
            nothing = {"currency": p.program.currency, **dict.fromkeys(ACCOUNTS, 0)}
            for accounts in balances.get(p.pk) or [nothing]:
                currency = accounts["currency"]
                yield [
                    p.name,
                    p.email,
                    p.program.slug,
                    kinds.get(p.kind, p.kind),
                    p.locale,
                    p.external_id or "",
                    p.code,
                    referral_url(p.code, base_url),
                    activities[p.activity],
                    p.clicks_count,
                    p.referrals_count,
                    p.created_at.astimezone(zone).replace(tzinfo=None),
                    currency,
                    *(_major(accounts[a], currency) for a in ACCOUNTS),
                ]

    for participant in participants.iterator(chunk_size=CHUNK):
        chunk.append(participant)
        if len(chunk) == CHUNK:
            yield from flush()
            chunk = []
    if chunk:
        yield from flush()


class _Echo:
    def write(self, value):
        return value


def _where(request) -> dict:
    # Read now: a streamed body is produced after the view has returned (and the user's time
    # zone and language are switched off).
    return {
        "base_url": request.build_absolute_uri("/")[:-1],
        "zone": timezone.get_current_timezone(),
        "kinds": {value: str(label) for value, label in ParticipantKind.choices},
        "activities": {status: str(STATUS_BADGES[status][1]) for status in ACTIVITY_STATUSES},
    }


def _csv(request, participants, filename: str):
    writer = csv.writer(_Echo())
    header = headers()
    where = _where(request)

    def lines():
        yield "\ufeff"  # a BOM: Excel then reads the file as UTF-8
        yield writer.writerow(header)
        for row in rows(participants, **where):
            row[11] = row[11].strftime("%Y-%m-%d %H:%M")
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _xlsx(request, participants, filename: str):
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Participants"))
    sheet.append(headers())
    for row in rows(participants, **_where(request)):
        sheet.append(row)
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    book.save(out)
    out.seek(0)
    return FileResponse(
        out,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@console_view()
def participant_export(request):
    fmt = request.GET.get("format", "csv")
    if fmt not in {"csv", "xlsx"}:
        raise Http404
    filters = FilterForm(request.GET, workspace=request.workspace).values()
    participants = participants_filtered(workspace=request.workspace, filters=filters)
    filename = f"participants-{request.workspace.slug}-{clock.now():%Y%m%d-%H%M}"
    return (_csv if fmt == "csv" else _xlsx)(request, participants, filename)
