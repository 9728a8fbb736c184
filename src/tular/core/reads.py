"""Hot reads by a unique key as hand-written statements, with the ORM's own converters.

`JoinedRead` is `Model.objects.select_related(...).filter(a=..., b=...)[:1]` written once per
database vendor: the same join, the same model instances (built with `Model.from_db`, the
related objects cached as select_related caches them), the same values (each column passes
through the converters the ORM would apply: UUIDs, times, JSON). On the paths every tracked
event takes, compiling such a queryset cost more than the database answering it
(bench/track_micro.py --profile); users: `referrals.reads`, the API key lookup.
"""

from __future__ import annotations

import functools

from django.db import connection


class JoinedRead:
    """`Model.objects.select_related(...).filter(a=..., b=...)[:1]` as one hand-written
    statement: `parts` are (alias, model, the foreign key of the first model that holds it, or
    None for the first model itself), `joins` the JOIN clauses after the first table, `where`
    the first model's columns compared with the parameters, in order."""

    def __init__(self, parts, *, where: tuple[str, ...], inner: tuple[str, ...] = ()):
        self.parts, self.where, self.inner = parts, where, inner

    @functools.cache  # noqa: B019 - one per read and vendor, for the life of the process
    def plan(self, vendor: str):
        quote = connection.ops.quote_name
        first = self.parts[0][1]
        columns, parts, joins, start = [], [], [], 0
        for alias, model, relation in self.parts:
            fields = model._meta.concrete_fields
            converters = []
            for offset, field in enumerate(fields):
                columns.append(f"{alias}.{quote(field.column)}")
                col = field.get_col(alias)
                found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                if found:
                    converters.append((start + offset, tuple(found), col))
            end = start + len(fields)
            parts.append((model, relation, [f.attname for f in fields], start, end, converters))
            start = end
            if relation is not None:
                kind = "INNER" if relation.name in self.inner else "LEFT OUTER"
                joins.append(
                    f"{kind} JOIN {quote(model._meta.db_table)} {alias} "
                    f"ON {alias}.{quote(model._meta.pk.column)} = "
                    f"{self.parts[0][0]}.{quote(relation.column)}"
                )
        conditions = " AND ".join(
            f"{self.parts[0][0]}.{quote(first._meta.get_field(name).column)} = %s"
            for name in self.where
        )
        sql = (
            f"SELECT {', '.join(columns)} FROM {quote(first._meta.db_table)} "  # noqa: S608 - the models' own tables
            f"{self.parts[0][0]} {' '.join(joins)} WHERE {conditions} LIMIT 1"
        )
        keys = tuple(first._meta.get_field(name) for name in self.where)
        return sql, parts, keys

    def __call__(self, *params):
        sql, parts, keys = self.plan(connection.vendor)
        params = [
            value if type(value) in (int, str) else key.get_db_prep_value(value, connection)
            for key, value in zip(keys, params, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not rows:
            return None
        row = list(rows[0])
        db = connection.alias
        found = None
        for model, relation, attnames, start, end, converters in parts:
            for position, convert, col in converters:
                value = row[position]
                for converter in convert:
                    value = converter(value, col, connection)
                row[position] = value
            if relation is None:
                found = model.from_db(db, attnames, row[start:end])
                continue
            values = row[start:end]
            related = None if values[0] is None else model.from_db(db, attnames, values)
            relation.set_cached_value(found, related)
        return found
