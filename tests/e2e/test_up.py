"""A new user's first minutes: `tular up`, a key from the CLI, then program → participant →
link → click count, all over real HTTP against real processes.

The tests that only talk to a running Tular share one `tular up` (running_up); those about
starting and stopping start their own."""

import os
import signal
import time
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from tests.e2e.conftest import alive, descendants, run_tular
from tests.helpers import PROGRAM_BODY
from tests.processes import free_port


@pytest.fixture(scope="module")
def key(running_up):
    created = run_tular(running_up.env, "apikey", "create", "--name", "e2e")
    assert created.returncode == 0, created.stderr
    return created.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def api(running_up, key):
    with httpx.Client(base_url=running_up.url, headers={"Authorization": f"Bearer {key}"}) as api:
        assert api.post("/api/v1/programs", json=PROGRAM_BODY).status_code == 201
        yield api


def enrol(api, external_id: str) -> dict:
    enrolled = api.post(
        "/api/v1/participants",
        json={
            "program": "pelanggan",
            "external_id": external_id,
            "email": f"{external_id}@example.com",
            "name": external_id.title(),
        },
    )
    assert enrolled.status_code == 201, enrolled.text
    return enrolled.json()


def test_up_then_enrol_follow_link_and_count_the_click(running_up, api):
    # when the owner enrols Andi
    andi = enrol(api, "andi")

    # then Andi's link points at this server and two friends follow it
    port = running_up.url.rsplit(":", 1)[1]
    assert andi["referral_url"] == f"http://localhost:{port}/r/{andi['code']}"
    for _ in range(2):
        followed = httpx.get(f"{running_up.url}/r/{andi['code']}", follow_redirects=False)
        assert followed.status_code == 302
        assert followed.headers["location"].startswith("https://toko.example/daftar?via=")
        assert "tular_click=" in followed.headers["set-cookie"]
    assert httpx.get(f"{running_up.url}/r/NOSUCHCODE").status_code == 404

    # and the API counts both clicks
    detail = api.get(f"/api/v1/participants/{andi['id']}").json()
    assert detail["stats"]["clicks"] == 2
    assert "first manager" in running_up.output()


def without_click(location: str) -> str:
    parts = urlsplit(location)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "tular_click"]
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_head_shows_the_location_get_goes_to_and_counts_nothing(running_up, api):
    # given
    budi = enrol(api, "budi")
    link = f"{running_up.url}/r/{budi['code']}?to=/promo/gajian"
    # when
    head = httpx.head(link)
    get = httpx.get(link)
    # then
    assert head.status_code == get.status_code == 302
    assert head.headers["location"] == without_click(get.headers["location"])
    assert head.headers["location"] == f"https://toko.example/promo/gajian?via={budi['code']}"
    assert "set-cookie" not in head.headers
    assert api.get(f"/api/v1/participants/{budi['id']}").json()["stats"]["clicks"] == 1


@pytest.mark.parametrize(
    ("language", "heading"), [("id", "Tular sedang berjalan"), ("en", "Tular is running")]
)
def test_the_start_page_says_where_to_go(running_up, language, heading):
    page = httpx.get(f"{running_up.url}/", headers={"Accept-Language": language})
    assert page.status_code == 200
    assert heading in page.text
    for link in ('href="/api/v1/docs"', 'href="/admin/"', 'href="/healthz"'):
        assert link in page.text


def test_apikey_list_and_revoke_through_the_cli(running_up, api):
    # given a key made with the CLI
    made = run_tular(running_up.env, "apikey", "create", "--name", "kasir")
    key = made.stdout.strip().splitlines()[-1]
    assert httpx.get(
        f"{running_up.url}/api/v1/programs", headers={"Authorization": f"Bearer {key}"}
    ).is_success
    listed = run_tular(running_up.env, "apikey", "list")
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.strip().splitlines()
    assert header.split() == ["id", "prefix", "name", "kind", "created", "revoked"]
    (row,) = [row for row in rows if "kasir" in row]
    key_id = row.split()[0]
    # when it is revoked by its id
    revoked = run_tular(running_up.env, "apikey", "revoke", key_id)
    # then one line says so, and the server refuses the key at once
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.strip().count("\n") == 0
    assert f"Revoked API key {key_id}" in revoked.stdout
    refused = httpx.get(
        f"{running_up.url}/api/v1/programs", headers={"Authorization": f"Bearer {key}"}
    )
    assert refused.status_code == 401


def test_ctrl_c_stops_up_quickly_and_a_second_up_keeps_the_manager(start_tular):
    # given a running `tular up` with its server and worker
    first = start_tular("up")
    time.sleep(1)  # the worker starts once the server answers
    family = descendants(first.process.pid)
    assert len(family) >= 3, family  # server, its granian worker, the task worker
    # when Ctrl-C is pressed in its terminal (SIGINT to the whole foreground process group)
    pressed = time.monotonic()
    os.killpg(first.process.pid, signal.SIGINT)
    assert first.process.wait(timeout=10) == 0
    while any(alive(pid) for pid in family) and time.monotonic() - pressed < 10:
        time.sleep(0.02)
    stopped_in = time.monotonic() - pressed
    # then everything is gone within 3 s, stopped in order and cleanly
    assert not [pid for pid in family if alive(pid)]
    assert stopped_in <= 3, stopped_in
    output = first.output()
    assert "Tular stopped." in output
    assert "shutting down gracefully" in output  # the worker was asked, not killed
    for trouble in ("Killing", "Traceback", "exited with status", "stopped unexpectedly"):
        assert trouble not in output, output
    assert "password" in output

    # and a second `up` on the same data dir does not print a password again, and stops as
    # cleanly on SIGTERM to `up` alone (systemd, docker stop)
    second = start_tular("up")
    assert "first manager" not in second.output()
    second.process.send_signal(signal.SIGTERM)
    assert second.process.wait(timeout=10) == 0
    assert "Tular stopped." in second.output()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{second.url}/healthz", timeout=1)


def test_serve_on_an_unmigrated_database_is_one_line(isolated_env):
    result = run_tular(isolated_env, "serve", "--port", str(free_port()))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "not migrated" in result.stderr
    assert "tular up" in result.stderr and "tular manage migrate" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_malformed_setting_stops_start_up_with_one_line(isolated_env):
    result = run_tular({**isolated_env, "TULAR_WEBHOOKS_ALLOW_PRIVATE": "maybe"}, "up")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "TULAR_WEBHOOKS_ALLOW_PRIVATE" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_apikey_create_makes_the_workspace_and_prints_the_key_last(isolated_env):
    result = run_tular(
        isolated_env, "apikey", "create", "--workspace", "toko-baru", "--publishable"
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert "toko-baru" in result.stdout
    assert lines[-1].startswith("tular_pk_")


def test_unreachable_database_is_one_clear_line(isolated_env):
    env = {**isolated_env, "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere"}
    result = run_tular(env, "apikey", "create")
    assert result.returncode == 2
    assert "cannot use the database" in result.stderr
    assert "Traceback" not in result.stderr


def test_redirect_with_the_database_down_is_a_503_page_not_a_crash(isolated_env, tmp_path):
    import subprocess
    import sys

    port = free_port()
    env = {**isolated_env, "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere"}
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "tular.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/r/ABCDEFG", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert "text/html" in response.headers["content-type"]
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        assert health.status_code == 503
        assert health.json()["status"] == "unavailable"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
