"""The console's "Message templates" tab and "Send an ask": Sari (manager) rewrites a message,
sees the preview and the error of a text that does not render, resets it; a viewer reads only;
an ask goes to a participant from their page."""

import pytest

from tests.console.conftest import client_for, make_member
from tular.messaging.models import MessageTemplate, OutboundEmail
from tular.workspaces.models import AuditEntry, Role

LIST = "/console/programs/pelanggan/messages/"
LOST_ID = "/console/programs/pelanggan/messages/pipeline.lost/?language=id"


@pytest.fixture
def sari(workspace, program):
    user = make_member(workspace, "sari@toko.example", Role.MANAGER)
    user.first_name, user.last_name = "Sari", "Wulandari"
    user.save()
    return client_for(user)


@pytest.fixture
def viewer(workspace, program):
    return client_for(make_member(workspace, "vina@toko.example", Role.VIEWER))


def test_the_tab_lists_every_group_and_message(sari):
    response = sari.get(LIST)
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "Templat pesan",
        "Kabar pipeline untuk perujuk",
        "Ajakan untuk mereferensikan",
        "Skrip jasa profesional",
        "Ajakan dengan kode promo",
        "Satu kalimat untuk disalin",
        "pipeline.quiet",
    ):
        assert text in page
    assert page.count("bawaan</span>") == 42  # 21 messages in 2 languages, none rewritten


def test_a_message_page_previews_the_default_with_sample_data(sari):
    response = sari.get(LOST_ID)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Pratinjau dengan data contoh" in page
    assert "Tentang referral Anda untuk Budi Santoso" in page  # the sample lead
    assert "Alasannya: Anggaran mereka untuk tahun ini sudah habis." in page
    assert "{{ reason }}" in page  # the merge fields, listed


def test_saving_a_text_that_does_not_render_shows_the_error_and_saves_nothing(sari):
    response = sari.post(
        LOST_ID,
        {
            "language": "id",
            "action": "save",
            "subject": "Soal {{ lead_name }}",
            "body": "{{ alasan }}",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "{{ alasan }} bukan kolom gabungan pesan ini" in page
    assert not MessageTemplate.objects.exists()


def test_live_preview_saving_and_reset(sari, workspace):
    body = "Maaf, {{ lead_name }} belum cocok.{% if reason %} Alasannya: {{ reason }}{% endif %}"
    preview = sari.post(
        LOST_ID,
        {"language": "id", "subject": "Soal {{ lead_name }}", "body": body},
        headers={"HX-Request": "true"},
    )
    assert preview.status_code == 200
    assert 'id="message-preview"' in preview.content.decode()
    assert "Maaf, Budi Santoso belum cocok. Alasannya:" in preview.content.decode()
    assert not MessageTemplate.objects.exists()  # a preview saves nothing

    saved = sari.post(
        LOST_ID,
        {"language": "id", "action": "save", "subject": "Soal {{ lead_name }}", "body": body},
    )
    assert saved.status_code == 302
    [row] = MessageTemplate.objects.all()
    assert (row.key, row.language, row.subject, row.updated_by) == (
        "pipeline.lost",
        "id",
        "Soal {{ lead_name }}",
        "sari@toko.example",
    )
    assert AuditEntry.objects.filter(action="program.message_template").count() == 1
    assert "ditulis ulang untuk program ini" in sari.get(LOST_ID).content.decode()

    reset = sari.post(LOST_ID, {"language": "id", "action": "reset"})
    assert reset.status_code == 302
    assert not MessageTemplate.objects.exists()


def test_a_viewer_reads_but_cannot_save(viewer):
    page = viewer.get(LOST_ID)
    assert page.status_code == 200
    assert "Kembalikan ke bawaan" not in page.content.decode()
    refused = viewer.post(
        LOST_ID, {"language": "id", "action": "save", "subject": "x", "body": "y"}
    )
    assert refused.status_code == 403
    assert not MessageTemplate.objects.exists()


def test_an_unknown_message_is_404(sari):
    assert sari.get("/console/programs/pelanggan/messages/nope/").status_code == 404


def test_send_an_ask_from_a_participants_page(
    sari, participant, smtp, django_capture_on_commit_callbacks
):
    url = f"/console/participants/{participant['id']}/ask/"
    detail = sari.get(f"/console/participants/{participant['id']}/")
    assert url in detail.content.decode()

    preview = sari.get(url, {"key": "ask.long_time_customer"})
    assert preview.status_code == 200
    assert "Terima kasih telah bersama Toko Andalan selama ini" in preview.content.decode()
    assert "Sari Wulandari" in preview.content.decode()  # signed by the sender

    with django_capture_on_commit_callbacks(execute=True):
        sent = sari.post(url, {"key": "ask.long_time_customer", "action": "send"})
    assert sent.status_code == 302
    [received] = smtp.received
    assert received.subject == "Terima kasih telah bersama Toko Andalan selama ini"
    email = OutboundEmail.objects.get()
    assert (email.kind, email.category, email.template_source) == (
        "ask.long_time_customer",
        "marketing",
        "default",
    )

    refused = sari.post(url, {"key": "script.specific_ask", "action": "send"})
    assert refused.status_code == 422
    assert "[kurung siku]" in refused.content.decode()
