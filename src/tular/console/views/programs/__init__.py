"""Console pages: programs (list, program page, setup wizard for new and edit, status, the
landing page's and messages' texts, the message templates)."""

from django.urls import path

from tular.console.views.programs import copy, messages, pages, pipeline, wizard

urlpatterns = [
    path("programs/", pages.programs, name="programs"),
    path("programs/new/", wizard.new, name="programs-new"),
    path("programs/new/<str:wid>/<slug:step>/", wizard.new_step, name="programs-new-step"),
    path("programs/preview/", wizard.preview, name="programs-preview"),
    path("programs/<slug:slug>/", pages.detail, name="programs-detail"),
    path("programs/<slug:slug>/edit/", wizard.edit, name="programs-edit"),
    path(
        "programs/<slug:slug>/edit/<str:wid>/<slug:step>/",
        wizard.edit_step,
        name="programs-edit-step",
    ),
    path("programs/<slug:slug>/status/", pages.set_status, name="programs-status"),
    path("programs/<slug:slug>/cash/", pages.set_cash, name="programs-cash"),
    path("programs/<slug:slug>/texts/", copy.program_copy, name="programs-copy"),
    path("programs/<slug:slug>/pipeline/", pipeline.program_pipeline, name="programs-pipeline"),
    path("programs/<slug:slug>/messages/", messages.program_messages, name="programs-messages"),
    path(
        "programs/<slug:slug>/messages/<str:key>/",
        messages.program_message,
        name="programs-message",
    ),
]
