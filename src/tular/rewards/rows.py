"""One INSERT of new model rows without the ORM's statement compiler, for the writes every
tracked event makes (its rewards, their ledger transactions and entries).

Measured on a sale: `bulk_create` spent several times longer compiling the statement than the
database spent running it. The values are prepared by the fields themselves
(`pre_save` + `get_db_prep_save`, as the ORM does), so types, defaults and time zones are the
ORM's; no signal is sent (as with `bulk_create`): callers announce what the rollups need.
"""

from functools import cache

from django.db import connection


@cache
def _statement(model) -> tuple[str, tuple, str]:
    """(INSERT … VALUES, the fields given, one row's placeholders); a primary key the database
    draws (auto-increment) is left out."""
    meta = model._meta
    fields = tuple(field for field in meta.concrete_fields if not field.db_returning)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ", fields, row  # noqa: S608 - the model's own names


def insert(model, objects: list, *, returning_pk: bool = False) -> list:
    """INSERT `objects` (new instances of `model`) in one statement and mark them saved; with
    `returning_pk` the primary keys the database drew are read back in the order given
    (INSERT … RETURNING on PostgreSQL and SQLite ≥ 3.35, as `bulk_create` does)."""
    if not objects:
        return objects
    head, fields, row = _statement(model)
    params = [
        field.get_db_prep_save(field.pre_save(obj, add=True), connection)
        for obj in objects
        for field in fields
    ]
    sql = head + ", ".join([row] * len(objects))
    with connection.cursor() as cursor:
        if returning_pk:
            pk = connection.ops.quote_name(model._meta.pk.column)
            cursor.execute(f"{sql} RETURNING {pk}", params)
            for obj, (value,) in zip(objects, cursor.fetchall(), strict=True):
                obj.pk = value
        else:
            cursor.execute(sql, params)
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objects
