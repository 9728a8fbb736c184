"""The program setup: five short steps (kind → currency and link → incentive → holds → review),
for a new program and, through the same forms, for editing one.

What was typed lives in the session under a wizard id (so Back and the steps indicator never lose
input); each step's form checks its fields on the server. The last step calls the same services
as the API (`program_create` = POST /api/v1/programs, `program_update` = PATCH
/api/v1/programs/{slug}); their 409 and 422 come back as a message beside the field of the step
it belongs to. Creating spends the wizard id as a one-time token in the same transaction, so a
double submit creates one program.
"""

from __future__ import annotations

import secrets

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from tular.console.access import actor_of, console_view
from tular.console.forms import spend_token
from tular.console.views.programs.forms import (
    EXTRAS,
    KIND_HELP,
    HoldsForm,
    IncentiveForm,
    KindForm,
    LinkForm,
    money_text,
    parse_money,
)
from tular.core.errors import Conflict, FieldConflict, Invalid
from tular.core.money import is_currency
from tular.programs.models import Program, ProgramStatus
from tular.programs.rules import AttributionModel, Rule
from tular.programs.services import program_create, program_get, program_update, program_validate
from tular.programs.wording import rules_in_words
from tular.rewards.preview import reward_preview

STEPS = [
    ("kind", gettext_lazy("Kind")),
    ("link", gettext_lazy("Currency and link")),
    ("incentive", gettext_lazy("Incentive")),
    ("holds", gettext_lazy("Holds and approval")),
    ("review", gettext_lazy("Review")),
]
STEP_NAMES = [name for name, _label in STEPS]
FORM_STEPS = STEP_NAMES[:-1]
SESSION_KEY = "program_wizards"
KEEP_WIZARDS = 10
# The step where each setting is entered (a service error names the setting).
FIELD_STEP = {
    "kind": "kind",
    "name": "kind",
    "slug": "kind",
    "currency": "link",
    "destination_url": "link",
    "allowed_hosts": "link",
    "attribution": "link",
    "rules": "incentive",
    "hold_days": "holds",
    "auto_approve_below": "holds",
    "clawback_days": "holds",
    "monetary_rewards_allowed": "holds",
    "leaderboard": "holds",
}
# A setting's form field, where it differs.
FIELD_OF = {"attribution": "window_days", "rules": "referrer_kind"}
EXAMPLE_SALE = "1.000.000"


# ------------------------------------------------------------------ state


def _wizards(request) -> dict:
    return request.session.setdefault(SESSION_KEY, {})


def _state(request, wid: str, *, program: Program | None) -> dict:
    state = _wizards(request).get(wid)
    expected = program.slug if program is not None else None
    if state is None or state.get("program") != expected:
        raise Http404("no such program setup")
    return state


def _save(request, wid: str, state: dict) -> None:
    wizards = _wizards(request)
    wizards[wid] = state
    for stale in list(wizards)[:-KEEP_WIZARDS]:
        wizards.pop(stale, None)
    request.session.modified = True


def _new_state(program: Program | None) -> dict:
    return {
        "program": program.slug if program is not None else None,
        "raw": {},
        "values": {},
        "errors": {},
        "created": None,
        "rules_locked": False,
        "attribution_model": (
            program.attribution.get("model", AttributionModel.last_touch.value)
            if program is not None
            else AttributionModel.last_touch.value
        ),
    }


def _slots(rules: list[dict]) -> list[str] | None:
    """Which of the form's places (referrer, friend, extra1, extra2) each stored rule takes, in
    the stored order; None when the rules do not fit the form: at most three referrer rules (tiers
    and a cap on one of them only), one friend rule without either, one recurring duration."""
    referrer = [i for i, rule in enumerate(rules) if rule["recipient"] == "referrer"]
    friend = [i for i, rule in enumerate(rules) if rule["recipient"] == "friend"]
    if len(referrer) > 1 + len(EXTRAS) or len(friend) > 1:
        return None
    if friend and (rules[friend[0]].get("tiers") or rules[friend[0]].get("cap")):
        return None
    rich = [i for i in referrer if rules[i].get("tiers") or rules[i].get("cap")]
    if len(rich) > 1 or (rich and len(rules[rich[0]].get("tiers", [])) > 3):
        return None
    durations = {rule.get("duration_months", 0) for rule in rules if rule["trigger"] == "sale"}
    stray = any(rule.get("duration_months") for rule in rules if rule["trigger"] != "sale")
    if len(durations) > 1 or stray:
        return None
    main = rich[0] if rich else (referrer[0] if referrer else None)
    extras = iter(EXTRAS)
    slots = []
    for index, rule in enumerate(rules):
        if rule["recipient"] == "friend":
            slots.append("friend")
        elif index == main:
            slots.append("referrer")
        else:
            slots.append(next(extras))
    return slots


def _raw_from_program(program: Program) -> tuple[dict, list[str] | None]:
    """The steps' inputs as the manager would have typed them; and the rules' places in the
    form (None: they do not fit it)."""
    currency = program.currency
    raw = {
        "kind": {"kind": program.kind, "name": program.name, "slug": program.slug},
        "link": {
            "currency": currency,
            "destination_url": program.destination_url,
            "allowed_hosts": "\n".join(program.allowed_hosts),
            "window_days": str(program.window_days),
        },
        "holds": {
            "hold_days": str(program.hold_days),
            "auto_approve_below": money_text(program.auto_approve_below, currency),
            "clawback_days": str(program.clawback_days),
        },
    }
    if program.monetary_rewards_allowed:
        raw["holds"]["monetary_rewards_allowed"] = "on"
    if program.leaderboard:
        raw["holds"]["leaderboard"] = "on"
    slots = _slots(program.rules)
    if slots is None:
        return raw, None
    incentive = {"referrer_kind": "", "friend_kind": "", "duration_months": "0"}
    for slot, rule in zip(slots, program.rules, strict=True):
        incentive[f"{slot}_kind"] = rule["kind"]
        incentive[f"{slot}_trigger"] = rule["trigger"]
        if rule["kind"] == "fixed":
            incentive[f"{slot}_amount"] = money_text(rule["amount"], currency)
        elif rule["kind"] == "percent":
            incentive[f"{slot}_percent"] = rule["percent"].replace(".", ",")
        else:
            incentive[f"{slot}_perk"] = rule["perk"]
        if rule.get("duration_months"):
            incentive["duration_months"] = str(rule["duration_months"])
        for index, tier in enumerate(rule.get("tiers", []), start=1):
            incentive[f"tier{index}_min"] = str(tier["min_conversions"])
            incentive[f"tier{index}_rate"] = (
                tier["percent"].replace(".", ",")
                if "percent" in tier
                else money_text(tier["amount"], currency)
            )
        if rule.get("cap"):
            incentive["cap_amount"] = money_text(rule["cap"]["amount"], currency)
            incentive["cap_period"] = rule["cap"]["period"]
    raw["incentive"] = incentive
    return raw, slots


def _in_stored_order(rules: list[dict], slots: list[str], stored_slots: list[str]) -> list[dict]:
    """A rule's position is its identity for rewards already earned (caps count per rule
    index): an edited rule keeps its place, a new one comes after the rest."""
    by_slot = dict(zip(slots, rules, strict=True))
    ordered = [by_slot.pop(slot) for slot in stored_slots if slot in by_slot]
    return ordered + [by_slot[slot] for slot in slots if slot in by_slot]


# ------------------------------------------------------------------ forms


def _currency(state: dict, program: Program | None) -> str:
    link = state["values"].get("link") or {}
    return link.get("currency") or (program.currency if program is not None else "IDR")


def _rules(state: dict, program: Program | None) -> list[dict]:
    if state["rules_locked"] and program is not None:
        return program.rules
    return (state["values"].get("incentive") or {}).get("rules", [])


def _has_rewards(program: Program | None) -> bool:
    return program is not None and program.rewards.exists()


def _form(request, step: str, state: dict, program: Program | None, data=None):
    """The step's form, bound to `data` (a POST) or to what was typed before."""
    if data is None:
        data = state["raw"].get(step)
    locked = _has_rewards(program) if step in ("kind", "link") else False
    if step == "kind":
        form = KindForm(
            data,
            workspace=request.workspace,
            current_slug=program.slug if program is not None else None,
            initial={"slug": program.slug} if program is not None else None,
        )
        if locked:
            form.fields["slug"].disabled = True
            form.fields["slug"].help_text = _(
                "The short name cannot change: the program already has rewards."
            )
        return form
    if step == "link":
        return LinkForm(
            data,
            currency_locked=locked,
            initial={"currency": program.currency if program is not None else "IDR"},
        )
    if step == "incentive":
        return IncentiveForm(data, currency=_currency(state, program))
    return HoldsForm(data, currency=_currency(state, program), rules=_rules(state, program))


def _values(step: str, form) -> dict:
    data = form.cleaned_data
    if step == "kind":
        return {"kind": data["kind"], "name": data["name"], "slug": data["slug"]}
    if step == "link":
        return {
            "currency": data["currency"],
            "destination_url": data["destination_url"],
            "allowed_hosts": data["allowed_hosts"],
            "window_days": data["window_days"],
        }
    if step == "incentive":
        return {"rules": form.rules, "slots": form.slots}
    return {
        "hold_days": data["hold_days"],
        "auto_approve_below": data["auto_approve_below"],
        "clawback_days": data["clawback_days"],
        "monetary_rewards_allowed": data["monetary_rewards_allowed"],
        "leaderboard": data["leaderboard"],
    }


def _revalidate_after(request, step: str, state: dict, program: Program | None) -> None:
    """A later step's input may no longer fit (another currency, other rules): check again."""
    for later in FORM_STEPS[FORM_STEPS.index(step) + 1 :]:
        if later == "incentive" and state["rules_locked"]:
            continue
        if later not in state["raw"]:
            state["values"].pop(later, None)
            continue
        form = _form(request, later, state, program)
        if form.is_valid():
            state["values"][later] = _values(later, form)
        else:
            state["values"].pop(later, None)


def _reachable(state: dict) -> list[str]:
    reachable = []
    for name in STEP_NAMES:
        reachable.append(name)
        if name == "review" or name not in state["values"]:
            break
    return reachable


def _payload(state: dict, program: Program | None) -> dict:
    values = state["values"]
    link = values["link"]
    payload = {
        **values["kind"],
        "currency": link["currency"],
        "destination_url": link["destination_url"],
        "allowed_hosts": link["allowed_hosts"],
        "attribution": {"model": state["attribution_model"], "window_days": link["window_days"]},
        **values["holds"],
    }
    if program is not None and program.attribution.get("half_life_days"):
        # Set through the API only (docs/attribution.md): an edit here keeps it.
        payload["attribution"]["half_life_days"] = program.attribution["half_life_days"]
    if not state["rules_locked"]:
        incentive = values["incentive"]
        payload["rules"] = _in_stored_order(
            incentive["rules"], incentive["slots"], state.get("stored_slots") or []
        )
    return payload


# ------------------------------------------------------------------ preview


def preview_context(data, currency: str) -> dict:
    """The live preview: what the referrer and the friend earn on the example sale, computed by
    the reward engine itself (rewards.preview) from the incentive as typed so far."""
    example_text = (data.get("example_amount") or "").strip() if data else ""
    context = {
        "currency": currency,
        "example_amount": example_text or EXAMPLE_SALE,
        "example_customers": (data.get("example_customers") or "1") if data else "1",
        "preview": None,
        "preview_error": "",
    }
    try:
        sale_amount = parse_money(context["example_amount"], currency)
    except forms.ValidationError:
        context["preview_error"] = _("Type an example sale amount, e.g. 1.000.000.")
        return context
    try:
        customers = max(1, min(1_000_000, int(context["example_customers"])))
    except ValueError:
        customers = 1
    form = IncentiveForm(data, currency=currency) if data else None
    if form is None or not form.is_valid():
        context["preview_error"] = _("Complete the rewards on the left to see an example.")
        return context
    context["sale_amount"] = sale_amount
    context["preview"] = reward_preview(
        rules=[Rule.model_validate(rule) for rule in form.rules],
        currency=currency,
        sale_amount=sale_amount,
        paying_customers=customers,
    )
    return context


@console_view(always_change=True)
def preview(request):
    currency = request.GET.get("preview_currency", "IDR")
    if not is_currency(currency):
        currency = "IDR"
    return render(request, "console/programs/_preview.html", preview_context(request.GET, currency))


# ------------------------------------------------------------------ views


def _program_or_404(request, slug: str) -> Program:
    program = program_get(workspace=request.workspace, slug=slug)
    if program is None:
        raise Http404("no such program")
    return program


def _step_url(wid: str, step: str, program: Program | None) -> str:
    if program is None:
        return reverse("console:programs-new-step", args=[wid, step])
    return reverse("console:programs-edit-step", args=[program.slug, wid, step])


@console_view(always_change=True)
def new(request):
    wid = secrets.token_urlsafe(12)
    _save(request, wid, _new_state(None))
    return redirect(_step_url(wid, "kind", None))


@console_view(always_change=True)
def edit(request, slug):
    program = _program_or_404(request, slug)
    if program.status == ProgramStatus.archived:
        messages.error(request, _("An archived program is read-only: reactivate it first."))
        return redirect("console:programs-detail", slug=program.slug)
    wid = secrets.token_urlsafe(12)
    state = _new_state(program)
    state["raw"], slots = _raw_from_program(program)
    state["rules_locked"] = slots is None
    state["stored_slots"] = slots or []
    for step in FORM_STEPS:
        if step == "incentive" and slots is None:
            continue
        form = _form(request, step, state, program)
        if form.is_valid():
            state["values"][step] = _values(step, form)
    _save(request, wid, state)
    return redirect(_step_url(wid, "kind", program))


@console_view(always_change=True)
def new_step(request, wid, step):
    return _step(request, wid, step, None)


@console_view(always_change=True)
def edit_step(request, slug, wid, step):
    return _step(request, wid, step, _program_or_404(request, slug))


def _step(request, wid: str, step: str, program: Program | None):
    if step not in STEP_NAMES:
        raise Http404("no such step")
    state = _state(request, wid, program=program)
    if state["created"]:
        if program is None:
            messages.info(request, _("This program was created already."))
        else:
            messages.info(request, _("These changes were saved already."))
        return redirect("console:programs-detail", slug=state["created"])
    if step not in _reachable(state):
        return redirect(_step_url(wid, _reachable(state)[-1], program))
    if step == "review":
        return _review(request, wid, state, program)
    index = STEP_NAMES.index(step)
    locked_incentive = step == "incentive" and state["rules_locked"]
    form = None
    if request.method == "POST":
        if locked_incentive:
            state["values"]["incentive"] = {"rules": program.rules, "slots": []}
            _save(request, wid, state)
            return redirect(_step_url(wid, STEP_NAMES[index + 1], program))
        raw = {key: request.POST.get(key) for key in request.POST if key != "csrfmiddlewaretoken"}
        state["raw"][step] = raw
        state["errors"].pop(step, None)
        if "_back" in request.POST:
            _save(request, wid, state)
            return redirect(_step_url(wid, STEP_NAMES[max(0, index - 1)], program))
        form = _form(request, step, state, program, data=request.POST)
        if form.is_valid():
            state["values"][step] = _values(step, form)
            _revalidate_after(request, step, state, program)
            _save(request, wid, state)
            reachable = _reachable(state)
            target = STEP_NAMES[index + 1]
            if "_review" in request.POST and "review" in reachable:
                target = "review"
            return redirect(_step_url(wid, target, program))
        state["values"].pop(step, None)
        _save(request, wid, state)
    elif not locked_incentive:
        form = _form(request, step, state, program)
        for field, errors in state["errors"].get(step, {}).items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    context = _context(request, wid, step, state, program, form)
    return render(request, "console/programs/wizard.html", context, status=_status(request, form))


def _status(request, form) -> int:
    if request.method == "POST" and form is not None and form.errors:
        return 422
    return 200


def _context(request, wid, step, state, program, form) -> dict:
    reachable = _reachable(state)
    context = {
        "wid": wid,
        "step": step,
        "steps": [
            {
                "name": name,
                "label": label,
                "number": number,
                "url": _step_url(wid, name, program) if name in reachable else "",
                "done": name in state["values"],
                "current": name == step,
            }
            for number, (name, label) in enumerate(STEPS, start=1)
        ],
        "previous": STEP_NAMES[STEP_NAMES.index(step) - 1] if step != "kind" else "",
        "form": form,
        "program": program,
        "editing": program is not None,
        "action": _step_url(wid, step, program),
        "currency": _currency(state, program),
        "review_ready": all(name in state["values"] for name in FORM_STEPS),
    }
    if step == "kind":
        context["kind_helps"] = list(KIND_HELP.items())
    if step == "incentive":
        if state["rules_locked"]:
            context["locked_rules"] = rules_in_words(program=program, language=_language())
        else:
            data = form.data if form.is_bound else None
            context.update(preview_context(data, context["currency"]))
    return context


def _language() -> str:
    return "en" if (get_language() or "id").startswith("en") else "id"


def _draft_program(payload: dict, program: Program | None) -> Program:
    """An unsaved program with the settings as they would be stored, for the review's words."""
    draft = Program(
        **{key: value for key, value in payload.items() if key != "rules"},
        rules=payload.get("rules", program.rules if program is not None else []),
        status=program.status if program is not None else ProgramStatus.active,
    )
    return draft


def _review(request, wid: str, state: dict, program: Program | None):
    payload = _payload(state, program)
    if request.method == "POST":
        return _finish(request, wid, state, program, payload)
    draft = _draft_program(payload, program)
    context = _context(request, wid, "review", state, program, None)
    context.update(
        {
            "draft": draft,
            "words": rules_in_words(program=draft, language=_language()),
            "kind_label": dict(Program._meta.get_field("kind").choices).get(draft.kind),
        }
    )
    return render(request, "console/programs/wizard.html", context)


def _refused(request, wid, state, program, field: str, message: str):
    step = FIELD_STEP.get(field, "review")
    if step == "review":
        messages.error(request, message)
    else:
        state["errors"][step] = {FIELD_OF.get(field, field): [message]}
        state["values"].pop(step, None)
    _save(request, wid, state)
    return redirect(_step_url(wid, step, program))


def _finish(request, wid, state, program, payload):
    try:
        if program is None:
            with transaction.atomic():
                if not spend_token(f"program-setup:{wid}", request.user):
                    messages.info(request, _("This program was created already."))
                    return redirect("console:programs")
                created = program_create(
                    workspace=request.workspace,
                    config=program_validate(payload),
                    actor=actor_of(request),
                )
            state["created"] = created.slug
            _save(request, wid, state)
            messages.success(request, _("Program “%(name)s” created.") % {"name": created.name})
            return redirect("console:programs-detail", slug=created.slug)
        updated = program_update(program=program, changes=payload, actor=actor_of(request))
    except FieldConflict as refused:
        if refused.field == "slug" and "already exists" in refused.detail:
            message = _("Another program already uses this short name.")
        else:
            message = _("This cannot change any more: the program already has rewards.")
        return _refused(request, wid, state, program, refused.field, message)
    except Conflict as refused:
        if "already exists" in refused.detail:
            return _refused(
                request,
                wid,
                state,
                program,
                "slug",
                _("Another program already uses this short name."),
            )
        messages.error(
            request, _("The change was refused: %(reason)s") % {"reason": refused.detail}
        )
        return redirect(_step_url(wid, "review", program))
    except Invalid as refused:
        loc = refused.extra.get("errors", [{}])[0].get("loc", [])
        field = next((part for part in loc if part in FIELD_STEP), "")
        message = _("This setting was refused: %(reason)s") % {"reason": refused.detail}
        return _refused(request, wid, state, program, field, message)
    state["created"] = updated.slug
    _save(request, wid, state)
    messages.success(
        request,
        _(
            "Changes saved. Changed rules apply to new events only; rewards already earned keep "
            "their amounts."
        ),
    )
    return redirect("console:programs-detail", slug=updated.slug)
