"""The `tular` command in-process: start-up skips work already done; apikey list and revoke;
`manage --help`. (tests/e2e/test_up.py runs the same commands as real processes.)"""

import pytest

from tular import cli
from tular.workspaces.models import AuditEntry
from tular.workspaces.services import api_key_create, workspace_get_or_create


@pytest.fixture
def calls(monkeypatch):
    """The management commands called, instead of running them."""
    called = []
    monkeypatch.setattr(
        "django.core.management.call_command", lambda *args, **kw: called.append(args)
    )
    return called


def test_start_up_does_not_run_migrate_when_no_migration_is_unapplied(db, calls):
    assert cli.unapplied_migrations() == []
    assert cli.migrate() is False
    assert calls == []


def test_start_up_migrates_when_a_migration_is_unapplied(db, calls, monkeypatch):
    monkeypatch.setattr(cli, "unapplied_migrations", lambda: [("rewards.0009_new", False)])
    assert cli.migrate() is True
    assert calls == [("migrate",)]


def test_an_unmigrated_database_names_the_way_out(monkeypatch):
    monkeypatch.setattr(cli, "unapplied_migrations", lambda: [object()] * 3)
    with pytest.raises(cli.CommandFailed) as failed:
        cli.require_migrated()
    assert str(failed.value) == (
        "the database is not migrated (3 migrations to apply); "
        "run `tular up` or `tular manage migrate` first"
    )


@pytest.fixture
def keys(db):
    workspace = workspace_get_or_create(slug="default")[0]
    secret, _ = api_key_create(workspace=workspace, name="server")
    publishable, _ = api_key_create(workspace=workspace, publishable=True)
    return workspace, secret, publishable


def test_apikey_list_is_a_table_of_every_key(keys, capsys):
    # given
    _, secret, publishable = keys
    # when
    assert cli.main(["apikey", "list"]) == 0
    # then
    header, *rows = capsys.readouterr().out.strip().splitlines()
    assert header.split() == ["id", "prefix", "name", "kind", "created", "revoked"]
    newest, oldest = rows
    assert newest.split()[:4] == [str(publishable.pk), f"{publishable.prefix}…", "-", "publishable"]
    assert oldest.split()[:4] == [str(secret.pk), f"{secret.prefix}…", "server", "secret"]
    assert all(row.endswith(" -") for row in rows)  # none revoked
    assert header.index("prefix") == newest.index(publishable.prefix)  # columns line up


def test_apikey_revoke_by_prefix_then_again_then_unknown(keys, capsys):
    # given
    _, secret, _ = keys
    # when
    assert cli.main(["apikey", "revoke", f"{secret.prefix}…"]) == 0
    # then one line, and the key is revoked, audited as the command line
    out = capsys.readouterr().out
    assert out == f"Revoked API key {secret.pk} ({secret.prefix}…) of workspace 'default'.\n"
    secret.refresh_from_db()
    assert secret.revoked_at is not None
    entry = AuditEntry.objects.get(action="api_key.revoke")
    assert "tular apikey (command line)" in str(entry.__dict__.values())
    assert cli.main(["apikey", "list"]) == 0
    (listed,) = [row for row in capsys.readouterr().out.splitlines() if "server" in row]
    assert listed.endswith(" UTC")  # the revoked column shows when
    # and revoking it again, or a key that does not exist, is one line and exit 2
    for wanted, says in ((str(secret.pk), "already revoked"), ("99999", "no API key")):
        assert cli.main(["apikey", "revoke", wanted]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.count("\n") == 1 and says in captured.err, captured.err


def test_apikey_commands_on_an_unknown_workspace_are_one_line(db, capsys):
    assert cli.main(["apikey", "list", "--workspace", "nowhere"]) == 2
    assert capsys.readouterr().err == "tular: no workspace 'nowhere'\n"


def test_manage_help_is_djangos_help(capsys):
    assert cli.main(["manage", "--help"]) == 0
    out = capsys.readouterr().out
    assert "tular manage help <subcommand>" in out
    assert "migrate" in out and "createsuperuser" in out
