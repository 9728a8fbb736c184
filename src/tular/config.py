"""Settings from the environment, strict: a malformed value is an error naming the variable.

`load()` is pure (no Django) so the CLI can validate before anything starts and print one line.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url

KNOWN_VARIABLES = {
    "TULAR_DATA_DIR": "where the SQLite database, the secret key and file e-mails live",
    "TULAR_PUBLIC_URL": "base URL of referral links, e.g. https://ref.example.com",
    "TULAR_SECRET_KEY": "Django secret key (generated into the data dir when absent)",
    "TULAR_EMAIL_URL": "smtp://user:pass@host:port, smtps://…, smtp+tls://…, console: or file:",
    "TULAR_EMAIL_FROM": "From of e-mails: addr@example.com or Name <addr@example.com>",
    "TULAR_TASKS": "task queue: db (default, the database), redis (TULAR_REDIS_URL) or immediate",
    "TULAR_REDIS_URL": "redis://host:6379/0: the queue of TULAR_TASKS=redis and the shared cache",
    "TULAR_ADMIN_EMAIL": "e-mail of the first manager created by `tular up`",
    "TULAR_ADMIN_PASSWORD": "password of the first manager created by `tular up`",
    "TULAR_WEBHOOKS_ALLOW_PRIVATE": "true lets outbound webhooks reach private addresses",
    "TULAR_DEBUG": "true shows Django's debug pages (never in production)",
    "TULAR_ALLOWED_HOSTS": "comma-separated host names the server answers to (default: any)",
    "TULAR_SQLITE_SYNCHRONOUS": "NORMAL (default; survives a process crash) or FULL (power loss)",
    "TULAR_API_RATE_LIMIT": "requests per API key, e.g. 6000/min (default)",
    "TULAR_REDIRECT_CACHE_SECONDS": "how long a process caches a code lookup for /r/ (default 2)",
    "TULAR_LOG_LEVEL": "DEBUG, INFO (default), WARNING or ERROR",
    "TULAR_ASSET_MAX_MB": "largest file a manager may upload to the partner asset library (25)",
    "TULAR_DATABASE_PREPARED": "PostgreSQL: true (default) prepares repeated statements; "
    "false for a pooler that cannot keep them",
}


class ConfigError(Exception):
    """A setting is unknown or malformed; the message names the variable."""

    def __init__(self, variable: str, problem: str):
        self.variable = variable
        super().__init__(f"{variable}: {problem}")


@dataclass(frozen=True)
class Config:
    data_dir: Path
    database: dict
    public_url: str | None
    secret_key: str
    email: dict
    tasks_backend: str
    redis_url: str | None
    admin_email: str | None
    admin_password: str | None
    webhooks_allow_private: bool
    debug: bool
    allowed_hosts: list[str]
    sqlite_synchronous: str
    api_rate_limit: str
    redirect_cache_seconds: float
    log_level: str
    email_from: str | None = None  # None: settings.DEFAULT_FROM_EMAIL
    asset_max_bytes: int = 25 * 1024 * 1024


def parse_bool(name: str, raw: str | None, default: bool) -> bool:
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(name, f"expected true or false, got {raw!r}")


# PostgreSQL: server-side parameters, and a statement run PREPARE_THRESHOLD times on a connection
# is prepared there (psycopg's automatic prepared statements). Measured on a tracked sale
# (bench/track_micro.py --postgres): the backend's CPU per event 4.0 → 2.2 ms, the server's
# 4.7 → 4.1 ms, because PostgreSQL no longer parses and plans the same dozen statements anew on
# every event. A pooler in transaction mode that cannot keep prepared statements (PgBouncer
# before 1.21, or without max_prepared_statements) needs TULAR_DATABASE_PREPARED=false.
PREPARE_THRESHOLD = 5


def parse_database(raw: str | None, data_dir: Path, *, prepared: bool = True) -> dict:
    if not raw:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(data_dir / "tular.sqlite3"),
            # Kept open across requests, as on PostgreSQL: a new SQLite connection re-reads the
            # schema and starts with a cold page cache (measured: most of a tracked event).
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
        }
    scheme = raw.split(":", 1)[0].lower()
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ConfigError(
            "DATABASE_URL", f"unsupported scheme {scheme!r}; use sqlite:/// or postgres://"
        )
    try:
        parsed = dj_database_url.parse(raw, conn_max_age=600, conn_health_checks=True)
    except Exception as exc:  # dj-database-url raises several types for bad URLs
        raise ConfigError("DATABASE_URL", f"cannot parse it ({exc})") from None
    if not parsed.get("NAME"):
        raise ConfigError("DATABASE_URL", "no database name in the URL")
    parsed = dict(parsed)
    if prepared and parsed["ENGINE"] == "django.db.backends.postgresql":
        options = dict(parsed.get("OPTIONS") or {})
        options.setdefault("server_side_binding", True)
        options.setdefault("prepare_threshold", PREPARE_THRESHOLD)
        parsed["OPTIONS"] = options
    return parsed


def parse_public_url(raw: str | None) -> str | None:
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError("TULAR_PUBLIC_URL", f"expected an http(s) URL, got {raw!r}")
    if parts.query or parts.fragment:
        raise ConfigError("TULAR_PUBLIC_URL", "must not carry a query or a fragment")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ConfigError("TULAR_PUBLIC_URL", "the port is not a number") from None
    return raw.rstrip("/")


def _mailer(backend: str, **options) -> dict:
    """Django 6.1's MAILERS entry for the default mailer."""
    return {"BACKEND": f"django.core.mail.backends.{backend}.EmailBackend", "OPTIONS": options}


def parse_email(raw: str | None, data_dir: Path) -> dict:
    if not raw or raw in {"file:", "file://"}:
        return _mailer("filebased", file_path=str(data_dir / "mail"))
    if raw in {"console:", "console://"}:
        return _mailer("console")
    if raw.startswith("file:"):
        path = unquote(raw.removeprefix("file://").removeprefix("file:"))
        return _mailer("filebased", file_path=str(Path(path).expanduser().resolve()))
    parts = urlsplit(raw)
    if parts.scheme not in {"smtp", "smtps", "smtp+tls"} or not parts.hostname:
        raise ConfigError(
            "TULAR_EMAIL_URL", f"expected smtp://host:port (or smtps, smtp+tls), got {raw!r}"
        )
    try:
        port = parts.port
    except ValueError:
        raise ConfigError("TULAR_EMAIL_URL", "the port is not a number") from None
    default_port = {"smtp": 25, "smtps": 465, "smtp+tls": 587}[parts.scheme]
    return _mailer(
        "smtp",
        host=parts.hostname,
        port=port or default_port,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_ssl=parts.scheme == "smtps",
        use_tls=parts.scheme == "smtp+tls",
        timeout=10,
    )


# "Name <addr>" or a bare address; the name may not hold angle brackets or line breaks.
_FROM = re.compile(r"(?:(?P<name>[^<>\r\n]*?)\s*<(?P<angled>[^<>\s]+)>|(?P<bare>[^<>\s]+))")
# Characters that make a display name need quotes in a header (RFC 5322 specials).
_SPECIALS = re.compile(r'[()<>\[\]:;@\\,."]')


def parse_email_from(raw: str | None) -> str | None:
    """The From address of outgoing e-mail, checked like an address a mail server accepts."""
    if not raw or not raw.strip():
        return None
    match = _FROM.fullmatch(raw.strip())
    if match is None:
        raise ConfigError(
            "TULAR_EMAIL_FROM", f"expected addr@example.com or Name <addr@example.com>, got {raw!r}"
        )
    # Imported here: it costs start-up time (~25 ms) and is needed only when the variable is set.
    from email_validator import EmailNotValidError, validate_email

    address = match["angled"] or match["bare"]
    try:
        address = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ConfigError(
            "TULAR_EMAIL_FROM", f"not an e-mail address: {address!r} ({exc})"
        ) from None
    name = (match["name"] or "").strip().strip('"').strip()
    if not name:
        return address
    if _SPECIALS.search(name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{address}>"


TASK_BACKENDS = {
    "db": "django_tasks_db.DatabaseBackend",
    "redis": "django_tasks_redis.RedisTaskBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}


def parse_redis_url(raw: str | None) -> str | None:
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme == "unix" and parts.path:
        return raw
    if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
        raise ConfigError(
            "TULAR_REDIS_URL", f"expected redis://host:6379/0 (or rediss://, unix://), got {raw!r}"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ConfigError("TULAR_REDIS_URL", "the port is not a number") from None
    database = parts.path.strip("/")
    if database and not database.isdigit():
        raise ConfigError("TULAR_REDIS_URL", f"the database must be a number, got {database!r}")
    return raw


def parse_tasks(raw: str | None, redis_url: str | None = None) -> str:
    name = (raw or "db").strip().lower()
    if name not in TASK_BACKENDS:
        raise ConfigError("TULAR_TASKS", f"expected db, redis or immediate, got {raw!r}")
    if name == "redis" and not redis_url:
        raise ConfigError("TULAR_TASKS", "redis needs TULAR_REDIS_URL (redis://host:6379/0)")
    return TASK_BACKENDS[name]


# The units of TULAR_API_RATE_LIMIT, in seconds (api.auth counts by them).
RATE_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "hour": 3600}


def parse_rate(raw: str | None) -> str:
    if not raw:
        return "6000/min"
    count, _, period = raw.partition("/")
    if not count.isdigit() or int(count) < 1 or period not in RATE_PERIODS:
        raise ConfigError("TULAR_API_RATE_LIMIT", f"expected like 6000/min, got {raw!r}")
    return raw


def parse_asset_max_mb(raw: str | None) -> int:
    """The partner asset library's upload limit, given in MB (1-1024), in bytes."""
    text = (raw or "25").strip()
    if not text.isdigit() or not 1 <= int(text) <= 1024:
        raise ConfigError("TULAR_ASSET_MAX_MB", f"expected megabytes 1-1024, got {raw!r}")
    return int(text) * 1024 * 1024


def secret_key_from(raw: str | None, data_dir: Path) -> str:
    if raw:
        if len(raw) < 32:
            raise ConfigError("TULAR_SECRET_KEY", "must be at least 32 characters long")
        return raw
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # O_EXCL: when two processes start at once, only one key is ever written.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def load(environ: dict[str, str] | None = None) -> Config:
    env = os.environ if environ is None else environ
    for name in env:
        if name.startswith("TULAR_") and name not in KNOWN_VARIABLES:
            raise ConfigError(name, "unknown setting (see README.md, Configuration)")
    data_dir = Path(env.get("TULAR_DATA_DIR") or ".tular").expanduser().resolve()
    if data_dir.exists() and not data_dir.is_dir():
        raise ConfigError("TULAR_DATA_DIR", f"{data_dir} exists and is not a directory")
    synchronous = (env.get("TULAR_SQLITE_SYNCHRONOUS") or "NORMAL").upper()
    if synchronous not in {"NORMAL", "FULL"}:
        raise ConfigError("TULAR_SQLITE_SYNCHRONOUS", "expected NORMAL or FULL")
    log_level = (env.get("TULAR_LOG_LEVEL") or "INFO").upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError("TULAR_LOG_LEVEL", "expected DEBUG, INFO, WARNING or ERROR")
    cache_raw = env.get("TULAR_REDIRECT_CACHE_SECONDS") or "2"
    try:
        cache_seconds = float(cache_raw)
        if not 0 <= cache_seconds <= 3600:
            raise ValueError
    except ValueError:
        raise ConfigError(
            "TULAR_REDIRECT_CACHE_SECONDS", f"expected seconds 0-3600, got {cache_raw!r}"
        ) from None
    admin_email = env.get("TULAR_ADMIN_EMAIL") or None
    if admin_email and "@" not in admin_email:
        raise ConfigError("TULAR_ADMIN_EMAIL", f"not an e-mail address: {admin_email!r}")
    hosts_raw = env.get("TULAR_ALLOWED_HOSTS") or "*"
    redis_url = parse_redis_url(env.get("TULAR_REDIS_URL"))
    return Config(
        data_dir=data_dir,
        database=parse_database(
            env.get("DATABASE_URL"),
            data_dir,
            prepared=parse_bool(
                "TULAR_DATABASE_PREPARED", env.get("TULAR_DATABASE_PREPARED"), True
            ),
        ),
        public_url=parse_public_url(env.get("TULAR_PUBLIC_URL")),
        secret_key=secret_key_from(env.get("TULAR_SECRET_KEY"), data_dir),
        email=parse_email(env.get("TULAR_EMAIL_URL"), data_dir),
        tasks_backend=parse_tasks(env.get("TULAR_TASKS"), redis_url),
        redis_url=redis_url,
        admin_email=admin_email,
        admin_password=env.get("TULAR_ADMIN_PASSWORD") or None,
        webhooks_allow_private=parse_bool(
            "TULAR_WEBHOOKS_ALLOW_PRIVATE", env.get("TULAR_WEBHOOKS_ALLOW_PRIVATE"), False
        ),
        debug=parse_bool("TULAR_DEBUG", env.get("TULAR_DEBUG"), False),
        allowed_hosts=[h.strip() for h in hosts_raw.split(",") if h.strip()],
        sqlite_synchronous=synchronous,
        api_rate_limit=parse_rate(env.get("TULAR_API_RATE_LIMIT")),
        redirect_cache_seconds=cache_seconds,
        log_level=log_level,
        email_from=parse_email_from(env.get("TULAR_EMAIL_FROM")),
        asset_max_bytes=parse_asset_max_mb(env.get("TULAR_ASSET_MAX_MB")),
    )
