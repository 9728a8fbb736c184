"""The asset library's checks with real files, training completion and its certificates, and
certificates_count for the partners' tier rules."""

import re
from datetime import timedelta

import pytest
from django.utils import translation

from tests.enablement.conftest import (
    ACTOR,
    EXE,
    MP4,
    PDF,
    SVG,
    ooxml_bytes,
    png_bytes,
    upload,
    xlsx_bytes,
    zip_bytes,
)
from tular import config
from tular.core.errors import Invalid
from tular.enablement.models import Asset, TrainingCompletion
from tular.enablement.services import (
    asset_create,
    asset_delete,
    certificate_find,
    certificates_count,
    module_complete,
    module_save,
    quiz_clean,
)

QUIZ = [
    {"question": "Berapa hari proteksi deal?", "choices": ["30", "90"], "answer": 1},
    {"question": "Siapa yang menyetujui?", "choices": ["Tim program", "Pelanggan"], "answer": 0},
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def add(program, name, content, **extra):
    return asset_create(
        program=program,
        category="brochure",
        title=name,
        upload=upload(name, content),
        actor=ACTOR,
        **extra,
    )


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("brosur.pdf", PDF, "application/pdf"),
        ("logo.png", png_bytes(), "image/png"),
        ("logo.svg", SVG, "image/svg+xml"),
        (
            "harga.xlsx",
            xlsx_bytes(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "panduan.docx",
            ooxml_bytes("word"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "deck.pptx",
            ooxml_bytes("ppt"),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        ("kit.zip", zip_bytes(), "application/zip"),
        ("video.mp4", MP4, "video/mp4"),
    ],
)
def test_every_accepted_kind_is_stored_under_the_media_dir(
    program, media_root, name, content, content_type
):
    asset = add(program, name, content)
    asset.refresh_from_db()
    assert asset.content_type == content_type
    assert asset.size == len(content)
    assert asset.file_name == name
    path = media_root / asset.file.name
    assert path.read_bytes() == content
    assert asset.file.name.startswith(f"assets/{program.pk}/")
    assert name not in asset.file.name  # the manager's file name never becomes a path


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("setup.exe", EXE, "not accepted (.exe)"),
        ("tanpa-ekstensi", PDF, "not accepted (no extension)"),
        ("brosur.pdf", EXE, "is not PDF"),  # a program renamed
        ("logo.png", PDF, "is not PNG"),
        ("harga.xlsx", ooxml_bytes("word"), "is not XLSX"),  # a Word file renamed
        ("harga.xlsx", zip_bytes(), "is not XLSX"),
        ("kit.zip", PDF, "is not ZIP"),
        ("logo.svg", png_bytes(), "is not SVG"),
        ("logo.svg", b"<html><script>alert(1)</script></html>", "is not SVG"),
        ("logo.svg", SVG.replace(b"></svg>", b"><script>alert(1)</script></svg>"), "script"),
        ("logo.svg", SVG.replace(b"<svg ", b'<svg onload="alert(1)" '), "script"),
        ("kosong.pdf", b"", "empty"),
    ],
)
def test_a_wrong_type_is_refused_with_a_clear_message(program, media_root, name, content, words):
    with pytest.raises(Invalid) as refused:
        add(program, name, content)
    assert words in refused.value.detail
    assert refused.value.extra["errors"][0]["loc"] == ["body", "file"]
    assert not Asset.objects.exists()
    assert not (media_root / "assets").exists() or not any((media_root / "assets").rglob("*.*"))


def test_a_file_over_the_limit_is_refused_naming_both_sizes(program, settings):
    settings.TULAR_ASSET_MAX_BYTES = 1024
    content = PDF + b"%" + b"x" * 2000 + b"\n"
    with pytest.raises(Invalid) as refused:
        add(program, "besar.pdf", content)
    assert "too large" in refused.value.detail
    assert (
        "2.1\xa0KB" in refused.value.detail and "1.0\xa0KB" in refused.value.detail
    )  # the limit, as Django writes sizes
    assert not Asset.objects.exists()
    add(program, "kecil.pdf", PDF)  # under the limit: accepted


def test_the_limit_is_a_setting_in_megabytes():
    assert config.load({"TULAR_DATA_DIR": "/tmp/tular-cfg"}).asset_max_bytes == 25 * 1024 * 1024
    assert (
        config.load({"TULAR_DATA_DIR": "/tmp/tular-cfg", "TULAR_ASSET_MAX_MB": "5"}).asset_max_bytes
        == 5 * 1024 * 1024
    )
    for bad in ("0", "abc", "2000", "1.5"):
        with pytest.raises(config.ConfigError, match="TULAR_ASSET_MAX_MB"):
            config.load({"TULAR_DATA_DIR": "/tmp/tular-cfg", "TULAR_ASSET_MAX_MB": bad})


def test_a_link_must_be_https_and_not_beside_a_file(program):
    asset = asset_create(
        program=program,
        category="Video produk",
        title="Demo",
        url="https://video.example/demo",
        actor=ACTOR,
    )
    assert asset.is_link and asset.category_label == "Video produk"
    with pytest.raises(Invalid, match="https://"):
        asset_create(
            program=program, category="logo", title="Logo", url="http://x.example/a", actor=ACTOR
        )
    with pytest.raises(Invalid, match="not both"):
        asset_create(
            program=program,
            category="logo",
            title="Logo",
            url="https://x.example/a",
            upload=upload("a.pdf", PDF),
            actor=ACTOR,
        )
    with pytest.raises(Invalid, match="Upload a file or give a link"):
        asset_create(program=program, category="logo", title="Logo", actor=ACTOR)


def test_deleting_an_asset_removes_its_file(
    program, media_root, django_capture_on_commit_callbacks
):
    asset = add(program, "brosur.pdf", PDF)
    path = media_root / asset.file.name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        asset_delete(asset=asset, actor=ACTOR)
    assert not path.exists()
    assert not Asset.objects.exists()


# --- training -----------------------------------------------------------------------------


def make_module(program, **extra):
    values = {
        "title": "Dasar produk",
        "body": "Baca ini.",
        "quiz": QUIZ,
        "pass_mark": 100,
        "published": True,
        "counts_toward_tier": True,
        **extra,
    }
    return module_save(program=program, actor=ACTOR, **values)


def test_quiz_pass_and_fail(program, sinar):
    module = make_module(program)
    failed = module_complete(module=module, participant=sinar, answers={0: 1, 1: 1})
    assert not failed.passed and failed.score == 50 and failed.right == (True, False)
    assert failed.completion is None and not TrainingCompletion.objects.exists()
    passed = module_complete(module=module, participant=sinar, answers={0: 1, 1: 0})
    assert passed.passed and passed.score == 100
    assert re.fullmatch(r"TLR-[2-9A-HJKMNP-Z]{12}", passed.completion.certificate_number)
    again = module_complete(module=module, participant=sinar, answers={})
    assert again.completion.pk == passed.completion.pk  # once per module and participant
    assert TrainingCompletion.objects.count() == 1
    assert certificate_find(passed.completion.certificate_number.lower()) == passed.completion
    assert certificate_find("TLR-AAAAAAAAAAAA") is None


def test_a_pass_mark_below_full_marks(program, sinar):
    module = make_module(program, pass_mark=50)
    assert module_complete(module=module, participant=sinar, answers={0: 0, 1: 0}).passed


def test_without_a_quiz_reading_completes_and_no_certificate_when_off(program, sinar):
    module = make_module(program, quiz=[], certificate=False, counts_toward_tier=False)
    outcome = module_complete(module=module, participant=sinar)
    assert outcome.passed and outcome.score is None
    assert outcome.completion.certificate_number is None


def test_certificate_numbers_are_unique(program, sinar, cahaya):
    numbers = set()
    for index in range(10):
        module = make_module(program, title=f"Modul {index}", quiz=[])
        for partner in (sinar, cahaya):
            numbers.add(
                module_complete(module=module, participant=partner).completion.certificate_number
            )
    assert len(numbers) == 20


def test_another_programs_participant_or_a_draft_cannot_complete(program, sinar, stranger):
    module = make_module(program)
    with pytest.raises(Invalid):
        module_complete(module=module, participant=stranger, answers={0: 1, 1: 0})
    draft = make_module(program, title="Draf", published=False)
    with pytest.raises(Invalid):
        module_complete(module=draft, participant=sinar, answers={0: 1, 1: 0})


def test_module_rules(program):
    with pytest.raises(Invalid, match="certificate"):
        make_module(program, certificate=False, counts_toward_tier=True)
    with pytest.raises(Invalid, match="0 to 100"):
        make_module(program, pass_mark=101)
    with pytest.raises(Invalid, match="2 to"):
        quiz_clean([{"question": "Q?", "choices": ["a"], "answer": 0}])
    with pytest.raises(Invalid, match="right choice"):
        quiz_clean([{"question": "Q?", "choices": ["a", "b"], "answer": 2}])
    with pytest.raises(Invalid, match="https://"):
        make_module(program, video_url="javascript:alert(1)")


def test_certificates_count(program, sinar, cahaya, frozen_clock):
    counting = [make_module(program, title=f"Sertifikasi {n}", quiz=[]) for n in range(3)]
    not_counting = make_module(program, title="Pengenalan", quiz=[], counts_toward_tier=False)
    start = frozen_clock.now
    for module in counting[:2]:
        module_complete(module=module, participant=sinar)
    module_complete(module=not_counting, participant=sinar)
    module_complete(module=not_counting, participant=cahaya)
    frozen_clock.advance(days=40)
    module_complete(module=counting[2], participant=sinar)
    module_complete(module=counting[0], participant=cahaya)
    assert certificates_count(participant_ids=[sinar.pk, cahaya.pk]) == {sinar.pk: 3, cahaya.pk: 1}
    since = start + timedelta(days=30)
    assert certificates_count(participant_ids=[sinar.pk, cahaya.pk], since=since) == {
        sinar.pk: 1,
        cahaya.pk: 1,
    }
    assert (
        certificates_count(
            participant_ids=[cahaya.pk], since=frozen_clock.now + timedelta(seconds=1)
        )
        == {}
    )
    assert certificates_count(participant_ids=[]) == {}
