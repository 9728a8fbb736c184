"""Enablement personas: the reseller program `mitra` of Toko Andalan with the partners Sinar
and Cahaya, a program of another workspace with its partner, real files of every accepted
kind (made by the libraries that write them) and the media directory in the test's tmp_path."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.deals.conftest import make_partner, make_partner_program
from tular.workspaces.audit import Actor
from tular.workspaces.services import workspace_get_or_create

ACTOR = Actor.system("test")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def program(workspace):
    return make_partner_program(workspace)


@pytest.fixture
def sinar(program):
    return make_partner(program, "mitra_sinar", "PT Sinar")


@pytest.fixture
def cahaya(program):
    return make_partner(program, "mitra_cahaya", "CV Cahaya")


@pytest.fixture
def other_program(db):
    other = workspace_get_or_create(slug="pesaing", name="Pesaing")[0]
    return make_partner_program(other, slug="mitra-lain")


@pytest.fixture
def stranger(other_program):
    return make_partner(other_program, "mitra_lain", "PT Lain")


def png_bytes() -> bytes:
    import segno

    out = io.BytesIO()
    segno.make("https://toko.example").save(out, kind="png")
    return out.getvalue()


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = "Harga"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ooxml_bytes(folder: str) -> bytes:
    """A minimal Office Open XML package (the parts Word and PowerPoint files start with)."""
    main = {"word": "word/document.xml", "ppt": "ppt/presentation.xml"}[folder]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"></Types>',
        )
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr(main, '<?xml version="1.0"?><root/>')
    return out.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("logo/readme.txt", "Logo Toko Andalan")
    return out.getvalue()
