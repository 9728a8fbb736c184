"""What `tular up` makes sure exists: the default workspace and a first manager.

The demo is not loaded here (it sits above every app): `tular up --demo` calls
`tular.demo.loader.load_demo` with the workspace this returns.
"""

from __future__ import annotations

import os
import secrets
import threading
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from tular.core import clock
from tular.workspaces.models import Membership, Role, Workspace
from tular.workspaces.services import workspace_get_or_create

DEFAULT_WORKSPACE = "default"


class ManagerLogin:
    """The first manager's login: TULAR_ADMIN_EMAIL / TULAR_ADMIN_PASSWORD, or a generated
    password. `start_hashing()` computes the password's hash in a thread: PBKDF2 takes about
    half a second and releases the GIL, so on a new database it runs alongside the migrations."""

    def __init__(self):
        self.email = os.environ.get("TULAR_ADMIN_EMAIL") or "admin@localhost"
        given = os.environ.get("TULAR_ADMIN_PASSWORD")
        self.generated = given is None
        self.password = secrets.token_urlsafe(12) if given is None else given
        self._hash: str | None = None
        self._hashing: threading.Thread | None = None

    def start_hashing(self) -> None:
        if self._hashing is None:
            self._hashing = threading.Thread(target=self._compute, name="tular-hash", daemon=True)
            self._hashing.start()

    def _compute(self) -> None:
        self._hash = make_password(self.password)

    def password_hash(self) -> str:
        if self._hashing is None:
            self._compute()
        else:
            self._hashing.join()
        return self._hash


@dataclass
class BootstrapResult:
    workspace: Workspace
    messages: list[str] = field(default_factory=list)


def ensure_manager(result: BootstrapResult, login: ManagerLogin | None = None) -> None:
    user_model = get_user_model()
    if user_model.objects.filter(is_staff=True).exists():
        return
    login = login or ManagerLogin()
    with transaction.atomic():
        user = user_model.objects.create_superuser(
            username=login.email, email=login.email, password=None
        )
        user.password = login.password_hash()
        user.save(update_fields=["password"])
        Membership.objects.get_or_create(
            workspace=result.workspace,
            user=user,
            defaults={"role": Role.OWNER, "created_at": clock.now()},
        )
    if login.generated:
        result.messages.append(
            f"Created the first manager: {login.email} / password {login.password}  "
            "(shown only this once; change it in the console)"
        )
    else:
        result.messages.append(
            f"Created the first manager: {login.email} (password from TULAR_ADMIN_PASSWORD)"
        )


def bootstrap(*, login: ManagerLogin | None = None) -> BootstrapResult:
    """The default workspace and the first manager, each created only when missing."""
    workspace, created = workspace_get_or_create(slug=DEFAULT_WORKSPACE, name="Default")
    result = BootstrapResult(workspace=workspace)
    if created:
        result.messages.append("Created the default workspace.")
    ensure_manager(result, login)
    return result
