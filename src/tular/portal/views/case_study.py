"""/portal/case-study/<token>: the referrer says yes or no to a case study of a won deal (R61).

The link comes in the won message (referrals.notify.case_study_url); it is signed, so it needs
no sign-in. A GET only shows the question; the answer is a POST of one of two buttons (mail
scanners open links, they do not press buttons). The answer can be changed later from the
same link.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tular.core.errors import Conflict
from tular.portal import access
from tular.referrals.notify import case_study_referral, referrer_language
from tular.referrals.pipeline import referral_case_study_answer

ANSWERS = {"yes": True, "no": False}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def case_study(request, token: str):
    referral = case_study_referral(token=token)
    if referral is None:
        return render(request, "portal/messages/case_study_unknown.html", status=404)
    request.portal_workspace = referral.workspace
    chosen = request.session.get(access.LANGUAGE_KEY)
    language = chosen if chosen in access.LANGUAGES else referrer_language(referral.participant)
    translation.activate(language)
    request.LANGUAGE_CODE = language
    status = 200
    if request.method == "POST":
        answer = request.POST.get("answer")
        if answer not in ANSWERS:
            return HttpResponseBadRequest("answer yes or no")
        try:
            referral = referral_case_study_answer(referral=referral, agreed=ANSWERS[answer])
        except Conflict as refused:
            messages.error(request, refused.detail)
            status = 409
        else:
            messages.success(
                request,
                _("Thank you: we will be in touch about the story.")
                if ANSWERS[answer]
                else _("Thank you: we will not use this story."),
            )
    return render(
        request,
        "portal/messages/case_study.html",
        {"referral": referral, "workspace": referral.workspace},
        status=status,
    )
