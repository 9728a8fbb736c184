"""Partner enablement's use cases: the asset library (add, remove), training modules (save),
taking a module (the quiz marked, the completion and its certificate recorded once) and the
certificates that count toward tiers (docs/enablement.md)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from tular.core import clock
from tular.core.errors import Invalid
from tular.enablement.files import check_upload
from tular.enablement.models import Asset, TrainingCompletion, TrainingModule
from tular.workspaces.audit import Actor, audit_record

LANGUAGES = ("id", "en")
MAX_QUESTIONS = 30
MAX_CHOICES = 8
# Certificate numbers: TLR- and 12 characters of an alphabet without look-alikes (0/O, 1/I/L),
# 60 bits of chance: not guessable, short enough to read out.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
NUMBER_LENGTH = 12


# --- the asset library ------------------------------------------------------------------


def _https(url: str, *, loc: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise Invalid([loc], _("Give a link that starts with https://."))
    return url


def asset_create(
    *,
    program,
    category: str,
    title: str,
    description: str = "",
    upload=None,
    url: str = "",
    language: str = "",
    actor: Actor,
) -> Asset:
    """Add a file (`upload`, a Django UploadedFile: type and size checked) or a link (`url`,
    https) to the program's library. Exactly one of the two."""
    category = " ".join((category or "").split())
    title = " ".join((title or "").split())
    if not category:
        raise Invalid(["category"], _("Choose a category."))
    if len(category) > 60:
        raise Invalid(["category"], _("A category has at most 60 characters."))
    if not title:
        raise Invalid(["title"], _("Give the asset a title."))
    if language and language not in LANGUAGES:
        raise Invalid(["language"], _("Choose Indonesian, English or any language."))
    if upload and url:
        raise Invalid(["url"], _("Upload a file or give a link, not both."))
    if not upload and not url:
        raise Invalid(["file"], _("Upload a file or give a link."))
    asset = Asset(
        workspace_id=program.workspace_id,
        program=program,
        category=category,
        title=title[:200],
        description=(description or "").strip()[:1000],
        language=language or "",
        created_by_id=actor.user_id,
    )
    if upload:
        checked = check_upload(upload)
        asset.file_name = checked.name[:255]
        asset.content_type = checked.content_type
        asset.size = checked.size
    else:
        asset.url = _https(url, loc="url")
        asset.content_type = "text/uri-list"
    with transaction.atomic():
        if upload:
            # Written before the row: a failed write leaves no row pointing at nothing.
            asset.file.save(f"upload.{checked.extension}", upload, save=False)
        try:
            asset.save(force_insert=True)
            audit_record(
                workspace=program.workspace_id,
                actor=actor,
                action="asset.created",
                target=asset,
                after={"title": asset.title, "category": asset.category, "size": asset.size},
            )
        except Exception:
            if asset.file:
                asset.file.storage.delete(asset.file.name)
            raise
    return asset


def asset_delete(*, asset: Asset, actor: Actor) -> None:
    """Remove an asset; its file goes once the removal is committed."""
    name = asset.file.name if asset.file else ""
    storage = asset.file.storage
    with transaction.atomic():
        audit_record(
            workspace=asset.workspace_id,
            actor=actor,
            action="asset.deleted",
            target=asset,
            before={"title": asset.title, "category": asset.category},
        )
        asset.delete()
        if name:
            transaction.on_commit(lambda: storage.delete(name))


def assets_by_category(assets) -> list[tuple[str, list[Asset]]]:
    """The assets grouped by category label, categories and titles in alphabetical order."""
    groups: dict[str, list[Asset]] = {}
    for asset in sorted(assets, key=lambda a: (a.category_label.casefold(), a.title.casefold())):
        groups.setdefault(asset.category_label, []).append(asset)
    return list(groups.items())


# --- training modules -------------------------------------------------------------------


def quiz_clean(quiz) -> list[dict]:
    """A quiz as stored: questions with at least two choices and the index of the right one."""
    if quiz in (None, ""):
        return []
    if not isinstance(quiz, list):
        raise Invalid(["quiz"], _("The quiz must be a list of questions."))
    if len(quiz) > MAX_QUESTIONS:
        raise Invalid(["quiz"], _("A quiz has at most %(n)s questions.") % {"n": MAX_QUESTIONS})
    cleaned = []
    for number, item in enumerate(quiz, start=1):
        if not isinstance(item, dict):
            raise Invalid(["quiz", number - 1], _("Question %(n)s is not valid.") % {"n": number})
        question = " ".join(str(item.get("question") or "").split())
        choices = [" ".join(str(c).split()) for c in item.get("choices") or []]
        answer = item.get("answer")
        if not question:
            raise Invalid(["quiz", number - 1], _("Question %(n)s has no text.") % {"n": number})
        if len(choices) < 2 or len(choices) > MAX_CHOICES or not all(choices):
            raise Invalid(
                ["quiz", number - 1],
                _("Question %(n)s needs 2 to %(max)s choices.") % {"n": number, "max": MAX_CHOICES},
            )
        if (
            not isinstance(answer, int)
            or isinstance(answer, bool)
            or not 0 <= answer < len(choices)
        ):
            raise Invalid(
                ["quiz", number - 1],
                _("Mark the one right choice of question %(n)s.") % {"n": number},
            )
        cleaned.append({"question": question[:500], "choices": choices, "answer": answer})
    return cleaned


def module_save(
    *,
    program,
    module: TrainingModule | None = None,
    title: str,
    summary: str = "",
    body: str = "",
    video_url: str = "",
    quiz=None,
    pass_mark: int = 80,
    certificate: bool = True,
    counts_toward_tier: bool = False,
    order: int = 0,
    published: bool = False,
    actor: Actor,
) -> TrainingModule:
    """Create a module of the program (module None) or change one."""
    title = " ".join((title or "").split())
    if not title:
        raise Invalid(["title"], _("Give the module a title."))
    if not isinstance(pass_mark, int) or not 0 <= pass_mark <= 100:
        raise Invalid(["pass_mark"], _("The pass mark is a percentage from 0 to 100."))
    if counts_toward_tier and not certificate:
        raise Invalid(
            ["counts_toward_tier"],
            _("Only a module that issues a certificate can count toward tiers."),
        )
    quiz = quiz_clean(quiz)
    video_url = _https(video_url, loc="video_url") if (video_url or "").strip() else ""
    if module is not None and module.program_id != program.pk:
        raise Invalid(["program"], _("The module belongs to another program."))
    creating = module is None
    module = module or TrainingModule(workspace_id=program.workspace_id, program=program)
    before = None if creating else {"title": module.title, "published": module.published}
    module.title = title[:200]
    module.summary = (summary or "").strip()[:500]
    module.body = body or ""
    module.video_url = video_url
    module.quiz = quiz
    module.pass_mark = pass_mark
    module.certificate = certificate
    module.counts_toward_tier = counts_toward_tier
    module.order = order
    module.published = published
    module.updated_at = clock.now()
    with transaction.atomic():
        module.save()
        audit_record(
            workspace=program.workspace_id,
            actor=actor,
            action="training.created" if creating else "training.changed",
            target=module,
            before=before,
            after={"title": module.title, "published": module.published},
        )
    return module


# --- taking a module --------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    passed: bool
    score: int | None  # percent right; None without a quiz
    completion: TrainingCompletion | None
    right: tuple[bool, ...] = ()  # per question, for the page that tells what was wrong


def certificate_number() -> str:
    return "TLR-" + "".join(secrets.choice(ALPHABET) for _ in range(NUMBER_LENGTH))


def quiz_score(quiz: list[dict], answers) -> tuple[int, tuple[bool, ...]]:
    """Percent of questions answered right (rounded down) and which were. `answers` maps the
    question's index to the chosen choice's index; a missing or odd answer is wrong."""
    right = []
    for index, item in enumerate(quiz):
        given = answers.get(index) if isinstance(answers, dict) else None
        right.append(isinstance(given, int) and given == item["answer"])
    score = (100 * sum(right)) // len(quiz) if quiz else 100
    return score, tuple(right)


def module_complete(
    *, module: TrainingModule, participant, answers=None, taken_by: str = ""
) -> Outcome:
    """The participant took the module: with a quiz, the answers are marked and a score at the
    pass mark or above passes; without one, reading it passes. A pass records the completion
    (once: a second pass returns the first) with a certificate number when the module issues
    certificates. A failed attempt records nothing; the participant may try again."""
    if participant.program_id != module.program_id or not module.published:
        raise Invalid(["module"], _("This module is not open to you."))
    existing = TrainingCompletion.objects.filter(module=module, participant=participant).first()
    if module.quiz:
        score, right = quiz_score(module.quiz, answers or {})
        passed = score >= module.pass_mark
    else:
        score, right, passed = None, (), True
    if existing is not None:
        return Outcome(passed=True, score=existing.score, completion=existing, right=right)
    if not passed:
        return Outcome(passed=False, score=score, completion=None, right=right)
    for _attempt in range(5):
        completion = TrainingCompletion(
            module=module,
            participant=participant,
            completed_at=clock.now(),
            score=score,
            certificate_number=certificate_number() if module.certificate else None,
            taken_by=(taken_by or "")[:200],
        )
        try:
            with transaction.atomic():
                completion.save(force_insert=True)
            return Outcome(passed=True, score=score, completion=completion, right=right)
        except IntegrityError:
            # Taken at the same moment in another tab (one completion per module and
            # participant), or, once in a blue moon, a certificate number already given.
            existing = TrainingCompletion.objects.filter(
                module=module, participant=participant
            ).first()
            if existing is not None:
                return Outcome(passed=True, score=existing.score, completion=existing, right=right)
    raise RuntimeError("no free certificate number after 5 tries")


def certificate_find(number: str) -> TrainingCompletion | None:
    """The completion a certificate number belongs to (any workspace), for verification."""
    number = (number or "").strip().upper()
    if not number.startswith("TLR-") or len(number) != 4 + NUMBER_LENGTH:
        return None
    return (
        TrainingCompletion.objects.select_related("module", "module__program", "participant")
        .filter(certificate_number=number)
        .first()
    )


def certificates_count(*, participant_ids, since: datetime | None = None) -> dict:
    """Certificates of modules that count toward tiers, per participant id (those without one
    are left out), earned at `since` or later when given. For the partners' tier rules."""
    ids = list(participant_ids)
    if not ids:
        return {}
    completions = TrainingCompletion.objects.filter(
        participant_id__in=ids,
        module__counts_toward_tier=True,
        certificate_number__isnull=False,
    )
    if since is not None:
        completions = completions.filter(completed_at__gte=since)
    rows = completions.values("participant_id").annotate(n=Count("id"))
    return {row["participant_id"]: row["n"] for row in rows}
