"""What `tular up` makes sure exists: the default workspace and a first manager.

The demo is not loaded here (it sits above every app): `tular up --demo` calls
`tular.demo.loader.load_demo` with the workspace this returns.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from tular.workspaces.models import Workspace
from tular.workspaces.services import workspace_get_or_create

DEFAULT_WORKSPACE = "default"


@dataclass
class BootstrapResult:
    workspace: Workspace
    messages: list[str] = field(default_factory=list)


def ensure_manager(result: BootstrapResult) -> None:
    user_model = get_user_model()
    if user_model.objects.filter(is_staff=True).exists():
        return
    email = os.environ.get("TULAR_ADMIN_EMAIL") or "admin@localhost"
    password = os.environ.get("TULAR_ADMIN_PASSWORD")
    generated = password is None
    if generated:
        password = secrets.token_urlsafe(12)
    with transaction.atomic():
        user_model.objects.create_superuser(username=email, email=email, password=password)
    if generated:
        result.messages.append(
            f"Created the first manager: {email} / password {password}  "
            "(shown only this once; change it in the console)"
        )
    else:
        result.messages.append(
            f"Created the first manager: {email} (password from TULAR_ADMIN_PASSWORD)"
        )


def bootstrap() -> BootstrapResult:
    """The default workspace and the first manager, each created only when missing."""
    workspace, created = workspace_get_or_create(slug=DEFAULT_WORKSPACE, name="Default")
    result = BootstrapResult(workspace=workspace)
    if created:
        result.messages.append("Created the default workspace.")
    ensure_manager(result)
    return result
