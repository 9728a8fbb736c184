"""The outbox as the console and the admin read it, and what email_send refuses."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.messaging.helpers import BUDI, invite_budi, reset_andis_password
from tular.core.errors import Invalid
from tular.messaging.models import OutboundEmail
from tular.messaging.selectors import emails_filter
from tular.messaging.services import email_send
from tular.workspaces.services import workspace_get_or_create

pytestmark = pytest.mark.django_db


def test_emails_filter_by_workspace_kind_and_status(workspace):
    # given two e-mails of Toko Andalan and one of another workspace, none sent yet
    pesaing = workspace_get_or_create(slug="pesaing", name="Pesaing")[0]
    invitation = invite_budi(workspace=workspace)
    reset = reset_andis_password(workspace=workspace)
    invite_budi(workspace=pesaing)
    OutboundEmail.objects.filter(pk=reset.pk).update(status="sent")
    # then
    assert list(emails_filter(workspace=workspace)) == [reset, invitation]  # newest first
    assert list(emails_filter(workspace=workspace, kind="invitation")) == [invitation]
    assert list(emails_filter(workspace=workspace, status="sent")) == [reset]
    assert emails_filter().count() == 3


def test_the_language_is_one_tular_speaks(db):
    assert invite_budi(language="en-US").language == "en"
    assert invite_budi(language="id-ID").language == "id"
    # an unknown language gets the default, Indonesian
    unknown = invite_budi(language="fr")
    assert unknown.language == "id"
    assert unknown.subject == "Sari mengundang Anda ke Toko Andalan di Tular"


def test_a_malformed_address_is_refused_and_nothing_is_queued(db):
    with pytest.raises(Invalid):
        email_send(
            to="budi at example.com",
            kind="invitation",
            template="invitation",
            language="id",
            context={},
        )
    assert OutboundEmail.objects.count() == 0


def test_superusers_read_the_outbox_in_the_admin_and_nobody_edits_it(db):
    # given an e-mail in the outbox
    email = invite_budi()
    User = get_user_model()
    root = User.objects.create_superuser("root", "root@example.com", "s3cret-pass-word")
    staff = User.objects.create_user("staf", "staf@example.com", "s3cret-pass-word")
    staff.is_staff = True
    staff.save()
    admin, clerk = Client(), Client()
    admin.force_login(root)
    clerk.force_login(staff)
    # then the superuser sees the list and the e-mail, read-only
    listing = admin.get("/admin/messaging/outboundemail/")
    assert listing.status_code == 200
    assert BUDI in listing.content.decode()
    detail = admin.get(f"/admin/messaging/outboundemail/{email.pk}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert admin.get("/admin/messaging/outboundemail/add/").status_code == 403
    # and other staff do not see it (it holds reset links)
    assert clerk.get("/admin/messaging/outboundemail/").status_code == 403
