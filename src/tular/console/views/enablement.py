"""Console pages of partner enablement (R34), tabs of Partners: the asset library of each
partner program (upload a file or add a link, by category; download; remove) and its
training modules (create, edit, publish; who completed each, with score and certificate).

Each action calls tular.enablement's services, as the portal does for partners."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tular.console.access import actor_of, console_view
from tular.console.views.partners import _partner_programs, pending_applications
from tular.core.errors import Invalid
from tular.core.forms import StyledForm
from tular.enablement.downloads import asset_response
from tular.enablement.files import ACCEPT_ATTRIBUTE, KINDS_SHOWN, max_bytes
from tular.enablement.models import Asset, AssetCategory, TrainingCompletion, TrainingModule
from tular.enablement.quiztext import quiz_from_text, quiz_to_text
from tular.enablement.services import asset_create, asset_delete, assets_by_category, module_save

OWN_CATEGORY = "__own"


def _program_of(request, slug: str | None):
    """The partner programs and the one shown (by slug, else the first); 404 for an unknown
    slug."""
    programs = list(_partner_programs(request))
    if slug is None:
        return programs, (programs[0] if programs else None)
    program = next((each for each in programs if each.slug == slug), None)
    if program is None:
        raise Http404("not a partner program of this workspace")
    return programs, program


def _error_to_form(form, error: Invalid) -> None:
    loc = error.extra["errors"][0]["loc"]
    field = str(loc[1]) if len(loc) > 1 else ""
    form.add_error(field if field in form.fields else None, error.detail)


# --- the asset library ------------------------------------------------------------------


class AssetForm(StyledForm, forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    category = forms.ChoiceField(label=gettext_lazy("Category"))
    own_category = forms.CharField(
        label=gettext_lazy("Your own category"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("When the category is “another”: e.g. Product videos."),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )
    url = forms.CharField(
        label=gettext_lazy("…or a link"),
        max_length=1000,
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        required=False,
        choices=[
            ("", gettext_lazy("Any language")),
            ("id", "Bahasa Indonesia"),
            ("en", "English"),
        ],
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        own = [(name, name) for name in categories if name not in AssetCategory.values]
        self.fields["category"].choices = [
            *[(value, label.capitalize()) for value, label in AssetCategory.choices],
            *own,
            (OWN_CATEGORY, _("Another…")),
        ]
        self.fields["file"].help_text = _("%(kinds)s; at most %(limit)s MB.") % {
            "kinds": KINDS_SHOWN,
            "limit": max_bytes() // (1024 * 1024),
        }

    def clean(self):
        data = super().clean()
        if data.get("category") == OWN_CATEGORY and not (data.get("own_category") or "").strip():
            self.add_error("own_category", _("Name your category."))
        return data

    def category_value(self) -> str:
        data = self.cleaned_data
        return data["own_category"] if data["category"] == OWN_CATEGORY else data["category"]


@console_view(change=True)
def asset_page(request, slug: str | None = None):
    programs, program = _program_of(request, slug)
    assets = list(Asset.objects.filter(program=program)) if program else []
    categories = sorted({asset.category for asset in assets})
    posted = request.method == "POST"
    form = AssetForm(
        request.POST if posted else None, request.FILES if posted else None, categories=categories
    )
    if request.method == "POST" and program is not None and form.is_valid():
        data = form.cleaned_data
        try:
            asset = asset_create(
                program=program,
                category=form.category_value(),
                title=data["title"],
                description=data["description"],
                upload=data["file"],
                url=data["url"],
                language=data["language"],
                actor=actor_of(request),
            )
        except Invalid as error:
            _error_to_form(form, error)
        else:
            messages.success(request, _("“%(title)s” is in the library.") % {"title": asset.title})
            return redirect("console:partners-assets-program", program.slug)
    return render(
        request,
        "console/partners/assets.html",
        {
            "programs": programs,
            "program": program,
            "groups": assets_by_category(assets),
            "form": form,
            "pending": pending_applications(request),
        },
        status=422 if form.is_bound and form.errors else 200,
    )


def _asset_of(request, asset_id) -> Asset:
    return get_object_or_404(
        Asset.objects.select_related("program"), pk=asset_id, workspace=request.workspace
    )


@console_view()
def asset_download(request, asset_id):
    return asset_response(_asset_of(request, asset_id))


@require_POST
@console_view(change=True)
def asset_remove(request, asset_id):
    asset = _asset_of(request, asset_id)
    asset_delete(asset=asset, actor=actor_of(request))
    messages.success(request, _("“%(title)s” is removed.") % {"title": asset.title})
    return redirect("console:partners-assets-program", asset.program.slug)


# --- training ---------------------------------------------------------------------------


class ModuleForm(StyledForm, forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    summary = forms.CharField(
        label=gettext_lazy("Summary"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("One or two sentences shown in the list."),
    )
    body = forms.CharField(
        label=gettext_lazy("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy("Plain text: line breaks are kept and links become clickable."),
    )
    video_url = forms.CharField(
        label=gettext_lazy("Video or link (optional)"),
        max_length=1000,
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
    )
    quiz = forms.CharField(
        label=gettext_lazy("Quiz (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "class": "font-monospace"}),
        help_text=gettext_lazy(
            "A question per line, then its choices: “- ” for a wrong one, “* ” for the right "
            "one. A blank line between questions. Without a quiz, reading completes the module."
        ),
    )
    pass_mark = forms.IntegerField(
        label=gettext_lazy("Pass mark (%)"), min_value=0, max_value=100, initial=80
    )
    order = forms.IntegerField(
        label=gettext_lazy("Order"),
        initial=0,
        help_text=gettext_lazy("Lower numbers come first."),
    )
    certificate = forms.BooleanField(
        label=gettext_lazy("Issues a certificate"), required=False, initial=True
    )
    counts_toward_tier = forms.BooleanField(
        label=gettext_lazy("The certificate counts toward tiers"), required=False
    )
    published = forms.BooleanField(
        label=gettext_lazy("Published: partners see it in their portal"), required=False
    )

    def clean_quiz(self):
        try:
            return quiz_from_text(self.cleaned_data.get("quiz") or "")
        except Invalid as error:
            raise forms.ValidationError(error.detail) from None


def _module_initial(module: TrainingModule) -> dict:
    return {
        "title": module.title,
        "summary": module.summary,
        "body": module.body,
        "video_url": module.video_url,
        "quiz": quiz_to_text(module.quiz),
        "pass_mark": module.pass_mark,
        "order": module.order,
        "certificate": module.certificate,
        "counts_toward_tier": module.counts_toward_tier,
        "published": module.published,
    }


@console_view()
def training_page(request, slug: str | None = None):
    programs, program = _program_of(request, slug)
    modules = (
        list(
            TrainingModule.objects.filter(program=program).annotate(completed=Count("completions"))
        )
        if program
        else []
    )
    return render(
        request,
        "console/partners/training.html",
        {
            "programs": programs,
            "program": program,
            "modules": modules,
            "pending": pending_applications(request),
        },
    )


@console_view(change=True)
def module_edit(request, slug: str | None = None, module_id=None):
    if module_id is not None:
        module = get_object_or_404(
            TrainingModule.objects.select_related("program"),
            pk=module_id,
            workspace=request.workspace,
        )
        programs, program = _program_of(request, module.program.slug)
    else:
        module = None
        programs, program = _program_of(request, slug)
        if program is None:
            raise Http404("no partner program")
    initial = _module_initial(module) if module else {"pass_mark": 80, "certificate": True}
    form = ModuleForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = module_save(
                program=program,
                module=module,
                title=data["title"],
                summary=data["summary"],
                body=data["body"],
                video_url=data["video_url"],
                quiz=data["quiz"],
                pass_mark=data["pass_mark"],
                certificate=data["certificate"],
                counts_toward_tier=data["counts_toward_tier"],
                order=data["order"],
                published=data["published"],
                actor=actor_of(request),
            )
        except Invalid as error:
            _error_to_form(form, error)
        else:
            messages.success(request, _("“%(title)s” is saved.") % {"title": saved.title})
            return redirect("console:partners-training-module", saved.pk)
    completions = (
        TrainingCompletion.objects.filter(module=module)
        .select_related("participant")
        .order_by("-completed_at")
        if module
        else []
    )
    return render(
        request,
        "console/partners/module.html",
        {
            "programs": programs,
            "program": program,
            "module": module,
            "form": form,
            "completions": completions,
            "pending": pending_applications(request),
            "back": reverse("console:partners-training-program", args=[program.slug]),
        },
        status=422 if form.is_bound and form.errors else 200,
    )


urlpatterns = [
    path("partners/assets/", asset_page, name="partners-assets"),
    path("partners/assets/p/<slug:slug>/", asset_page, name="partners-assets-program"),
    path("partners/assets/<uuid:asset_id>/download", asset_download, name="partners-asset-file"),
    path("partners/assets/<uuid:asset_id>/remove", asset_remove, name="partners-asset-remove"),
    path("partners/training/", training_page, name="partners-training"),
    path("partners/training/p/<slug:slug>/", training_page, name="partners-training-program"),
    path("partners/training/p/<slug:slug>/new", module_edit, name="partners-training-new"),
    path("partners/training/<uuid:module_id>/", module_edit, name="partners-training-module"),
]
