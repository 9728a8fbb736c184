"""What `tular up` makes sure exists: the default workspace, a first manager, optional demo."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from tular.workspaces.services import workspace_get_or_create

DEFAULT_WORKSPACE = "default"


@dataclass
class BootstrapResult:
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


def bootstrap(*, demo: bool = False) -> BootstrapResult:
    result = BootstrapResult()
    workspace, created = workspace_get_or_create(slug=DEFAULT_WORKSPACE, name="Default")
    if created:
        result.messages.append("Created the default workspace.")
    ensure_manager(result)
    if demo:
        from tular.core.demo import load_demo

        result.messages.append(load_demo(workspace=workspace))
    return result
