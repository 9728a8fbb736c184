"""/api/v1/assets: multipart upload through the same checks as the console (422 problems at
["body", "file"] for a wrong type or a file too large), the list and the removal."""

import pytest

from tests.enablement.conftest import EXE, PDF, png_bytes, upload
from tests.helpers import assert_problem
from tular.enablement.models import Asset


def post(api, **data):
    return api.client.post(
        "/api/v1/assets", data=data, headers=api._headers({"Accept-Language": "en"})
    )


@pytest.fixture
def key(api, program):
    return api


def test_upload_list_and_remove(key, program, media_root, django_capture_on_commit_callbacks):
    response = post(
        key,
        program="mitra",
        category="brochure",
        title="Brosur",
        language="id",
        file=upload("brosur.pdf", PDF),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (
        body["kind"] == "file"
        and body["size"] == len(PDF)
        and body["content_type"] == "application/pdf"
    )
    assert body["program"] == "mitra" and body["file_name"] == "brosur.pdf"
    link = post(
        key, program="mitra", category="Video", title="Demo", url="https://video.example/demo"
    )
    assert link.status_code == 201 and link.json()["kind"] == "link"
    listed = key.get("/api/v1/assets?program=mitra").json()
    assert [item["title"] for item in listed["items"]] == ["Brosur", "Demo"] and listed[
        "next"
    ] is None
    asset = Asset.objects.get(pk=body["id"])
    path = media_root / asset.file.name
    with django_capture_on_commit_callbacks(execute=True):
        assert key.request("DELETE", f"/api/v1/assets/{body['id']}").status_code == 204
    assert not path.exists()
    assert_problem(key.request("DELETE", f"/api/v1/assets/{body['id']}"), 404)
    assert_problem(key.request("DELETE", "/api/v1/assets/nonsense"), 404)


def test_wrong_type_and_too_large_are_422_problems(key, program, settings):
    problem = assert_problem(
        post(key, program="mitra", category="logo", title="Logo", file=upload("logo.png", EXE)), 422
    )
    assert problem["errors"][0]["loc"] == ["body", "file"]
    assert "not PNG" in problem["errors"][0]["msg"]
    problem = assert_problem(
        post(key, program="mitra", category="logo", title="Logo", file=upload("setup.exe", EXE)),
        422,
    )
    assert "not accepted (.exe)" in problem["errors"][0]["msg"]
    settings.TULAR_ASSET_MAX_BYTES = 100
    problem = assert_problem(
        post(
            key,
            program="mitra",
            category="logo",
            title="Logo",
            file=upload("logo.png", png_bytes()),
        ),
        422,
    )
    assert "too large" in problem["errors"][0]["msg"]
    assert not Asset.objects.exists()


def test_bad_bodies_are_422(key, program):
    assert_problem(key.post("/api/v1/assets", {"program": "mitra"}), 422)  # JSON, not multipart
    assert_problem(
        post(key, program="nope", category="logo", title="Logo", url="https://x.example"), 422
    )
    assert_problem(
        post(key, program="mitra", category="logo", title="Logo\x00", url="https://x.example"), 422
    )
    assert_problem(post(key, program="mitra", category="logo", title="Logo"), 422)  # neither
    assert_problem(
        post(key, program="mitra", category="logo", title="x" * 201, url="https://x.example"), 422
    )


def test_another_workspace_sees_and_removes_nothing(key, outsider_api, program):
    created = post(
        key, program="mitra", category="logo", title="Logo", url="https://x.example/logo"
    ).json()
    assert outsider_api.get("/api/v1/assets").json()["items"] == []
    assert_problem(outsider_api.request("DELETE", f"/api/v1/assets/{created['id']}"), 404)
    assert_problem(
        post(outsider_api, program="mitra", category="logo", title="Logo", url="https://x.example"),
        422,
    )
