"""The workspace's logo is checked by what it is, not by its name."""

import io

import pytest
from PIL import Image

from tular.core.errors import Invalid
from tular.workspaces.branding import LOGO_MAX_BYTES, logo_check, workspace_update


def image(kind: str, size=(16, 16)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "#ff6600").save(out, kind)
    return out.getvalue()


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")],
)
def test_png_jpeg_and_webp_are_accepted(kind, content_type):
    assert logo_check(image(kind)) == content_type


@pytest.mark.parametrize(
    "data",
    [
        b"just text, named logo.png",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
        b"  <svg onload='alert(1)'/>",
        image("GIF"),
        image("PNG")[:40],  # a truncated PNG
        b"\x89PNG" + b"\x00" * (LOGO_MAX_BYTES + 1),
    ],
)
def test_anything_else_is_refused(data):
    with pytest.raises(Invalid):
        logo_check(data)


def test_a_huge_image_is_refused():
    with pytest.raises(Invalid, match="2000"):
        logo_check(image("PNG", size=(2500, 10)))


def test_a_logo_is_stored_and_removed(workspace):
    workspace_update(workspace=workspace, logo=image("PNG"))
    workspace.refresh_from_db()
    assert workspace.logo_type == "image/png"
    workspace_update(workspace=workspace, logo=None)
    workspace.refresh_from_db()
    assert not workspace.logo and workspace.logo_type == ""


def test_nothing_changes_when_one_value_is_bad(workspace):
    with pytest.raises(Invalid):
        workspace_update(workspace=workspace, name="Baru", brand_color="merah")
    workspace.refresh_from_db()
    assert workspace.name == "Toko Andalan"
