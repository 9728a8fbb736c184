"""Every TULAR_EMAIL_URL the README lists gives Django 6.1's default mailer something that
works: the file backend (the default, under the data dir) and the console."""

import pytest

from tests.messaging.helpers import BUDI, invite_budi
from tular.config import load
from tular.messaging.models import OutboundEmail

pytestmark = pytest.mark.django_db


def send_invitation(django_capture_on_commit_callbacks) -> OutboundEmail:
    with django_capture_on_commit_callbacks(execute=True):
        email = invite_budi()
    return OutboundEmail.objects.get(pk=email.pk)


def test_by_default_the_email_is_written_to_a_file_under_the_data_dir(
    settings, tmp_path, tasks_run_at_once, django_capture_on_commit_callbacks
):
    # given no TULAR_EMAIL_URL
    config = load({"TULAR_DATA_DIR": str(tmp_path / "data")})
    settings.MAILERS = {"default": config.email}
    # when
    email = send_invitation(django_capture_on_commit_callbacks)
    # then
    assert email.status == "sent"
    [written] = (tmp_path / "data" / "mail").iterdir()
    content = written.read_text()
    assert f"To: {BUDI}" in content
    assert "Subject: Sari mengundang Anda ke Toko Andalan di Tular" in content


def test_a_file_url_writes_where_it_says(
    settings, tmp_path, tasks_run_at_once, django_capture_on_commit_callbacks
):
    config = load(
        {"TULAR_DATA_DIR": str(tmp_path / "data"), "TULAR_EMAIL_URL": f"file://{tmp_path}/out"}
    )
    settings.MAILERS = {"default": config.email}
    send_invitation(django_capture_on_commit_callbacks)
    assert len(list((tmp_path / "out").iterdir())) == 1


def test_the_console_url_prints_the_email(
    settings, tmp_path, capsys, tasks_run_at_once, django_capture_on_commit_callbacks
):
    config = load({"TULAR_DATA_DIR": str(tmp_path / "data"), "TULAR_EMAIL_URL": "console:"})
    settings.MAILERS = {"default": config.email}
    email = send_invitation(django_capture_on_commit_callbacks)
    assert email.status == "sent"
    assert f"To: {BUDI}" in capsys.readouterr().out
