"""Settings come from the environment only, and a bad value names its variable."""

import stat

import pytest

from tular.config import ConfigError, load


@pytest.fixture
def env(tmp_path):
    return {"TULAR_DATA_DIR": str(tmp_path / "data")}


def test_defaults_are_an_embedded_sqlite_in_the_data_dir(env, tmp_path):
    config = load(env)
    assert config.database["ENGINE"] == "django.db.backends.sqlite3"
    assert config.database["NAME"] == str(tmp_path / "data" / "tular.sqlite3")
    assert config.public_url is None
    assert config.email["BACKEND"].endswith("filebased.EmailBackend")
    assert config.tasks_backend == "django_tasks_db.DatabaseBackend"
    assert config.webhooks_allow_private is False


def test_secret_key_is_generated_once_and_kept_private(env, tmp_path):
    first = load(env).secret_key
    assert load(env).secret_key == first
    key_file = tmp_path / "data" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) >= 50


def test_postgres_url_is_parsed(env):
    config = load({**env, "DATABASE_URL": "postgres://tular:rahasia@db.internal:5433/tular"})
    assert config.database["ENGINE"] == "django.db.backends.postgresql"
    assert (config.database["HOST"], config.database["PORT"]) == ("db.internal", 5433)
    assert config.database["NAME"] == "tular"
    # repeated statements are prepared on the server (server-side parameters) by default
    assert config.database["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 5}


def test_prepared_statements_can_be_turned_off_for_a_pooler(env):
    url = "postgres://tular@db.internal/tular?sslmode=require"
    config = load({**env, "DATABASE_URL": url, "TULAR_DATABASE_PREPARED": "false"})
    assert config.database["OPTIONS"] == {"sslmode": "require"}  # client-side binding
    assert "OPTIONS" not in load(env).database  # SQLite has no such thing


def test_prepared_statements_on_a_live_connection(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    from psycopg import ClientCursor

    # the connection binds on the server (not psycopg's ClientCursor) and prepares repeats
    with connection.cursor() as cursor:
        assert not isinstance(cursor.cursor, ClientCursor)
        for _ in range(6):
            cursor.execute("SELECT count(*) FROM workspaces_workspace WHERE id = %s", [1])
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%workspaces_workspace WHERE id = $1%"],
        )
        assert cursor.fetchone()[0] == 1  # prepared on the server, once


def test_smtp_url_becomes_the_default_mailer(env):
    config = load({**env, "TULAR_EMAIL_URL": "smtp+tls://user%40x:p%40ss@mail.example:2525"})
    options = config.email["OPTIONS"]
    assert (options["host"], options["port"], options["use_tls"]) == ("mail.example", 2525, True)
    assert (options["username"], options["password"]) == ("user@x", "p@ss")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://root@localhost/tular"),
        ("DATABASE_URL", "postgres://localhost"),
        ("TULAR_PUBLIC_URL", "ftp://example.com"),
        ("TULAR_PUBLIC_URL", "https://example.com/?x=1"),
        ("TULAR_PUBLIC_URL", "https://example.com:port"),
        ("TULAR_SECRET_KEY", "short"),
        ("TULAR_EMAIL_URL", "imap://mail.example"),
        ("TULAR_EMAIL_URL", "smtp://mail.example:abc"),
        ("TULAR_TASKS", "celery please"),
        ("TULAR_TASKS", "redis"),  # without TULAR_REDIS_URL
        ("TULAR_TASKS", "django_tasks_db.DatabaseBackend"),  # a name, not a class path
        ("TULAR_REDIS_URL", "http://redis.internal:6379"),
        ("TULAR_REDIS_URL", "redis://redis.internal:port/0"),
        ("TULAR_REDIS_URL", "redis://redis.internal:6379/nol"),
        ("TULAR_WEBHOOKS_ALLOW_PRIVATE", "yes please"),
        ("TULAR_DEBUG", "2"),
        ("TULAR_SQLITE_SYNCHRONOUS", "OFF"),
        ("TULAR_API_RATE_LIMIT", "lots"),
        ("TULAR_REDIRECT_CACHE_SECONDS", "-1"),
        ("TULAR_ADMIN_EMAIL", "not-an-email"),
        ("TULAR_LOG_LEVEL", "LOUD"),
        ("TULAR_DATABASE_PREPARED", "maybe"),
        ("TULAR_DATABSE_URL", "sqlite:///x"),  # a typo of a setting is not silently ignored
    ],
)
def test_malformed_or_unknown_setting_is_an_error_naming_it(env, variable, value):
    with pytest.raises(ConfigError) as error:
        load({**env, variable: value})
    assert error.value.variable == variable
    assert str(error.value).startswith(variable)


@pytest.mark.parametrize(
    ("tasks", "backend"),
    [
        (None, "django_tasks_db.DatabaseBackend"),
        ("db", "django_tasks_db.DatabaseBackend"),
        ("redis", "django_tasks_redis.RedisTaskBackend"),
        ("Redis", "django_tasks_redis.RedisTaskBackend"),
        ("immediate", "django.tasks.backends.immediate.ImmediateBackend"),
    ],
)
def test_tular_tasks_names_the_queue(env, tasks, backend):
    values = {**env, "TULAR_REDIS_URL": "redis://127.0.0.1:6379/3"}
    if tasks is not None:
        values["TULAR_TASKS"] = tasks
    config = load(values)
    assert config.tasks_backend == backend
    assert config.redis_url == "redis://127.0.0.1:6379/3"


def test_the_redis_error_is_one_line_naming_what_is_missing(env):
    with pytest.raises(ConfigError) as error:
        load({**env, "TULAR_TASKS": "redis"})
    assert str(error.value) == "TULAR_TASKS: redis needs TULAR_REDIS_URL (redis://host:6379/0)"


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", "yes", "on"])
def test_booleans_accept_the_usual_spellings(env, raw):
    assert load({**env, "TULAR_WEBHOOKS_ALLOW_PRIVATE": raw}).webhooks_allow_private is True


def test_data_dir_that_is_a_file_is_refused(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="TULAR_DATA_DIR"):
        load({"TULAR_DATA_DIR": str(blocker)})


# ---------------------------------------------------------------- e-mail


@pytest.mark.parametrize(
    ("url", "backend", "expected"),
    [
        (
            "smtp://mail.example",
            "smtp",
            {"host": "mail.example", "port": 25, "use_tls": False, "use_ssl": False},
        ),
        (
            "smtp://kirim:rahasia@mail.example:2525",
            "smtp",
            {"port": 2525, "username": "kirim", "password": "rahasia", "timeout": 10},
        ),
        ("smtp+tls://mail.example", "smtp", {"port": 587, "use_tls": True, "use_ssl": False}),
        ("smtps://mail.example", "smtp", {"port": 465, "use_tls": False, "use_ssl": True}),
        ("console:", "console", {}),
        ("file:///srv/tular/mail", "filebased", {"file_path": "/srv/tular/mail"}),
        ("file:/srv/tular/mail", "filebased", {"file_path": "/srv/tular/mail"}),
    ],
)
def test_each_email_url_builds_djangos_default_mailer(
    env, settings, monkeypatch, tmp_path, url, backend, expected
):
    # given (file paths land in a temporary directory, not /srv)
    url = url.replace("/srv/", f"{tmp_path}/srv/")
    expected = {k: str(v).replace("/srv/", f"{tmp_path}/srv/") for k, v in expected.items()}
    config = load({**env, "TULAR_EMAIL_URL": url})
    # when Django 6.1 builds the default mailer from it
    settings.MAILERS = {"default": config.email}
    from django.core.mail import mailers

    mailer = mailers.default
    # then
    assert type(mailer).__module__ == f"django.core.mail.backends.{backend}"
    assert {name: str(getattr(mailer, name)) for name in expected} == expected


def test_the_default_mailer_writes_files_under_the_data_dir(env, tmp_path):
    for raw in (None, "", "file:", "file://"):
        config = load({**env, "TULAR_EMAIL_URL": raw} if raw is not None else env)
        assert config.email["BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
        assert config.email["OPTIONS"] == {"file_path": str(tmp_path / "data" / "mail")}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("halo@toko.example", "halo@toko.example"),
        ("Toko Andalan <halo@toko.example>", "Toko Andalan <halo@toko.example>"),
        ('"Toko Andalan" <halo@toko.example>', "Toko Andalan <halo@toko.example>"),
        ("Toko, Andalan <halo@toko.example>", '"Toko, Andalan" <halo@toko.example>'),
        ("  Tular <noreply@ref.example.com>  ", "Tular <noreply@ref.example.com>"),
    ],
)
def test_email_from_is_an_address_or_a_name_and_an_address(env, raw, expected):
    environ = env if raw is None else {**env, "TULAR_EMAIL_FROM": raw}
    assert load(environ).email_from == expected


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TULAR_EMAIL_FROM", "tular"),
        ("TULAR_EMAIL_FROM", "Tular <noreply>"),
        ("TULAR_EMAIL_FROM", "Tular <halo@toko.example"),
        ("TULAR_EMAIL_FROM", "Tular halo@toko.example"),
        ("TULAR_EMAIL_FROM", "Tular <halo@toko.example>\nBcc: all@example.com"),
        ("TULAR_EMAIL_FROM", "<>"),
        ("TULAR_EMAIL_URL", "smtp://"),
        ("TULAR_EMAIL_URL", "smtps://:465"),
        ("TULAR_EMAIL_URL", "console://x"),
        ("TULAR_EMAIL_URL", "mail.example:25"),
    ],
)
def test_a_malformed_email_setting_is_an_error_naming_it(env, variable, value):
    with pytest.raises(ConfigError) as error:
        load({**env, variable: value})
    assert error.value.variable == variable
    assert str(error.value).startswith(variable)
