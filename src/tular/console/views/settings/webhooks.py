"""/console/settings/webhooks/: endpoints that receive the workspace's events, signed (owners
only: a webhook's secret is a credential). A new or rotated secret is shown once, on the page
that answers the action. Every action calls the service the API calls (tular.webhooks)."""

from __future__ import annotations

import json
from functools import wraps

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tular.console.access import actor_of, console_view
from tular.console.forms import OnceTokenField, spend_token
from tular.console.views.settings.common import act, settings_tabs
from tular.core.errors import DomainError, Invalid
from tular.core.forms import StyledForm
from tular.webhooks import events, services
from tular.webhooks.models import Delivery, Endpoint

PAGE_SIZE = 25
TAB = "console:settings-webhooks"
# How a delivery's status is drawn: (badge colour key of ui.status_badge, label).
DELIVERY_BADGES = {
    Delivery.Status.PENDING: ("pending", gettext_lazy("pending")),
    Delivery.Status.SUCCEEDED: ("done", gettext_lazy("succeeded")),
    Delivery.Status.FAILED: ("failed", gettext_lazy("failed")),
}


def _event_choices() -> list[tuple[str, str]]:
    return [
        (events.ALL, gettext_lazy("All events, also those added later")),
        *((event.name, event.name) for event in events.CATALOGUE),
    ]


class EndpointForm(StyledForm, forms.Form):
    url = forms.CharField(
        label=gettext_lazy("URL"),
        max_length=2000,
        help_text=gettext_lazy(
            "Where Tular POSTs the events, such as https://erp.example.com/hooks/tular. It must "
            "be reachable on the internet: private and local addresses are refused."
        ),
        widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "off"}),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("What it is for, such as “ERP” or “Slack bot”."),
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=_event_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one event.")},
    )
    once = OnceTokenField()


def _apply_errors(form: EndpointForm, error: DomainError) -> None:
    """A refusal of the service shown beside its field (url, events, description)."""
    if isinstance(error, Invalid):
        field = error.extra["errors"][0]["loc"][-1]
        if field in form.fields:
            form.add_error(field, error.detail)
            widget = form.fields[field].widget
            widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"
            widget.attrs["aria-invalid"] = "true"
            widget.attrs["aria-describedby"] = f"{form.add_prefix(field)}-error"
            return
    form.add_error(None, error.detail)


def _descriptions() -> dict:
    return {event.name: event.description for event in events.CATALOGUE}


def _endpoint_badge(endpoint: Endpoint) -> tuple[str, str]:
    if endpoint.enabled:
        return "active", _("on")
    if endpoint.disabled_reason == Endpoint.DisabledReason.GONE:
        return "failed", _("off: the receiver answered 410 Gone")
    return "paused", _("off")


def _events_label(endpoint: Endpoint) -> str:
    if events.ALL in endpoint.events:
        return _("all events")
    return ", ".join(endpoint.events)


def _list_page(request, form=None, status=200):
    endpoints = [
        {"endpoint": e, "badge": _endpoint_badge(e), "events": _events_label(e)}
        for e in services.endpoints_filter(workspace=request.workspace)
    ]
    return render(
        request,
        "console/settings/webhooks.html",
        {
            "endpoints": endpoints,
            "form": form or EndpointForm(initial={"events": [events.ALL]}),
            "descriptions": _descriptions(),
            "tabs": settings_tabs(request, TAB),
        },
        status=status,
    )


def _secret_page(request, endpoint: Endpoint, *, rotated: bool, status: int):
    response = render(
        request,
        "console/settings/webhook_secret.html",
        {"endpoint": endpoint, "rotated": rotated, "tabs": settings_tabs(request, TAB)},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@console_view(owner=True)
def webhooks(request):
    return _list_page(request)


@console_view(owner=True)
@require_POST
def webhook_new(request):
    form = EndpointForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, status=422)
    try:
        with transaction.atomic():
            if not spend_token(form.cleaned_data["once"], request.user):
                messages.info(
                    request,
                    _("This form was already sent: the endpoint was added and its secret shown."),
                )
                return redirect(TAB)
            endpoint = services.endpoint_create(
                workspace=request.workspace,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
                actor=actor_of(request),
            )
    except DomainError as error:
        _apply_errors(form, error)
        return _list_page(request, form, status=error.status)
    return _secret_page(request, endpoint, rotated=False, status=201)


def _deliveries(request, endpoint: Endpoint):
    status = request.GET.get("status") or None
    if status not in DELIVERY_BADGES:
        status = None
    rows = services.deliveries_filter(endpoint=endpoint, status=status).order_by("-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    log = services.attempts_of(list(page))
    items = []
    for delivery in page:
        colour, label = DELIVERY_BADGES[delivery.status]
        items.append(
            {
                "delivery": delivery,
                "badge": colour,
                "label": label,
                "attempts": log[delivery.pk],
                "payload": json.dumps(json.loads(delivery.message.body), indent=2),
            }
        )
    return page, items, status


def _detail_page(request, endpoint: Endpoint, form=None, status=200):
    page, items, chosen = _deliveries(request, endpoint)
    return render(
        request,
        "console/settings/webhook_detail.html",
        {
            "endpoint": endpoint,
            "badge": _endpoint_badge(endpoint),
            "events_label": _events_label(endpoint),
            "form": form
            or EndpointForm(
                initial={
                    "url": endpoint.url,
                    "description": endpoint.description,
                    "events": endpoint.events,
                }
            ),
            "descriptions": _descriptions(),
            "page_obj": page,
            "items": items,
            "status_filter": chosen,
            "statuses": [(key, label) for key, (_colour, label) in DELIVERY_BADGES.items()],
            "tabs": settings_tabs(request, TAB),
        },
        status=status,
    )


def _endpoint(request, endpoint_id) -> Endpoint:
    return services.endpoint_get(workspace=request.workspace, endpoint_id=endpoint_id)


def _detail_url(endpoint) -> str:
    return reverse("console:settings-webhooks-detail", args=[endpoint.pk])


def _with_endpoint(view):
    """Finds the endpoint of the URL in the workspace (the 404 page otherwise)."""

    @wraps(view)
    def wrapped(request, endpoint_id, *args, **kwargs):
        try:
            endpoint = _endpoint(request, endpoint_id)
        except DomainError:
            raise Http404(_("No webhook endpoint with this id in this workspace.")) from None
        return view(request, endpoint, *args, **kwargs)

    return wrapped


@console_view(owner=True)
@_with_endpoint
def webhook_detail(request, endpoint):
    return _detail_page(request, endpoint)


@console_view(owner=True)
@require_POST
@_with_endpoint
def webhook_edit(request, endpoint):
    form = EndpointForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, endpoint, form, status=422)
    try:
        services.endpoint_update(
            endpoint=endpoint,
            changes={
                "url": form.cleaned_data["url"],
                "events": form.cleaned_data["events"],
                "description": form.cleaned_data["description"],
            },
            actor=actor_of(request),
        )
    except DomainError as error:
        _apply_errors(form, error)
        return _detail_page(request, endpoint, form, status=error.status)
    messages.success(request, _("The endpoint is saved."))
    return redirect(_detail_url(endpoint))


@console_view(owner=True)
@require_POST
@_with_endpoint
def webhook_toggle(request, endpoint):
    turn_on = not endpoint.enabled
    return act(
        request,
        lambda: services.endpoint_update(
            endpoint=endpoint, changes={"enabled": turn_on}, actor=actor_of(request)
        ),
        success=_("The endpoint is on: new events are sent to it.")
        if turn_on
        else _("The endpoint is off: nothing is sent to it until you turn it on."),
        page=lambda request, status: _detail_page(request, endpoint, status=status),
        to=_detail_url(endpoint),
    )


@console_view(owner=True)
@require_POST
@_with_endpoint
def webhook_rotate(request, endpoint):
    endpoint = services.endpoint_rotate_secret(endpoint=endpoint, actor=actor_of(request))
    return _secret_page(request, endpoint, rotated=True, status=200)


@console_view(owner=True)
@require_POST
@_with_endpoint
def webhook_test(request, endpoint):
    return act(
        request,
        lambda: services.endpoint_send_test(endpoint=endpoint),
        success=_("A test event is on its way; its delivery appears below."),
        page=lambda request, status: _detail_page(request, endpoint, status=status),
        to=_detail_url(endpoint),
    )


@console_view(owner=True)
@require_POST
@_with_endpoint
def webhook_delete(request, endpoint):
    url = endpoint.url
    return act(
        request,
        lambda: services.endpoint_delete(endpoint=endpoint, actor=actor_of(request)),
        success=_("The endpoint %(url)s is deleted.") % {"url": url},
        page=lambda request, status: _detail_page(request, endpoint, status=status),
        to=TAB,
    )


@console_view(owner=True)
@require_POST
@_with_endpoint
def webhook_redeliver(request, endpoint, delivery_id):
    def redeliver():
        delivery = services.delivery_get(workspace=request.workspace, delivery_id=delivery_id)
        if delivery.endpoint_id != endpoint.pk:
            raise Invalid(["delivery"], _("This delivery is not of this endpoint."))
        return services.delivery_redeliver(delivery=delivery, actor=actor_of(request))

    return act(
        request,
        redeliver,
        success=_("The delivery is being sent again."),
        page=lambda request, status: _detail_page(request, endpoint, status=status),
        to=_detail_url(endpoint),
    )


urlpatterns = [
    path("settings/webhooks/", webhooks, name="settings-webhooks"),
    path("settings/webhooks/new/", webhook_new, name="settings-webhooks-new"),
    path("settings/webhooks/<uuid:endpoint_id>/", webhook_detail, name="settings-webhooks-detail"),
    path("settings/webhooks/<uuid:endpoint_id>/edit/", webhook_edit, name="settings-webhooks-edit"),
    path(
        "settings/webhooks/<uuid:endpoint_id>/toggle/",
        webhook_toggle,
        name="settings-webhooks-toggle",
    ),
    path(
        "settings/webhooks/<uuid:endpoint_id>/rotate/",
        webhook_rotate,
        name="settings-webhooks-rotate",
    ),
    path("settings/webhooks/<uuid:endpoint_id>/test/", webhook_test, name="settings-webhooks-test"),
    path(
        "settings/webhooks/<uuid:endpoint_id>/delete/",
        webhook_delete,
        name="settings-webhooks-delete",
    ),
    path(
        "settings/webhooks/<uuid:endpoint_id>/deliveries/<uuid:delivery_id>/redeliver/",
        webhook_redeliver,
        name="settings-webhooks-redeliver",
    ),
]
