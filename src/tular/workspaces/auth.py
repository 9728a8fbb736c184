"""Sign-in by e-mail address: a manager's username is their e-mail, matched without case."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


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
