"""What the e-mail tests send: Sari (owner of Toko Andalan) invites Budi; Andi forgets his
password."""

from tular.messaging.services import email_send

BUDI = "budi@example.com"
ANDI = "andi@example.com"


def invite_budi(*, language="id", workspace=None):
    return email_send(
        to=BUDI,
        kind="invitation",
        template="invitation",
        language=language,
        workspace=workspace,
        context={
            "workspace_name": "Toko Andalan",
            "inviter": "Sari",
            "role_label": "manajer" if language == "id" else "manager",
            "accept_url": "https://ref.example.com/console/invitations/abc?x=1&y=2",
            "valid_days": 7,
        },
    )


def reset_andis_password(*, language="en", workspace=None):
    return email_send(
        to=ANDI,
        kind="password_reset",
        template="password_reset",
        language=language,
        workspace=workspace,
        context={
            "user_email": ANDI,
            "reset_url": "https://ref.example.com/console/reset/MQ/token",
            "valid_hours": 24,
        },
    )
