"""Console pages: the pipeline of submitted leads (R12, R17, R18, R20) — the board (drag a card,
or use its "Move to…" form), the filtered list with its CSV export, the referral queue
(overdue first, dark leads due another try), the CSV import, and the referral page's actions
on a lead (owner, deal value, notes). The referral page itself is console.views.referrals.

Every action calls the service its API endpoint calls (referrals/pipeline.py, imports.py)."""

from django.urls import path

from tular.console.views.pipeline import actions, board, imports, leads

urlpatterns = [
    path("pipeline/", board.board, name="pipeline"),
    path("pipeline/list/", leads.lead_list, name="pipeline-list"),
    path("pipeline/list/export.csv", leads.lead_export, name="pipeline-export"),
    path("pipeline/queue/", leads.lead_queue, name="pipeline-queue"),
    path("pipeline/import/", imports.lead_import, name="pipeline-import"),
    path(
        "pipeline/import/template.csv",
        imports.lead_import_template,
        name="pipeline-import-template",
    ),
    path("pipeline/<uuid:referral_id>/move", board.move, name="pipeline-move"),
    path("pipeline/<uuid:referral_id>/owner", actions.assign, name="pipeline-assign"),
    path("pipeline/<uuid:referral_id>/deal", actions.deal, name="pipeline-deal"),
    path("pipeline/<uuid:referral_id>/notes", actions.note, name="pipeline-note"),
]
