"""The console's asset library and training pages: upload with the type and size checks shown
beside the field, download only in the workspace, modules with a quiz typed as text, and who
completed them."""

import pytest
from django.utils import translation

from tests.console.conftest import client_for, make_member
from tests.enablement.conftest import ACTOR, EXE, PDF, png_bytes, upload
from tular.enablement.models import Asset, TrainingModule
from tular.enablement.services import asset_create, module_complete
from tular.workspaces.models import Role
from tular.workspaces.services import workspace_get_or_create


@pytest.fixture
def manager_client(workspace):
    return client_for(make_member(workspace, "manager@toko.example", Role.MANAGER))


@pytest.fixture
def viewer_client(workspace):
    return client_for(make_member(workspace, "viewer@toko.example", Role.VIEWER))


@pytest.fixture
def outsider_client(db):
    other = workspace_get_or_create(slug="lain", name="Usaha Lain")[0]
    return client_for(make_member(other, "owner@lain.example", Role.OWNER))


def post_asset(client, program, name, content, **fields):
    data = {"title": "Brosur 2026", "category": "brochure", "language": "id", **fields}
    if name:
        data["file"] = upload(name, content)
    return client.post(f"/console/partners/assets/p/{program.slug}/", data)


def test_a_manager_uploads_and_downloads_a_file(manager_client, program, media_root):
    response = post_asset(manager_client, program, "brosur.pdf", PDF)
    assert response.status_code == 302
    asset = Asset.objects.get()
    assert asset.file_name == "brosur.pdf" and asset.language == "id"
    page = manager_client.get(response.url)
    assert "Brosur 2026" in page.content.decode()
    download = manager_client.get(f"/console/partners/assets/{asset.pk}/download")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]


def test_a_wrong_type_or_a_too_large_file_is_told_beside_the_field(
    manager_client, program, settings
):
    response = post_asset(manager_client, program, "brosur.pdf", EXE)
    assert response.status_code == 422
    page = response.content.decode()
    with translation.override("id"):
        assert "bukan PDF" in page
    assert 'aria-invalid="true"' in page
    settings.TULAR_ASSET_MAX_BYTES = 1024 * 1024
    big = png_bytes() + b"\0" * (1024 * 1024)
    response = post_asset(manager_client, program, "logo.png", big)
    assert response.status_code == 422
    assert "terlalu besar" in response.content.decode()
    assert not Asset.objects.exists()


def test_a_link_in_a_category_of_ones_own(manager_client, program):
    response = post_asset(
        manager_client,
        program,
        None,
        b"",
        category="__own",
        own_category="Video produk",
        url="https://video.example/demo",
    )
    assert response.status_code == 302
    assert Asset.objects.get().category == "Video produk"
    response = post_asset(manager_client, program, None, b"", category="__own")
    assert response.status_code == 422


def test_a_viewer_reads_but_cannot_upload_or_remove(viewer_client, program):
    asset = asset_create(
        program=program,
        category="logo",
        title="Logo",
        upload=upload("logo.png", png_bytes()),
        actor=ACTOR,
    )
    assert viewer_client.get("/console/partners/assets/").status_code == 200
    assert post_asset(viewer_client, program, "brosur.pdf", PDF).status_code == 403
    assert viewer_client.post(f"/console/partners/assets/{asset.pk}/remove").status_code == 403
    assert viewer_client.get(f"/console/partners/assets/{asset.pk}/download").status_code == 200


def test_another_workspace_sees_nothing(outsider_client, program):
    asset = asset_create(
        program=program,
        category="logo",
        title="Logo",
        upload=upload("logo.png", png_bytes()),
        actor=ACTOR,
    )
    assert outsider_client.get(f"/console/partners/assets/{asset.pk}/download").status_code == 404
    assert outsider_client.post(f"/console/partners/assets/{asset.pk}/remove").status_code == 404
    assert outsider_client.get(f"/console/partners/assets/p/{program.slug}/").status_code == 404
    assert Asset.objects.exists()


def test_removing_an_asset(manager_client, program, media_root, django_capture_on_commit_callbacks):
    asset = asset_create(
        program=program,
        category="logo",
        title="Logo",
        upload=upload("logo.png", png_bytes()),
        actor=ACTOR,
    )
    path = media_root / asset.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(f"/console/partners/assets/{asset.pk}/remove")
    assert response.status_code == 302
    assert not Asset.objects.exists() and not path.exists()


QUIZ_TEXT = """Berapa hari proteksi deal?
- 30
* 90

Siapa yang menyetujui deal?
* Tim program
- Pelanggan
"""


def test_a_module_with_a_quiz_typed_as_text(manager_client, program, sinar):
    response = manager_client.post(
        f"/console/partners/training/p/{program.slug}/new",
        {
            "title": "Dasar deal",
            "body": "Daftarkan deal lebih awal.",
            "quiz": QUIZ_TEXT,
            "pass_mark": "100",
            "order": "1",
            "certificate": "on",
            "counts_toward_tier": "on",
            "published": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    module = TrainingModule.objects.get()
    assert module.quiz[0] == {
        "question": "Berapa hari proteksi deal?",
        "choices": ["30", "90"],
        "answer": 1,
    }
    assert module.counts_toward_tier and module.published
    outcome = module_complete(module=module, participant=sinar, answers={0: 1, 1: 0})
    page = manager_client.get(response.url).content.decode()
    assert outcome.completion.certificate_number in page
    assert "* 90" in page  # the quiz back as text
    listing = manager_client.get("/console/partners/training/").content.decode()
    assert "Dasar deal" in listing


def test_a_quiz_without_a_right_choice_is_told(manager_client, program):
    response = manager_client.post(
        f"/console/partners/training/p/{program.slug}/new",
        {"title": "Dasar", "quiz": "Pertanyaan?\n- a\n- b", "pass_mark": "80", "order": "0"},
    )
    assert response.status_code == 422
    assert not TrainingModule.objects.exists()
