"""Settings pages: who sees and changes what (owner, manager, viewer, another workspace's
owner, anonymous), and what each page does."""

import io
import re

import pytest
from django.urls import reverse
from PIL import Image

from tests.console.conftest import make_member
from tular.core import clock
from tular.messaging.services import email_send
from tular.workspaces.models import ApiKey, AuditEntry, Membership, Role, Workspace
from tular.workspaces.services import api_key_create

# (URL name, owners only, managers and owners only)
PAGES = [
    ("console:settings", False, False),
    ("console:settings-team", True, True),
    ("console:settings-api-keys", True, True),
    ("console:settings-integrations", False, False),
    ("console:settings-audit", False, False),
    ("console:settings-emails", False, True),
    ("console:settings-account", False, False),
]


@pytest.mark.parametrize(("name", "owner_only", "change_only"), PAGES)
def test_each_page_for_each_role(
    name, owner_only, change_only, owner_client, manager_client, viewer_client, anonymous_client
):
    url = reverse(name)
    assert owner_client.get(url).status_code == 200
    assert manager_client.get(url).status_code == (403 if owner_only else 200)
    assert viewer_client.get(url).status_code == (403 if change_only else 200)
    response = anonymous_client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/?next=")


@pytest.mark.parametrize(
    "name",
    [
        "console:settings",
        "console:settings-integrations",
        "console:settings-team-invite",
        "console:settings-api-keys-new",
    ],
)
def test_a_viewer_and_a_manager_cannot_change_owner_settings(name, manager_client, viewer_client):
    for client in (manager_client, viewer_client):
        assert client.post(reverse(name), {"name": "Dibajak"}).status_code == 403
    assert Workspace.objects.get(slug="toko").name == "Toko Maju"


def test_the_secondary_navigation_hides_owner_pages_from_others(owner_client, viewer_client):
    owner_page = owner_client.get(reverse("console:settings")).content.decode()
    viewer_page = viewer_client.get(reverse("console:settings")).content.decode()
    assert reverse("console:settings-team") in owner_page
    assert reverse("console:settings-api-keys") in owner_page
    assert reverse("console:settings-team") not in viewer_page
    assert reverse("console:settings-api-keys") not in viewer_page
    assert reverse("console:settings-emails") not in viewer_page


# ---------------------------------------------------------------- workspace


def png(size=(8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "#0054a6").save(out, "PNG")
    return out.getvalue()


def upload(name: str, data: bytes, content_type="image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


FORM = {
    "name": "Toko Maju Jaya",
    "brand_color": "#ff6600",
    "default_language": "en",
    "time_zone": "Asia/Makassar",
}


def test_the_owner_changes_name_colour_language_zone_and_logo(owner_client, console_workspace):
    # when
    response = owner_client.post(
        reverse("console:settings"), {**FORM, "logo": upload("logo.png", png())}
    )
    # then
    assert response.status_code == 302
    workspace = Workspace.objects.get(pk=console_workspace.pk)
    assert (workspace.name, workspace.brand_color) == ("Toko Maju Jaya", "#ff6600")
    assert (workspace.default_language, workspace.time_zone) == ("en", "Asia/Makassar")
    assert workspace.logo_type == "image/png" and bytes(workspace.logo) == png()
    served = owner_client.get(reverse("console:brand-logo", args=["toko"]))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    # and it is in the audit log, the logo by type and size only
    entry = AuditEntry.objects.get(action="workspace.update")
    assert entry.after["name"] == "Toko Maju Jaya"
    assert entry.after["logo"].startswith("image/png, ")


def test_a_text_file_named_png_is_refused_beside_the_field(owner_client, console_workspace):
    # when
    response = owner_client.post(
        reverse("console:settings"), {**FORM, "logo": upload("logo.png", b"hello, not an image")}
    )
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "bukan gambar PNG, JPEG, atau WebP" in page
    assert 'id="logo-error"' in page
    workspace = Workspace.objects.get(pk=console_workspace.pk)
    assert workspace.name == "Toko Maju" and not workspace.logo
    assert not AuditEntry.objects.filter(action="workspace.update").exists()


def test_an_svg_logo_is_refused(owner_client, console_workspace):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    response = owner_client.post(
        reverse("console:settings"), {**FORM, "logo": upload("logo.svg", svg, "image/svg+xml")}
    )
    assert response.status_code == 200
    assert "SVG" in response.content.decode()
    assert not Workspace.objects.get(pk=console_workspace.pk).logo


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("brand_color", "biru", "#rrggbb"),
        ("time_zone", "Mars/Olympus", "pilihan yang valid"),
        ("default_language", "fr", "pilihan yang valid"),
        ("name", "", "tidak boleh kosong"),
    ],
)
def test_bad_values_show_beside_their_field(owner_client, field, value, message):
    response = owner_client.post(reverse("console:settings"), {**FORM, field: value})
    assert response.status_code == 200
    page = response.content.decode()
    error = re.search(rf'id="{field}-error">(.*?)</div></div>', page, re.S)
    assert error, page
    assert message.lower() in error.group(1).lower()


def test_a_viewer_sees_the_settings_read_only(viewer_client):
    page = viewer_client.get(reverse("console:settings")).content.decode()
    assert "Toko Maju" in page
    assert "disabled" in page
    assert "Hanya pemilik" in page


# ---------------------------------------------------------------- API keys


def test_an_api_key_is_shown_once(owner_client, console_workspace):
    # given
    form = owner_client.get(reverse("console:settings-api-keys")).content.decode()
    once = re.search(r'name="once" value="([^"]+)"', form).group(1)
    # when
    response = owner_client.post(
        reverse("console:settings-api-keys-new"), {"name": "server toko", "once": once}
    )
    # then the key is on this page, with a warning and a copy button
    assert response.status_code == 201
    page = response.content.decode()
    raw = re.search(r'data-copy="(tular_sk_[^"]+)"', page).group(1)
    assert "tidak akan ditampilkan lagi" in page
    assert response["Cache-Control"] == "no-store"
    key = ApiKey.objects.get(workspace=console_workspace)
    assert key.name == "server toko" and raw.startswith(key.prefix)
    # and never again: not in the list, and the same form sent again creates nothing
    assert raw not in owner_client.get(reverse("console:settings-api-keys")).content.decode()
    again = owner_client.post(
        reverse("console:settings-api-keys-new"), {"name": "server toko", "once": once}
    )
    assert again.status_code == 302
    assert ApiKey.objects.filter(workspace=console_workspace).count() == 1
    assert AuditEntry.objects.get(action="api_key.create").actor == "owner@toko.example"


def test_revoking_a_key(owner_client, console_workspace):
    key, _raw = api_key_create(workspace=console_workspace, name="lama")
    response = owner_client.post(reverse("console:settings-api-keys-revoke", args=[key.pk]))
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    page = owner_client.get(response["Location"]).content.decode()
    assert f"Kunci {key.prefix}… sudah dicabut." in page
    again = owner_client.post(reverse("console:settings-api-keys-revoke", args=[key.pk]))
    assert again.status_code == 409


def test_an_outsider_never_sees_nor_revokes_this_workspaces_keys(
    outsider_client, console_workspace, owner
):
    key, _raw = api_key_create(workspace=console_workspace, name="rahasia toko")
    assert (
        "rahasia toko"
        not in outsider_client.get(reverse("console:settings-api-keys")).content.decode()
    )
    response = outsider_client.post(reverse("console:settings-api-keys-revoke", args=[key.pk]))
    assert response.status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


# ---------------------------------------------------------------- team


def test_the_team_page_lists_members_and_the_outsider_sees_none_of_them(
    owner_client, outsider_client, manager, viewer
):
    page = owner_client.get(reverse("console:settings-team")).content.decode()
    assert "manager@toko.example" in page and "viewer@toko.example" in page
    other = outsider_client.get(reverse("console:settings-team")).content.decode()
    assert "toko.example" not in other


def test_the_last_owner_cannot_be_demoted_nor_removed(owner_client, owner, console_workspace):
    membership = Membership.objects.get(user=owner, workspace=console_workspace)
    response = owner_client.post(
        reverse("console:settings-team-role", args=[membership.pk]), {"role": "viewer"}
    )
    assert response.status_code == 409
    assert "setidaknya satu pemilik" in response.content.decode()
    response = owner_client.post(reverse("console:settings-team-remove", args=[membership.pk]))
    assert response.status_code == 409
    assert Membership.objects.get(pk=membership.pk).role == Role.OWNER


def test_the_owner_changes_a_role_and_removes_a_member(owner_client, manager, console_workspace):
    membership = Membership.objects.get(user=manager, workspace=console_workspace)
    owner_client.post(
        reverse("console:settings-team-role", args=[membership.pk]), {"role": "viewer"}
    )
    assert Membership.objects.get(pk=membership.pk).role == Role.VIEWER
    owner_client.post(reverse("console:settings-team-remove", args=[membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["member.role_set", "member.remove"]


def test_an_outsider_cannot_touch_this_workspaces_members(outsider_client, manager):
    membership = Membership.objects.get(user=manager)
    response = outsider_client.post(
        reverse("console:settings-team-role", args=[membership.pk]), {"role": "owner"}
    )
    assert response.status_code == 404
    assert Membership.objects.get(pk=membership.pk).role == Role.MANAGER


def test_an_invitation_with_a_bad_address_says_so_beside_the_field(owner_client):
    response = owner_client.post(
        reverse("console:settings-team-invite"), {"email": "bukan-alamat", "role": "manager"}
    )
    assert response.status_code == 422
    assert 'id="email-error"' in response.content.decode()


# ---------------------------------------------------------------- Stripe


@pytest.fixture
def program(console_workspace):
    from tests.helpers import PROGRAM_BODY
    from tular.api.schemas import ProgramIn
    from tular.programs.services import program_create

    return program_create(workspace=console_workspace, config=ProgramIn(**PROGRAM_BODY))


SECRET = "whsec_" + "a1B2c3D4e5F6g7H8i9J0"


def test_the_owner_connects_a_program_to_stripe_and_sees_the_webhook_url(owner_client, program):
    response = owner_client.post(
        reverse("console:settings-integrations"),
        {"program": program.slug, "signing_secret": SECRET},
        follow=True,
    )
    page = response.content.decode()
    assert re.search(r"http://testserver/integrations/stripe/[\w-]+/webhook", page)
    assert SECRET not in page
    assert AuditEntry.objects.get(action="stripe.connect").after == {"program": program.slug}


def test_a_bad_signing_secret_is_refused_beside_the_field(owner_client, program):
    response = owner_client.post(
        reverse("console:settings-integrations"),
        {"program": program.slug, "signing_secret": "sk_live_nope"},
    )
    assert response.status_code == 422
    assert 'id="signing_secret-error"' in response.content.decode()


def test_a_manager_sees_the_connections_but_cannot_connect(manager_client, program):
    assert manager_client.get(reverse("console:settings-integrations")).status_code == 200
    response = manager_client.post(
        reverse("console:settings-integrations"),
        {"program": program.slug, "signing_secret": SECRET},
    )
    assert response.status_code == 403


# ---------------------------------------------------------------- audit log


@pytest.fixture
def audit_entries(console_workspace, other_workspace, frozen_clock, owner):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tular.workspaces.branding import workspace_update
    from tular.workspaces.services import api_key_revoke

    frozen_clock.set(datetime(2026, 5, 10, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta")))
    key, _ = api_key_create(workspace=console_workspace, name="lama")
    frozen_clock.advance(days=3)
    from tular.workspaces.audit import Actor

    api_key_revoke(
        workspace=console_workspace, key_id_or_prefix=str(key.pk), actor=Actor.for_user(owner)
    )
    api_key_create(workspace=other_workspace, name="milik orang lain")
    frozen_clock.advance(days=1)
    workspace_update(workspace=console_workspace, name="Toko Maju Baru", actor=Actor.system("demo"))


def test_the_audit_log_filters_by_who_action_type_and_day(owner_client, audit_entries):
    url = reverse("console:settings-audit")
    everything = owner_client.get(url).content.decode()
    assert "api_key.create" in everything and "api_key.revoke" in everything
    assert "milik orang lain" not in everything
    by_who = owner_client.get(url, {"actor": "OWNER@toko"}).content.decode()
    assert "api_key.revoke" in by_who and "api_key.create</code>" not in by_who
    by_action = owner_client.get(url, {"action": "api_key.create"}).content.decode()
    assert "api_key.revoke" not in by_action.split("<tbody>")[1]
    by_day = owner_client.get(url, {"since": "2026-05-12", "until": "2026-05-13"}).content.decode()
    assert "api_key.revoke" in by_day.split("<tbody>")[1]
    assert "api_key.create" not in by_day.split("<tbody>")[1]
    by_type = owner_client.get(url, {"target_type": "workspaces.workspace"}).content.decode()
    assert "Toko Maju Baru" in by_type and "api_key" not in by_type.split("<tbody>")[1]
    unknown = owner_client.get(url, {"target_type": "programs.program"}).content.decode()
    assert "invalid-feedback" in unknown


def test_the_audit_log_shows_before_and_after_readably(owner_client, audit_entries):
    page = owner_client.get(reverse("console:settings-audit")).content.decode()
    assert "<dt>revoked_at</dt>" in page


def test_a_bad_date_filter_is_a_message_not_an_error(owner_client, audit_entries):
    response = owner_client.get(reverse("console:settings-audit"), {"since": "kemarin"})
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()


# ---------------------------------------------------------------- e-mails and my account


def test_the_outbox_of_this_workspace_only(manager_client, console_workspace, other_workspace):
    context = {"user_email": "a@b.example", "reset_url": "https://x.example/r", "valid_hours": 1}
    for workspace, to in (
        (console_workspace, "kita@toko.example"),
        (other_workspace, "x@lain.example"),
    ):
        email_send(
            to=to,
            kind="password_reset",
            template="password_reset",
            context=context,
            language="id",
            workspace=workspace,
        )
    page = manager_client.get(reverse("console:settings-emails")).content.decode()
    assert "kita@toko.example" in page and "x@lain.example" not in page
    assert "Atur ulang kata sandi" in page


def test_my_account_keeps_language_and_time_zone(viewer_client, viewer):
    response = viewer_client.post(
        reverse("console:settings-account"), {"language": "en", "time_zone": "Asia/Jayapura"}
    )
    assert response.status_code == 302
    viewer.preference.refresh_from_db()
    assert (viewer.preference.language, viewer.preference.time_zone) == ("en", "Asia/Jayapura")
    page = viewer_client.get(reverse("console:settings-account")).content.decode()
    assert "My account" in page


def test_the_member_since_date_shows_in_the_users_time_zone(owner_client, manager, owner):
    from tular.workspaces.accounts import preference_update

    preference_update(user=owner, time_zone="Asia/Jayapura")
    Membership.objects.filter(user=manager).update(
        created_at=clock.now().replace(year=2026, month=1, day=31, hour=20, minute=0)
    )
    page = owner_client.get(reverse("console:settings-team")).content.decode()
    assert "1 Feb 2026" in page  # 20:00 UTC is 05:00 the next day in Jayapura


def test_an_owner_of_two_workspaces_sees_only_the_current_ones_team(owner, other_workspace):
    from tests.console.conftest import client_for

    Membership.objects.create(
        workspace=other_workspace, user=owner, role=Role.OWNER, created_at=clock.now()
    )
    make_member(other_workspace, "orang@lain.example", Role.VIEWER)
    page = client_for(owner).get(reverse("console:settings-team")).content.decode()
    assert "orang@lain.example" not in page
