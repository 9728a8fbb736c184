"""The hot read of track/sale as one hand-written statement, with the ORM's own converters.

`referral_of_customer` is `Referral.objects.select_related("program", "participant",
"friend").filter(workspace=..., customer_external_id=...)[:1]`: the same join, the same model
instances (built with `Model.from_db`, the related objects cached on the referral as
select_related caches them), the same values (each column passes through the converters the
ORM would apply: UUIDs, times, JSON). Compiling that queryset took about a quarter of a sale's
CPU (bench/track_micro.py --profile); the statement and the converters are built once per
database vendor here.
"""

from __future__ import annotations

import functools

from django.db import connection

from tular.participants.models import Participant
from tular.programs.models import Program
from tular.referrals.models import Referral

# (alias, model, the field of Referral that holds it); None: the referral itself.
_PARTS = (
    ("r", Referral, None),
    ("p", Program, Referral._meta.get_field("program")),
    ("a", Participant, Referral._meta.get_field("participant")),
    ("f", Participant, Referral._meta.get_field("friend")),
)


@functools.cache
def _plan(vendor: str):
    """(sql, [(model, field of Referral, attnames, start, end, converters by position)])."""
    quote = connection.ops.quote_name
    columns, parts, start = [], [], 0
    for alias, model, relation in _PARTS:
        fields = model._meta.concrete_fields
        converters = []
        for offset, field in enumerate(fields):
            columns.append(f"{alias}.{quote(field.column)}")
            col = field.get_col(alias)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if found:
                converters.append((start + offset, found, col))
        end = start + len(fields)
        parts.append((model, relation, [f.attname for f in fields], start, end, converters))
        start = end

    def table(model) -> str:
        return quote(model._meta.db_table)

    field = Referral._meta.get_field
    sql = (
        f"SELECT {', '.join(columns)} FROM {table(Referral)} r "  # noqa: S608 - the models' own tables
        f"INNER JOIN {table(Program)} p ON p.id = r.{quote(field('program').column)} "
        f"INNER JOIN {table(Participant)} a ON a.id = r.{quote(field('participant').column)} "
        f"LEFT OUTER JOIN {table(Participant)} f ON f.id = r.{quote(field('friend').column)} "
        f"WHERE r.{quote(field('workspace').column)} = %s "
        f"AND r.{quote(field('customer_external_id').column)} = %s LIMIT 1"
    )
    return sql, parts


def referral_of_customer(*, workspace_id: int, customer_external_id: str) -> Referral | None:
    """The customer's referral with its program, referrer and friend, or None."""
    sql, parts = _plan(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [workspace_id, customer_external_id])
        rows = cursor.fetchall()
    if not rows:
        return None
    row = list(rows[0])
    db = connection.alias
    referral = None
    for model, relation, attnames, start, end, converters in parts:
        for position, found, col in converters:
            value = row[position]
            for converter in found:
                value = converter(value, col, connection)
            row[position] = value
        if relation is None:
            referral = model.from_db(db, attnames, row[start:end])
            continue
        values = row[start:end]
        related = None if values[0] is None else model.from_db(db, attnames, values)
        relation.set_cached_value(referral, related)
    return referral
