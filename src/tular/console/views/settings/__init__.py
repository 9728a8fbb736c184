"""Console pages: settings (workspace, team, API keys, integrations, webhooks, audit log,
e-mails, my account). Each page has its module; this one gathers their URLs."""

from django.urls import path

from tular.console.views.settings import (
    account,
    audit,
    emails,
    integrations,
    keys,
    team,
    webhooks,
    workspace,
)

urlpatterns = [
    path("settings/", workspace.workspace_settings, name="settings"),
    path("settings/team/", team.team, name="settings-team"),
    path("settings/team/invite/", team.team_invite, name="settings-team-invite"),
    path("settings/team/<int:membership_id>/role/", team.team_role, name="settings-team-role"),
    path(
        "settings/team/<int:membership_id>/remove/", team.team_remove, name="settings-team-remove"
    ),
    path(
        "settings/team/invitations/<int:invitation_id>/resend/",
        team.invitation_resend_view,
        name="settings-team-resend",
    ),
    path(
        "settings/team/invitations/<int:invitation_id>/revoke/",
        team.invitation_revoke_view,
        name="settings-team-revoke",
    ),
    path("settings/api-keys/", keys.api_keys, name="settings-api-keys"),
    path("settings/api-keys/new/", keys.api_key_new, name="settings-api-keys-new"),
    path(
        "settings/api-keys/<int:key_id>/revoke/",
        keys.api_key_revoke_view,
        name="settings-api-keys-revoke",
    ),
    path("settings/integrations/", integrations.integrations, name="settings-integrations"),
    *webhooks.urlpatterns,
    path("settings/audit/", audit.audit, name="settings-audit"),
    path("settings/emails/", emails.emails, name="settings-emails"),
    path("settings/account/", account.account, name="settings-account"),
]
