"""/portal/unsubscribe/<token>: one-click unsubscribe (RFC 8058) and the page behind the link.

A mail client's one-click POST (body `List-Unsubscribe=One-Click`) unsubscribes at once and is
answered 200, without a sign-in or a CSRF token (the signed token is the authority: it names
one address of one workspace, messaging.unsubscribe). A GET only shows the page with a button,
so scanners that open every link in a message change nothing; after unsubscribing, the page
offers to subscribe again. In the language of the e-mail the link came in.
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tular.messaging.unsubscribe import is_suppressed, resubscribe, suppress, unsubscribe_check
from tular.portal import access
from tular.workspaces.models import Workspace

ONE_CLICK = "One-Click"


@csrf_exempt  # RFC 8058: the mail client's POST carries no token; the URL's signature is it
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    recipient = unsubscribe_check(token=token)
    workspace = None
    if recipient is not None:
        workspace = Workspace.objects.filter(pk=recipient.workspace_id).first()
    if workspace is None:
        return render(request, "portal/messages/unsubscribe_unknown.html", status=404)
    request.portal_workspace = workspace
    chosen = request.session.get(access.LANGUAGE_KEY)
    language = chosen if chosen in access.LANGUAGES else recipient.language
    if language in access.LANGUAGES:
        translation.activate(language)
        request.LANGUAGE_CODE = language
    email = recipient.email
    changed = ""
    if request.method == "POST":
        if request.POST.get("action") == "resubscribe":
            resubscribe(workspace=workspace, email=email)
            changed = "resubscribed"
        else:
            one_click = request.POST.get("List-Unsubscribe") == ONE_CLICK
            suppress(workspace=workspace, email=email, source="one-click" if one_click else "page")
            changed = "unsubscribed"
    return render(
        request,
        "portal/messages/unsubscribe.html",
        {
            "workspace": workspace,
            "email": email,
            "unsubscribed": is_suppressed(workspace=workspace, email=email),
            "changed": changed,
        },
    )
