"""One INSERT of new model rows without the ORM's statement compiler, for the writes every
tracked event makes (its rewards, their ledger transactions and entries).

Measured on a sale: `bulk_create` spent several times longer compiling the statement than the
database spent running it. The values are prepared by the fields themselves
(`pre_save` + `get_db_prep_save`, as the ORM does), so types, defaults and time zones are the
ORM's; no signal is sent (as with `bulk_create`): callers announce what the rollups need.
"""

from datetime import datetime
from functools import cache
from types import SimpleNamespace
from uuid import UUID

from django.db import connection, models

# Fields whose value goes to the database as it is (the ORM's own preparation only checks the
# type: `to_python` of a str or an int); exact classes, so a subclass keeps the ORM's way.
_AS_IS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.BooleanField,
)
_PLAIN = (str, int, bool)


def _preparer(field):
    """value → database value as `field.get_db_prep_save(field.pre_save(obj, add=True))`
    gives it, by a shorter way for the common exact field classes and plain values (measured:
    the ORM's preparation was half of a grant's INSERTs), else by the ORM."""
    attname = field.attname

    def general(obj):
        return field.get_db_prep_save(field.pre_save(obj, add=True), connection)

    kind = type(field)
    if isinstance(field, models.ForeignKey):
        kind = type(field.target_field)
        if kind is models.AutoField or kind is models.BigAutoField:
            kind = models.IntegerField
    if kind in _AS_IS:
        text = kind is models.CharField or kind is models.TextField

        def as_is(obj):
            value = getattr(obj, attname)
            if value is None or type(value) in _PLAIN or (text and isinstance(value, str)):
                return value  # a str enum (a status) too: `to_python` keeps it, as the ORM does
            return general(obj)

        return as_is
    if kind is models.UUIDField and field.pre_save.__func__ is models.Field.pre_save:
        native = connection.features.has_native_uuid_field

        def uuid_value(obj):
            value = getattr(obj, attname)
            if type(value) is UUID:
                return value if native else value.hex
            return None if value is None else general(obj)

        return uuid_value
    if kind is models.DateTimeField and not (field.auto_now or field.auto_now_add):
        adapt = connection.ops.adapt_datetimefield_value

        def moment(obj):
            value = getattr(obj, attname)
            if type(value) is datetime and value.tzinfo is not None:
                return adapt(value)
            return None if value is None else general(obj)

        return moment
    return general


@cache
def _statement(model, vendor: str) -> tuple[str, tuple, str]:
    """(INSERT … VALUES, one preparer per field given, one row's placeholders); a primary key
    the database draws (auto-increment) is left out."""
    meta = model._meta
    fields = tuple(field for field in meta.concrete_fields if not field.db_returning)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    preparers = tuple(_preparer(field) for field in fields)
    return f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ", preparers, row  # noqa: S608 - the model's own names


class Values(SimpleNamespace):
    """A row to insert given by its columns' attribute names (`transaction_id`, not
    `transaction`), for rows nobody reads back as model instances: building a model instance
    cost more than preparing its values (a grant's ledger rows)."""


def insert(model, objects: list, *, returning_pk: bool = False) -> list:
    """INSERT `objects` (new instances of `model`, or `Values` with every field's attname but
    a drawn primary key's) in one statement and mark the instances saved; with `returning_pk`
    the primary keys the database drew are read back in the order given (INSERT … RETURNING
    on PostgreSQL and SQLite ≥ 3.35, as `bulk_create` does) and set on each object."""
    if not objects:
        return objects
    head, preparers, row = _statement(model, connection.vendor)
    params = [prepare(obj) for obj in objects for prepare in preparers]
    sql = head + ", ".join([row] * len(objects))
    with connection.cursor() as cursor:
        if returning_pk:
            pk = model._meta.pk
            cursor.execute(f"{sql} RETURNING {connection.ops.quote_name(pk.column)}", params)
            for obj, (value,) in zip(objects, cursor.fetchall(), strict=True):
                setattr(obj, pk.attname, value)
        else:
            cursor.execute(sql, params)
    for obj in objects:
        state = getattr(obj, "_state", None)
        if state is not None:
            state.adding = False
            state.db = connection.alias
    return objects
