"""Domain errors that the API turns into RFC 9457 problems (and the CLI into one line)."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    type_slug = "bad-request"
    title = _("Bad request")

    def __init__(self, detail: str, **extra):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class Invalid(DomainError):
    """Well-formed input that breaks a rule: 422 with the offending location."""

    status = 422
    type_slug = "validation-error"
    title = _("Your request is not valid")

    def __init__(self, loc: list, msg: str):
        super().__init__(msg, errors=[{"loc": ["body", *loc], "msg": msg}])


class NotFound(DomainError):
    status = 404
    type_slug = "not-found"
    title = _("Not found")


class Conflict(DomainError):
    status = 409
    type_slug = "conflict"
    title = _("Conflict")


class FieldConflict(Conflict):
    """A value another object holds, or that can no longer change (409), naming the field so
    a form can show it beside that field."""

    def __init__(self, detail: str, *, field: str):
        super().__init__(detail)
        self.field = field


class Forbidden(DomainError):
    status = 403
    type_slug = "forbidden"
    title = _("Forbidden")
