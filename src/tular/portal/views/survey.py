"""/portal/survey/<token>: the referrer's one-question satisfaction survey (R45).

The e-mail (analytics.survey) carries five links, one per score (`?score=4`). Mail scanners
open links, so a GET only shows the question with that score pre-selected; the score is
recorded by the POST of the form (with an optional comment). The answer can be changed from the
same link. An unknown token is a 404 page that says so."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tular.analytics.survey import SCORES, score_of, survey_answer, survey_for_token
from tular.core.errors import Invalid
from tular.portal import access
from tular.referrals.notify import referrer_language


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def survey(request, token: str):
    found = survey_for_token(token=token)
    if found is None:
        return render(request, "portal/messages/survey_unknown.html", status=404)
    request.portal_workspace = found.workspace
    chosen = request.session.get(access.LANGUAGE_KEY)
    language = chosen if chosen in access.LANGUAGES else referrer_language(found.participant)
    translation.activate(language)
    request.LANGUAGE_CODE = language
    status = 200
    error = ""
    selected = score_of(request.GET.get("score")) or found.score
    comment = found.comment
    if request.method == "POST":
        selected = score_of(request.POST.get("score"))
        comment = request.POST.get("comment", "")
        try:
            found = survey_answer(survey=found, score=request.POST.get("score"), comment=comment)
        except Invalid as refused:
            error = refused.detail
            status = 422
        else:
            messages.success(request, _("Thank you: your answer is saved."))
    return render(
        request,
        "portal/messages/survey.html",
        {
            "survey": found,
            "workspace": found.workspace,
            "program": found.program,
            "scores": SCORES,
            "selected": selected,
            "comment": comment,
            "error": error,
        },
        status=status,
    )
