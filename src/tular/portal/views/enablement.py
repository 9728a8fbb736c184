"""Partner enablement in the portal (R34): the program's asset library (by category; files
downloaded through a view that checks the partner belongs to the program, links opened), its
published training modules (read, take the quiz, get the certificate) and a printable
certificate, plus the public page that verifies a certificate by its number.

Only partners of partner programs see these pages (as Deals: portal.views.deals.deals_open_to);
anyone else, or an asset or module of another program, gets a 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tular.enablement.downloads import asset_response
from tular.enablement.models import Asset, TrainingCompletion, TrainingModule
from tular.enablement.services import assets_by_category, certificate_find, module_complete
from tular.portal.access import portal_view
from tular.portal.views.deals import deals_open_to

# The icon of each kind of file in the list.
ICON_OF = {
    "pdf": "file-text",
    "png": "photo",
    "jpg": "photo",
    "jpeg": "photo",
    "webp": "photo",
    "svg": "photo",
    "pptx": "presentation",
    "docx": "file-text",
    "xlsx": "file-spreadsheet",
    "zip": "archive",
    "mp4": "player-play",
}


def enablement_open_to(participant) -> bool:
    """Assets and training are for partners of partner programs, as deal registration is."""
    return deals_open_to(participant)


def _partner(request):
    participant = request.participant
    if not enablement_open_to(participant):
        raise Http404("partner enablement is for partners")
    return participant


@require_http_methods(["GET", "HEAD"])
@portal_view(program=True)
def assets(request, slug: str):
    participant = _partner(request)
    listed = list(Asset.objects.filter(program=participant.program))
    for asset in listed:
        asset.icon = "link" if asset.is_link else ICON_OF.get(asset.extension, "file-download")
    return render(
        request,
        "portal/enablement/assets.html",
        {"program": participant.program, "groups": assets_by_category(listed)},
    )


@require_http_methods(["GET", "HEAD"])
@portal_view(program=True)
def asset_download(request, slug: str, asset_id):
    participant = _partner(request)
    asset = get_object_or_404(Asset, pk=asset_id, program=participant.program)
    return asset_response(asset)


def _published(participant):
    return TrainingModule.objects.filter(program=participant.program, published=True)


@require_http_methods(["GET", "HEAD"])
@portal_view(program=True)
def training(request, slug: str):
    participant = _partner(request)
    modules = list(_published(participant))
    done = {
        completion.module_id: completion
        for completion in TrainingCompletion.objects.filter(
            participant=participant, module__in=modules
        )
    }
    rows = [{"module": module, "completion": done.get(module.pk)} for module in modules]
    return render(
        request,
        "portal/enablement/training.html",
        {
            "program": participant.program,
            "rows": rows,
            "done": len(done),
            "certificates": sum(1 for c in done.values() if c.certificate_number),
        },
    )


def _who(request, participant) -> str:
    member = request.portal_member
    return member.name if member else participant.name or participant.email


@require_http_methods(["GET", "HEAD", "POST"])
@portal_view(program=True)
def module(request, slug: str, module_id):
    participant = _partner(request)
    lesson = get_object_or_404(_published(participant), pk=module_id)
    completion = TrainingCompletion.objects.filter(module=lesson, participant=participant).first()
    outcome = None
    chosen: dict[int, int] = {}
    if request.method == "POST":
        for index in range(len(lesson.quiz)):
            raw = request.POST.get(f"q{index}", "")
            if raw.isdigit():
                chosen[index] = int(raw)
        outcome = module_complete(
            module=lesson,
            participant=participant,
            answers=chosen,
            taken_by=_who(request, participant),
        )
        if outcome.passed:
            if completion is None:
                messages.success(
                    request,
                    _("You passed “%(title)s”.") % {"title": lesson.title}
                    if lesson.quiz
                    else _("“%(title)s” is completed.") % {"title": lesson.title},
                )
            return redirect("portal:training-module", slug, lesson.pk)
    questions = [
        {
            "index": index,
            "question": item["question"],
            "choices": list(enumerate(item["choices"])),
            "chosen": chosen.get(index),
            "right": outcome.right[index] if outcome and not outcome.passed else None,
        }
        for index, item in enumerate(lesson.quiz)
    ]
    return render(
        request,
        "portal/enablement/module.html",
        {
            "program": participant.program,
            "module": lesson,
            "completion": completion,
            "questions": questions,
            "outcome": outcome,
        },
        status=422 if outcome is not None and not outcome.passed else 200,
    )


@require_http_methods(["GET", "HEAD"])
@portal_view(program=True)
def certificate(request, slug: str, module_id):
    participant = _partner(request)
    completion = get_object_or_404(
        TrainingCompletion.objects.select_related("module"),
        module__pk=module_id,
        module__program=participant.program,
        participant=participant,
        certificate_number__isnull=False,
    )
    return render(
        request,
        "portal/enablement/certificate.html",
        {
            "program": participant.program,
            "completion": completion,
            "holder": participant.name or participant.email,
            "verify_url": request.build_absolute_uri(
                f"/portal/certificates/{completion.certificate_number}"
            ),
        },
    )


@require_http_methods(["GET", "HEAD"])
def verify(request, number: str):
    """Public: is this a certificate, and of what? Shows what the certificate itself says
    (the holder, the module, the program, the date): the number is the holder's to share."""
    completion = certificate_find(number)
    if completion is not None:
        request.portal_workspace = completion.module.program.workspace
    return render(
        request,
        "portal/enablement/verify.html",
        {
            "completion": completion,
            # the name on the certificate; an address is never shown to the public
            "holder": (completion.participant.name if completion else "")
            or _("a partner of the program"),
            "number": number.upper()[:32],
        },
        status=200 if completion else 404,
    )
