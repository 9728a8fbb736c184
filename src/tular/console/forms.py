"""Console form helpers: the one-time token that makes a double submission do nothing."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django import forms
from django.db import IntegrityError, transaction

from tular.console.models import UsedFormToken
from tular.core import clock

KEEP_TOKENS = timedelta(days=2)


class OnceTokenField(forms.CharField):
    """A hidden random token; `spend_token(form, request)` claims it once, in the action's
    transaction, and returns False when the same form was already sent."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("initial", lambda: secrets.token_urlsafe(24))
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)


def spend_token(token: str | None, user) -> bool:
    """Claim the token; False if it was already used. Call inside the action's transaction:
    if the action fails, the claim rolls back with it and the form can be sent again."""
    if not token:
        return True  # a form without JavaScript's help still works; keyed services protect it
    try:
        with transaction.atomic():
            UsedFormToken.objects.create(token=token[:64], user=user, used_at=clock.now())
    except IntegrityError:
        return False
    return True


def prune_tokens() -> int:
    deleted, _ = UsedFormToken.objects.filter(used_at__lt=clock.now() - KEEP_TOKENS).delete()
    return deleted
