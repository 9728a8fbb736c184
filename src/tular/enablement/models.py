"""Partner enablement (R34): the asset library a program's managers fill for its partners, and
training modules whose completion (a quiz passed, where there is one) issues a certificate
with a number anyone can verify (docs/enablement.md)."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _

from tular.core import clock
from tular.core.ids import new_uuid7
from tular.participants.models import Participant
from tular.programs.models import Program
from tular.workspaces.models import Workspace


class AssetCategory(models.TextChoices):
    brochure = "brochure", _("brochure")
    logo = "logo", _("logo")
    presentation = "presentation", _("presentation")
    case_study = "case_study", _("case study")
    price_list = "price_list", _("price list")
    other = "other", _("other")


class AssetStorage(FileSystemStorage):
    """Files under MEDIA_ROOT (the data directory's media/), read at each use so a changed
    setting (a test's) applies. Never given a URL: downloads go through the checked views."""

    def url(self, name):  # pragma: no cover - nothing may link to the storage directly
        raise NotImplementedError("asset files are served by the download views only")


def asset_storage() -> AssetStorage:
    return AssetStorage()


def asset_path(asset: "Asset", filename: str) -> str:
    """Where a file lands: by program, named by the asset's id (the name the manager gave is
    kept in `file_name`, never used as a path)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"assets/{asset.program_id}/{asset.pk}.{extension}"


class Asset(models.Model):
    """A file (uploaded) or a link (an https URL) in a program's asset library."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="assets")
    # One of AssetCategory, or the manager's own word.
    category = models.CharField(_("category"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    description = models.CharField(_("description"), max_length=1000, blank=True, default="")
    file = models.FileField(
        _("file"), storage=asset_storage, upload_to=asset_path, max_length=300, blank=True
    )
    file_name = models.CharField(_("file name"), max_length=255, blank=True, default="")
    url = models.URLField(_("link"), max_length=1000, blank=True, default="")
    content_type = models.CharField(_("content type"), max_length=120, blank=True, default="")
    size = models.BigIntegerField(_("size in bytes"), default=0)
    # "" = any language; else a language code (id, en).
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        indexes = [models.Index(fields=["program", "category", "title"])]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(file="") & ~models.Q(url=""))
                | (~models.Q(file="") & models.Q(url="")),
                name="enablement_asset_file_xor_link",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_link(self) -> bool:
        return not self.file

    @property
    def category_label(self) -> str:
        if self.category in AssetCategory.values:
            return str(AssetCategory(self.category).label)
        return self.category

    @property
    def extension(self) -> str:
        name = self.file_name or self.file.name
        return name.rsplit(".", 1)[-1].lower() if "." in name else ""


class TrainingModule(models.Model):
    """A lesson for a program's partners: text (plain, line breaks kept), an optional video or
    link, and an optional quiz: questions with one right choice each and a pass mark."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="training_modules")
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500, blank=True, default="")
    body = models.TextField(_("text"), blank=True, default="")
    video_url = models.URLField(_("video or link"), max_length=1000, blank=True, default="")
    # [{"question": str, "choices": [str, …], "answer": index of the right choice}, …]
    quiz = models.JSONField(_("quiz"), default=list, blank=True)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"), default=80)
    certificate = models.BooleanField(_("issues a certificate"), default=True)
    counts_toward_tier = models.BooleanField(_("counts toward tiers"), default=False)
    order = models.IntegerField(_("order"), default=0)
    published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    updated_at = models.DateTimeField(_("updated at"), default=clock.now)

    class Meta:
        verbose_name = _("training module")
        verbose_name_plural = _("training modules")
        ordering = ["order", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_mark__lte=100), name="enablement_pass_mark_percent"
            )
        ]

    def __str__(self) -> str:
        return self.title


class TrainingCompletion(models.Model):
    """A participant passed a module (read it, and its quiz if it has one). Its certificate
    number is unique across all workspaces, so a number alone verifies a certificate."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="completions")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="training_completions"
    )
    completed_at = models.DateTimeField(_("completed at"), default=clock.now)
    # Percent of the quiz's questions answered right; None when the module has no quiz.
    score = models.PositiveSmallIntegerField(_("score (%)"), null=True, blank=True)
    # None when the module issues no certificate.
    certificate_number = models.CharField(
        _("certificate number"), max_length=32, unique=True, null=True, blank=True
    )
    # Who took it in the portal (a partner's member, or the participant).
    taken_by = models.CharField(_("taken by"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("training completion")
        verbose_name_plural = _("training completions")
        constraints = [
            models.UniqueConstraint(
                fields=["module", "participant"], name="enablement_one_completion"
            )
        ]
        indexes = [models.Index(fields=["participant", "completed_at"])]

    def __str__(self) -> str:
        return self.certificate_number or str(self.pk)
