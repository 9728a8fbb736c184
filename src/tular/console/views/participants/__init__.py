"""Console pages: participants — the list with search and filters, add one, CSV import with a
progress bar and a per-row report, CSV / XLSX export, and a participant's page with their link,
code, QR code, stats, ledger balances, rewards, referrals and payouts.

Each action calls the service its API endpoint calls (participants/services.py, imports.py)."""

from django.urls import path

from tular.console.views.participants import asks, exports, imports, pages

urlpatterns = [
    path("participants/", pages.participant_list, name="participants"),
    path("participants/new/", pages.participant_new, name="participants-new"),
    path("participants/import/", imports.participant_import, name="participants-import"),
    path(
        "participants/import/template.csv",
        imports.participant_import_template,
        name="participants-import-template",
    ),
    path(
        "participants/import/<uuid:job_id>/",
        imports.participant_import_detail,
        name="participants-import-detail",
    ),
    path("participants/export/", exports.participant_export, name="participants-export"),
    path(
        "participants/<uuid:participant_id>/",
        pages.participant_detail,
        name="participants-detail",
    ),
    path(
        "participants/<uuid:participant_id>/edit/",
        pages.participant_edit,
        name="participants-edit",
    ),
    path(
        "participants/<uuid:participant_id>/invite/",
        pages.participant_invite,
        name="participants-invite",
    ),
    path(
        "participants/<uuid:participant_id>/ask/",
        asks.participant_ask,
        name="participants-ask",
    ),
    path(
        "participants/<uuid:participant_id>/qr.<str:fmt>",
        pages.participant_qr,
        name="participants-qr",
    ),
]
