"""Sign-in by e-mail address, and its brute-force guard.

A manager's username is their e-mail, matched without case. Failed sign-ins are recorded in the
database (every server process sees them): after `MAX_FAILURES_PER_ADDRESS` failures for one
address, or `MAX_FAILURES_PER_IP` from one IP, within `WINDOW`, sign-in is refused without
checking the password until the oldest failure leaves the window. A success clears the
address's failures. Old rows are pruned by the worker (workspaces/jobs.py).
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from tular.core import clock
from tular.workspaces.models import SignInFailure

MAX_FAILURES_PER_ADDRESS = 10
MAX_FAILURES_PER_IP = 50
WINDOW = timedelta(minutes=15)
KEEP = timedelta(days=1)


class EmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        users = get_user_model()._default_manager
        user = (
            users.filter(username__iexact=username.strip()).first()
            or users.filter(email__iexact=username.strip()).order_by("pk").first()
        )
        if user is None:
            users.model().set_password(password)  # same time as a real check: no user probing
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def _email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def ip_or_none(raw: str | None) -> str | None:
    """The IP address as stored (normalised), or None for a missing or malformed one."""
    try:
        return str(ipaddress.ip_address(raw)) if raw else None
    except ValueError:
        return None


def sign_in_wait_minutes(*, email: str, ip: str | None) -> int:
    """0 when this address and IP may try to sign in now; else the minutes to wait."""
    since = clock.now() - WINDOW
    recent = SignInFailure.objects.filter(at__gte=since)
    waits = []
    by_address = recent.filter(email_hash=_email_hash(email)).order_by("-at")
    oldest = list(by_address.values_list("at", flat=True)[:MAX_FAILURES_PER_ADDRESS])
    if len(oldest) >= MAX_FAILURES_PER_ADDRESS:
        waits.append(oldest[-1] + WINDOW)
    address = ip_or_none(ip)
    if address:
        by_ip = recent.filter(ip=address).order_by("-at")
        oldest = list(by_ip.values_list("at", flat=True)[:MAX_FAILURES_PER_IP])
        if len(oldest) >= MAX_FAILURES_PER_IP:
            waits.append(oldest[-1] + WINDOW)
    if not waits:
        return 0
    return max(1, math.ceil((max(waits) - clock.now()).total_seconds() / 60))


def sign_in_failed(*, email: str, ip: str | None) -> None:
    SignInFailure.objects.create(email_hash=_email_hash(email), ip=ip_or_none(ip), at=clock.now())


def sign_in_succeeded(*, email: str) -> None:
    SignInFailure.objects.filter(email_hash=_email_hash(email)).delete()


def sign_in_failures_prune() -> int:
    deleted, _ = SignInFailure.objects.filter(at__lt=clock.now() - KEEP).delete()
    return deleted
