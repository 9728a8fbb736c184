"""JSON-safe copies of Python values, for what is stored in JSON columns."""

import json

from django.core.serializers.json import DjangoJSONEncoder


def json_safe(value):
    """The value as JSON would give it back: UUIDs, datetimes and Decimals as strings, tuples
    as lists (DjangoJSONEncoder's forms)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
