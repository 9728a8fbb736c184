"""The partner's portal: the asset library by category with downloads only for the program's
partners, training with the quiz (fail, then pass), the certificate and its public check."""

import pytest
from django.test import Client

from tests.deals.conftest import make_partner, make_partner_program
from tests.enablement.conftest import ACTOR, PDF, SVG, upload
from tests.portal.conftest import portal_client_for
from tests.rewards.books import make_participant, make_program
from tular.enablement.models import TrainingCompletion
from tular.enablement.services import asset_create, module_save

QUIZ = [
    {"question": "Berapa hari proteksi deal?", "choices": ["30", "90"], "answer": 1},
    {
        "question": "Siapa yang menyetujui deal?",
        "choices": ["Tim program", "Pelanggan"],
        "answer": 0,
    },
]


@pytest.fixture
def library(program):
    return [
        asset_create(
            program=program,
            category="brochure",
            title="Brosur 2026",
            upload=upload("brosur.pdf", PDF),
            actor=ACTOR,
        ),
        asset_create(
            program=program,
            category="logo",
            title="Logo (SVG)",
            upload=upload("logo.svg", SVG),
            actor=ACTOR,
        ),
        asset_create(
            program=program,
            category="Video produk",
            title="Demo",
            url="https://video.example/demo",
            actor=ACTOR,
        ),
    ]


@pytest.fixture
def lesson(program):
    return module_save(
        program=program,
        title="Dasar deal",
        summary="Cara mendaftarkan deal.",
        body="Daftarkan deal lebih awal.\nLihat https://toko.example/panduan",
        quiz=QUIZ,
        pass_mark=100,
        published=True,
        counts_toward_tier=True,
        actor=ACTOR,
    )


def test_the_library_by_category_and_a_download(sinar, library):
    client = portal_client_for(sinar)
    page = client.get("/portal/p/mitra/assets")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("Brosur") < html.index("Logo") < html.index("Video produk")
    assert "https://video.example/demo" in html
    assert "/portal/p/mitra/assets" in html and "Materi" in html  # the menu entry, in Indonesian
    pdf = client.get(f"/portal/p/mitra/assets/{library[0].pk}")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content) == PDF
    svg = client.get(f"/portal/p/mitra/assets/{library[1].pk}")
    assert svg["Content-Disposition"].startswith('attachment; filename="logo.svg"')
    assert svg["Content-Type"] == "image/svg+xml" and "sandbox" in svg["Content-Security-Policy"]
    assert client.get(f"/portal/p/mitra/assets/{library[2].pk}").status_code == 404  # a link


def test_another_programs_partner_gets_404(library, lesson, workspace, stranger, sinar):
    # a partner of a program of another workspace
    client = portal_client_for(stranger)
    assert client.get(f"/portal/p/mitra/assets/{library[0].pk}").status_code == 404
    assert client.get(f"/portal/p/mitra-lain/assets/{library[0].pk}").status_code == 404
    assert client.get(f"/portal/p/mitra-lain/training/{lesson.pk}").status_code == 404
    # a partner of another program of the same workspace
    second = make_partner(make_partner_program(workspace, slug="mitra-2"), "mitra_dua", "PT Dua")
    client = portal_client_for(second)
    assert client.get(f"/portal/p/mitra-2/assets/{library[0].pk}").status_code == 404
    assert client.get(f"/portal/p/mitra/assets/{library[0].pk}").status_code == 404
    assert client.get(f"/portal/p/mitra-2/training/{lesson.pk}").status_code == 404
    assert client.get(f"/portal/p/mitra-2/training/{lesson.pk}/certificate").status_code == 404
    # nobody signed in: to the sign-in page
    anonymous = Client().get(f"/portal/p/mitra/assets/{library[0].pk}")
    assert anonymous.status_code == 302 and "/portal/sign-in" in anonymous.url


def test_a_referrer_of_a_customer_program_sees_no_enablement(workspace):
    referrer = make_participant(
        make_program(workspace, slug="ajak"), name="Andi", email="andi@example.com"
    )
    client = portal_client_for(referrer)
    assert client.get("/portal/p/ajak/assets").status_code == 404
    assert client.get("/portal/p/ajak/training").status_code == 404
    assert "/portal/p/ajak/training" not in client.get("/portal/p/ajak/").content.decode()


def test_quiz_fail_then_pass_then_certificate(sinar, lesson):
    client = portal_client_for(sinar)
    listing = client.get("/portal/p/mitra/training").content.decode()
    assert "Dasar deal" in listing and "2 pertanyaan" in listing
    page = client.get(f"/portal/p/mitra/training/{lesson.pk}").content.decode()
    assert '<a href="https://toko.example/panduan"' in page  # urlized, the text escaped
    failed = client.post(f"/portal/p/mitra/training/{lesson.pk}", {"q0": "1", "q1": "1"})
    assert failed.status_code == 422
    assert "50 %" in failed.content.decode()
    assert not TrainingCompletion.objects.exists()
    passed = client.post(f"/portal/p/mitra/training/{lesson.pk}", {"q0": "1", "q1": "0"})
    assert passed.status_code == 302
    completion = TrainingCompletion.objects.get()
    assert completion.score == 100 and completion.taken_by == "PT Sinar"
    certificate = client.get(f"/portal/p/mitra/training/{lesson.pk}/certificate")
    html = certificate.content.decode()
    assert completion.certificate_number in html and "PT Sinar" in html and "Dasar deal" in html
    verify = Client().get(f"/portal/certificates/{completion.certificate_number}")
    assert verify.status_code == 200 and "PT Sinar" in verify.content.decode()
    assert "mitra_sinar@" not in verify.content.decode()
    assert Client().get("/portal/certificates/TLR-AAAAAAAAAAAA").status_code == 404


def test_a_draft_module_is_not_shown(sinar, program):
    draft = module_save(program=program, title="Draf", actor=ACTOR)
    client = portal_client_for(sinar)
    assert "Draf" not in client.get("/portal/p/mitra/training").content.decode()
    assert client.get(f"/portal/p/mitra/training/{draft.pk}").status_code == 404


def test_reading_completes_a_module_without_quiz(sinar, program):
    lesson = module_save(
        program=program,
        title="Pengenalan",
        body="Halo.",
        certificate=False,
        published=True,
        actor=ACTOR,
    )
    client = portal_client_for(sinar)
    assert client.post(f"/portal/p/mitra/training/{lesson.pk}").status_code == 302
    completion = TrainingCompletion.objects.get()
    assert completion.certificate_number is None
    assert client.get(f"/portal/p/mitra/training/{lesson.pk}/certificate").status_code == 404
