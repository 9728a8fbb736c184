from django.apps import AppConfig

# psycopg (client-side binding, Django's default) parses a statement's placeholders on every
# execute unless it has at most 50 parameters, when the parse is kept in an LRU cache of 128
# statements (psycopg._queries; the limit keeps bulk inserts of ever-changing sizes out of
# it). A tracked sale's INSERT of its two rewards has 54 and its ledger entries up to 84: the
# parse measured about a tenth of a sale's CPU on PostgreSQL. Our multi-row INSERTs come in a
# few sizes only (core/rows.py: a grant's rewards and ledger rows), so the cache may hold them.
PSYCOPG_CACHED_PARAMS = 200


def psycopg_cache_more_statements() -> bool:
    """Raise psycopg's cached-statement parameter limit; False when this psycopg has none."""
    try:
        from psycopg import _queries
    except ImportError:  # SQLite only: psycopg is installed with Tular, but need not import
        return False
    if not isinstance(getattr(_queries, "MAX_CACHED_STATEMENT_PARAMS", None), int):
        return False
    _queries.MAX_CACHED_STATEMENT_PARAMS = max(
        _queries.MAX_CACHED_STATEMENT_PARAMS, PSYCOPG_CACHED_PARAMS
    )
    return True


class CoreConfig(AppConfig):
    name = "tular.core"
    label = "core"

    def ready(self) -> None:
        psycopg_cache_more_statements()
