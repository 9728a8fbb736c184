"""Closing the loop: Andi (Indonesian) and Emma (English) refer leads to Toko Andalan; every
step of a lead queues the program's message for that step in the referrer's language, with
the template and the lead recorded on the outbox row; a lead that sits still sends one
progress note per quiet period."""

from datetime import timedelta

import pytest

from tests.helpers import PARTICIPANT_BODY, in_parallel, needs_parallel_connections
from tests.messaging.conftest import smtp, smtp_down, tasks_run_at_once  # noqa: F401 - fixtures
from tular.messaging.models import OutboundEmail
from tular.messaging.templating import template_save
from tular.participants.models import Participant
from tular.programs.models import Program
from tular.referrals.models import Referral, ReferralChange
from tular.referrals.notify import case_study_referral, quiet_notes_send, referral_notify

EMMA = {**PARTICIPANT_BODY, "external_id": "cust_43", "email": "emma@example.com"}


@pytest.fixture
def andi(participant):
    return Participant.objects.select_related("program", "workspace").get(pk=participant["id"])


@pytest.fixture
def emma(api, program):
    response = api.post("/api/v1/participants", {**EMMA, "name": "Emma", "locale": "en"})
    assert response.status_code == 201, response.content
    return Participant.objects.select_related("program", "workspace").get(pk=response.json()["id"])


def lead_of(referrer, *, status="submitted", name="Citra", company="PT Maju", at=None):
    """A lead in `status` written as the pipeline writes it: the row and its change."""
    from tular.core import clock

    at = at or clock.now()
    referral = Referral.objects.create(
        workspace=referrer.workspace,
        program=referrer.program,
        participant=referrer,
        email="citra@ptmaju.co.id",
        name=name,
        company=company,
        status=status,
        status_changed_at=at,
        created_at=at,
    )
    return referral


def change_of(referral, to_status, *, from_status="", reason="", reopened=False):
    from tular.core import clock

    return ReferralChange.objects.create(
        referral=referral,
        from_status=from_status,
        to_status=to_status,
        at=clock.now(),
        actor="Sari",
        reason=reason,
        reopened=reopened,
    )


def only_email(**filters) -> OutboundEmail:
    [email] = OutboundEmail.objects.filter(**filters)
    return email


def test_a_submitted_lead_thanks_andi_in_indonesian_with_the_template_recorded(andi, frozen_clock):
    referral = lead_of(andi)
    referral_notify(referral=referral, change=change_of(referral, "submitted"))

    email = only_email(referral=referral)
    assert (email.to, email.kind, email.language) == (
        "andi@example.com",
        "pipeline.submitted",
        "id",
    )
    assert (email.template_key, email.template_source) == ("pipeline.submitted", "default")
    assert email.category == "pipeline"
    assert email.status == "queued"
    assert email.subject == "Terima kasih, referral Anda untuk Citra sudah kami terima"
    assert email.body_text.startswith(
        "Halo Andi,\n\nTerima kasih telah mereferensikan Citra dari PT Maju"
    )
    assert "Kami akan meninjau referral ini dalam 24 jam" in email.body_text
    assert "/portal/p/pelanggan/" in email.body_text
    assert (
        email.unsubscribe_url.startswith("http") and "/portal/unsubscribe/" in email.unsubscribe_url
    )
    assert "Berhenti menerima e-mail ini" in email.body_text
    assert "Citra" in email.body_html and "<p" in email.body_html
    referral.refresh_from_db()
    assert referral.referrer_notified_at == frozen_clock.now


def test_an_english_referrer_reads_english(emma, frozen_clock):
    referral = lead_of(emma, name="Dewi", company="")
    referral_notify(referral=referral, change=change_of(referral, "submitted"))

    email = only_email(referral=referral)
    assert (email.language, email.kind) == ("en", "pipeline.submitted")
    assert email.subject == "Thank you: we received your referral of Dewi"
    assert email.body_text.startswith(
        "Hello Emma,\n\nThank you for referring Dewi to Toko Andalan."
    )
    assert "We'll review it within 24 hours" in email.body_text


@pytest.mark.parametrize(
    ("status", "subject"),
    [
        ("acknowledged", "Referral Anda untuk Citra sedang kami tangani"),
        ("contacted", "Kami sudah menghubungi Citra"),
        ("qualified", "Kabar baik: Citra kini menjadi prospek yang memenuhi syarat"),
        ("proposal", "Kami sudah mengirim penawaran kepada Citra"),
        ("dark", "Kabar tentang Citra: kami belum mendapat balasan"),
    ],
)
def test_each_step_picks_its_own_message(andi, frozen_clock, status, subject):
    referral = lead_of(andi, status=status)
    referral_notify(referral=referral, change=change_of(referral, status))
    email = only_email(referral=referral)
    assert (email.kind, email.template_key, email.subject) == (f"pipeline.{status}",) * 2 + (
        subject,
    )


def test_lost_says_the_reason(andi, frozen_clock):
    referral = lead_of(andi, status="lost")
    change = change_of(referral, "lost", from_status="contacted", reason="Belum ada anggaran.")
    referral_notify(referral=referral, change=change)
    email = only_email(referral=referral)
    assert email.kind == "pipeline.lost"
    assert "Yang ini tidak cukup tepat" in email.body_text
    assert "Alasannya: Belum ada anggaran." in email.body_text


def test_a_reopened_lead_says_so_whatever_its_new_status(andi, frozen_clock):
    referral = lead_of(andi, status="contacted")
    change = change_of(referral, "contacted", from_status="dark", reopened=True)
    referral_notify(referral=referral, change=change)
    email = only_email(referral=referral)
    assert email.kind == "pipeline.reopened"
    assert "Status sekarang: dihubungi." in email.body_text or "Status sekarang:" in email.body_text


def test_the_programs_own_text_wins_and_is_recorded_as_an_override(andi, frozen_clock):
    template_save(
        program=andi.program,
        key="pipeline.submitted",
        language="id",
        subject="Makasih, {{ referrer_name }}!",
        body="{{ lead_name }} sudah masuk. Kami balas dalam {{ acknowledge_hours }} jam.",
    )
    referral = lead_of(andi)
    referral_notify(referral=referral, change=change_of(referral, "submitted"))
    email = only_email(referral=referral)
    assert email.template_source == "override"
    assert email.subject == "Makasih, Andi!"
    assert email.body_text.startswith("Citra sudah masuk. Kami balas dalam 24 jam.\n")


def test_won_through_the_pipeline_names_the_reward_when_and_asks_for_a_case_study(
    api, andi, frozen_clock
):
    body = {
        "program": "pelanggan",
        "referrer_external_id": "cust_42",
        "lead": {"name": "Citra", "email": "citra@ptmaju.co.id", "company": "PT Maju"},
    }
    response = api.post("/api/v1/referrals", body)
    assert response.status_code == 201, response.content
    lead = response.json()
    for status in ("acknowledged", "contacted", "qualified", "won"):
        response = api.request("PATCH", f"/api/v1/referrals/{lead['id']}", {"status": status})
        assert response.status_code == 200, response.content

    kinds = list(
        OutboundEmail.objects.filter(referral_id=lead["id"])
        .order_by("created_at", "pk")
        .values_list("kind", flat=True)
    )
    assert kinds == [
        "pipeline.submitted",
        "pipeline.acknowledged",
        "pipeline.contacted",
        "pipeline.qualified",
        "pipeline.won",
    ]
    qualified = only_email(referral_id=lead["id"], kind="pipeline.qualified")
    assert "Untuk itu Anda mendapat Akses beta." in qualified.body_text
    won = only_email(referral_id=lead["id"], kind="pipeline.won")
    assert won.subject == "Citra kini menjadi klien kami. Terima kasih!"
    assert "Hadiah Anda: Rp7.500.000." in won.body_text
    # the program holds rewards 14 days (from 17 May): the portal's "expected" in words
    assert (
        "Hadiah ini dikonfirmasi saat masa tunggunya berakhir pada 31 Mei 2026, lalu dibayar "
        "pada pembayaran berikutnya." in won.body_text
    )
    [link] = [
        line.split(": ", 1)[1] for line in won.body_text.splitlines() if "studi kasus" in line
    ]
    referral = Referral.objects.get(pk=lead["id"])
    assert referral.case_study == "asked"
    token = link.rsplit("/", 1)[1]
    assert case_study_referral(token=token) == referral
    assert case_study_referral(token=token + "x") is None


def test_no_case_study_link_when_the_program_does_not_ask(andi, frozen_clock):
    Program.objects.filter(pk=andi.program_id).update(ask_case_study=False)
    andi.program.refresh_from_db()
    referral = lead_of(andi, status="won")
    referral_notify(referral=referral, change=change_of(referral, "won", from_status="proposal"))
    email = only_email(referral=referral)
    assert "studi kasus" not in email.body_text
    referral.refresh_from_db()
    assert referral.case_study == ""


# ---------------------------------------------------------------- the quiet job


def test_a_lead_that_sits_still_gets_one_progress_note_per_quiet_period(andi, frozen_clock):
    start = frozen_clock.now
    referral = lead_of(andi, status="contacted", at=start)
    Referral.objects.filter(pk=referral.pk).update(referrer_notified_at=start)
    closed = lead_of(andi, status="won", name="Wati", at=start)

    frozen_clock.set(start + timedelta(days=13, hours=23))
    assert quiet_notes_send() == 0

    frozen_clock.set(start + timedelta(days=14, hours=1))
    assert quiet_notes_send() == 1
    assert quiet_notes_send() == 0  # the same run again: nothing more
    note = only_email(referral=referral)
    assert (note.kind, note.template_key, note.language) == ("pipeline.quiet",) * 2 + ("id",)
    assert note.subject == "Kabar singkat tentang Citra"
    assert 'masih berstatus "dihubungi"' in note.body_text
    referral.refresh_from_db()
    assert referral.referrer_notified_at == frozen_clock.now

    frozen_clock.advance(days=13)
    assert quiet_notes_send() == 0
    frozen_clock.advance(days=2)
    assert quiet_notes_send() == 1
    assert OutboundEmail.objects.filter(referral=referral, kind="pipeline.quiet").count() == 2
    assert not OutboundEmail.objects.filter(referral=closed).exists()


def test_a_recent_step_or_a_recent_note_keeps_the_job_quiet(andi, frozen_clock):
    start = frozen_clock.now
    moved_lately = lead_of(andi, status="qualified", at=start - timedelta(days=2))
    told_lately = lead_of(andi, status="proposal", name="Wati", at=start - timedelta(days=30))
    Referral.objects.filter(pk=moved_lately.pk).update(
        referrer_notified_at=start - timedelta(days=40)
    )
    Referral.objects.filter(pk=told_lately.pk).update(
        referrer_notified_at=start - timedelta(days=3)
    )
    assert quiet_notes_send() == 0


def test_a_quiet_limit_of_zero_sends_no_notes(andi, frozen_clock):
    Program.objects.filter(pk=andi.program_id).update(quiet_days=0)
    lead_of(andi, status="contacted", at=frozen_clock.now - timedelta(days=100))
    assert quiet_notes_send() == 0


@needs_parallel_connections[0]
@needs_parallel_connections[1]
def test_four_workers_running_the_job_at_once_send_one_note(andi):
    from tular.core import clock

    workers = 4
    start = clock.now()
    referral = lead_of(andi, status="contacted", at=start - timedelta(days=20))
    results, errors = in_parallel(workers, quiet_notes_send)
    assert errors == [None] * workers
    assert sum(results) == 1
    assert OutboundEmail.objects.filter(referral=referral, kind="pipeline.quiet").count() == 1


# ---------------------------------------------------------------- the case-study page


def test_the_case_study_page_asks_on_get_and_records_the_answer_on_post(andi, frozen_clock):
    from django.test import Client

    from tular.referrals.notify import case_study_token

    referral = lead_of(andi, status="won")
    Referral.objects.filter(pk=referral.pk).update(case_study="asked")
    url = f"/portal/case-study/{case_study_token(referral=referral)}"
    client = Client()

    page = client.get(url)
    assert page.status_code == 200
    assert "Bolehkah kami menceritakan kisah ini?" in page.content.decode()
    assert "Citra menjadi klien Toko Andalan berkat referral Anda" in page.content.decode()
    referral.refresh_from_db()
    assert referral.case_study == "asked"  # opening the link (a mail scanner) changes nothing

    answered = client.post(url, {"answer": "yes"})
    assert answered.status_code == 200
    assert "Terima kasih: kami akan menghubungi Anda" in answered.content.decode()
    referral.refresh_from_db()
    assert referral.case_study == "agreed"

    client.post(url, {"answer": "no"})
    referral.refresh_from_db()
    assert referral.case_study == "declined"

    assert client.post(url, {"answer": "maybe"}).status_code == 400
    assert client.get(url + "x").status_code == 404


def test_a_case_study_answer_for_a_lead_that_is_not_won_is_refused(andi, frozen_clock):
    from django.test import Client

    from tular.referrals.notify import case_study_token

    referral = lead_of(andi, status="contacted")
    url = f"/portal/case-study/{case_study_token(referral=referral)}"
    assert Client().post(url, {"answer": "yes"}).status_code == 409
    referral.refresh_from_db()
    assert referral.case_study == ""


def test_every_step_reaches_the_referrer_over_real_smtp_in_indonesian(
    api,
    andi,
    smtp,  # noqa: F811 - the fixture imported above
    frozen_clock,
    django_capture_on_commit_callbacks,
):
    body = {
        "program": "pelanggan",
        "referrer_external_id": "cust_42",
        "lead": {"name": "Citra", "email": "citra@ptmaju.co.id", "company": "PT Maju"},
    }
    with django_capture_on_commit_callbacks(execute=True):
        lead = api.post("/api/v1/referrals", body).json()
    steps = [
        {"status": "acknowledged"},
        {"status": "contacted"},
        {"status": "qualified"},
        {"status": "proposal"},
        {"status": "lost", "reason": "Anggaran belum ada."},
        {"status": "contacted", "reopen": True, "reason": "Mereka menghubungi lagi."},
        {"status": "dark"},
    ]
    for step in steps:
        frozen_clock.advance(hours=1)
        with django_capture_on_commit_callbacks(execute=True):
            response = api.request("PATCH", f"/api/v1/referrals/{lead['id']}", step)
        assert response.status_code == 200, response.content

    assert [m.subject for m in smtp.received] == [
        "Terima kasih, referral Anda untuk Citra sudah kami terima",
        "Referral Anda untuk Citra sedang kami tangani",
        "Kami sudah menghubungi Citra",
        "Kabar baik: Citra kini menjadi prospek yang memenuhi syarat",
        "Kami sudah mengirim penawaran kepada Citra",
        "Tentang referral Anda untuk Citra",
        "Referral Anda untuk Citra kami buka kembali",
        "Kabar tentang Citra: kami belum mendapat balasan",
    ]
    for received in smtp.received:
        assert received.rcpt_tos == ["andi@example.com"]
        assert received.message["Content-Language"] == "id"
        assert received.message["List-Unsubscribe"].startswith("<http")
        assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert received.text.startswith("Halo Andi,")
    lost, reopened = smtp.received[5], smtp.received[6]
    assert "Alasannya: Anggaran belum ada." in lost.text
    assert "Catatan: Mereka menghubungi lagi." in reopened.text
    assert "Saya menghubungi Citra beberapa kali" in smtp.received[7].text
    sent = OutboundEmail.objects.filter(referral_id=lead["id"], status="sent").count()
    assert sent == 8
