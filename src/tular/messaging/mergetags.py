"""The only tags and filters a message template may use (messaging.templating's engine has no
other builtins): `{% if %}` with its `elif`/`else`, and a few filters that change letters.
No `{% load %}`, `{% include %}` or `{% url %}`: a manager's text cannot reach anything but its
merge fields."""

from django import template
from django.template import defaultfilters, defaulttags

register = template.Library()

register.tag("if", defaulttags.do_if)
for name in ("default", "upper", "lower", "capfirst", "title"):
    register.filter(name, getattr(defaultfilters, name))

ALLOWED_TAGS = ("if", "elif", "else", "endif")
ALLOWED_FILTERS = ("default", "upper", "lower", "capfirst", "title")
