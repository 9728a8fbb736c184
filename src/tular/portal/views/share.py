"""Share in three steps (R9): the program's home in the portal — (1) your link and code, (2) share
it (buttons with an editable message, the program's messages, the QR code), (3) get rewarded —
and the distribution kit of R60 (e-mail signature, newsletter block, printable flyer)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from tular.participants.channels import tagged
from tular.portal import sharing, stats
from tular.portal.access import portal_view
from tular.portal.branding import brand_of
from tular.portal.refer import LEAD_KINDS
from tular.programs.wording import incentives_in_words

QR_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
FLYER_SIZES = ("a4", "a5")


def base_url_of(request) -> str:
    return request.build_absolute_uri("/")[:-1]


def _panel(request) -> dict:
    return sharing.share_panel(
        participant=request.participant,
        language=request.LANGUAGE_CODE,
        base_url=base_url_of(request),
    )


@require_safe
@portal_view(program=True)
def program(request, slug: str):
    participant = request.participant
    share = _panel(request)
    copy = share["copy"]
    return render(
        request,
        "portal/share/program.html",
        {
            "participant": participant,
            "program": participant.program,
            "share": share,
            "messages_prewritten": [
                message
                for message in sharing.messages(copy, participant=participant, link=share["link"])
                if message != share["text"]  # the default's first one is the share message
            ],
            "copy": copy,
            "summary": stats.summary(participant),  # the strip above the steps
            # Programs whose referrers send leads to a team: the way to the referral form.
            "refer_url": (
                reverse("refer:page", args=[participant.program.slug])
                if participant.program.kind in LEAD_KINDS
                else ""
            ),
            # What the person earns, said to them ("… when a friend pays").
            "rewards": incentives_in_words(
                program=participant.program, language=request.LANGUAGE_CODE
            ),
        },
    )


@require_safe
@portal_view(program=True)
def qr(request, slug: str, fmt: str):
    if fmt not in QR_TYPES:
        raise Http404("no such format")
    participant = request.participant
    body = sharing.qr_of(participant, base_url=base_url_of(request), channel="qr", fmt=fmt)
    response = HttpResponse(body, content_type=QR_TYPES[fmt])
    filename = f"referral-qr-{participant.code}.{fmt}"
    if request.GET.get("inline") != "1":
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_safe
@portal_view(program=True)
def kit(request, slug: str):
    participant = request.participant
    share = _panel(request)
    copy = share["copy"]
    brand = brand_of(request.workspace)
    signature_link = tagged(share["link"], "signature")
    newsletter_link = tagged(share["link"], "newsletter")
    signature = sharing.signature_html(
        copy=copy, link=signature_link, colour=brand.colour, workspace_name=brand.name
    )
    newsletter = sharing.newsletter_html(
        copy=copy, link=newsletter_link, code=participant.code, colour=brand.colour
    )
    return render(
        request,
        "portal/share/kit.html",
        {
            "participant": participant,
            "program": participant.program,
            "copy": copy,
            # Our own markup, every value in it escaped by format_html.
            "signature_html": signature,
            "signature_preview": mark_safe(signature),  # noqa: S308
            "newsletter_html": newsletter,
            "newsletter_preview": mark_safe(newsletter),  # noqa: S308
            "newsletter_text": sharing.newsletter_text(
                copy=copy, link=newsletter_link, code=participant.code
            ),
        },
    )


@require_safe
@portal_view(program=True)
def flyer(request, slug: str):
    participant = request.participant
    share = _panel(request)
    size = request.GET.get("size", "a4")
    if size not in FLYER_SIZES:
        size = "a4"
    flyer_link = tagged(share["link"], "flyer")
    return render(
        request,
        "portal/share/flyer.html",
        {
            "participant": participant,
            "program": participant.program,
            "copy": share["copy"],
            "size": size,
            "sizes": FLYER_SIZES,
            "flyer_link": flyer_link,
            # The link to type in, short: the plain link without its scheme.
            "short_link": share["link"].split("://", 1)[-1],
            "qr_svg": mark_safe(  # noqa: S308 - segno's output of our own URL
                sharing.qr_inline_svg(flyer_link, css="flyer-qr-code")
            ),
        },
    )
