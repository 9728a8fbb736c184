"""A new user's first minutes: `tular up`, a key from the CLI, then program → participant →
link → click count, all over real HTTP against real processes."""

import signal
import time

import httpx

from tests.e2e.conftest import run_tular
from tests.helpers import PROGRAM_BODY


def test_up_then_enrol_follow_link_and_count_the_click(start_tular, isolated_env):
    # given a running Tular and a key made with the CLI
    tular = start_tular("up")
    created = run_tular(isolated_env, "apikey", "create")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    api = httpx.Client(base_url=tular.url, headers={"Authorization": f"Bearer {key}"})

    # when the owner creates a program and enrols Andi
    assert api.post("/api/v1/programs", json=PROGRAM_BODY).status_code == 201
    enrolled = api.post(
        "/api/v1/participants",
        json={
            "program": "pelanggan",
            "external_id": "cust_42",
            "email": "andi@example.com",
            "name": "Andi",
        },
    )
    assert enrolled.status_code == 201
    andi = enrolled.json()

    # then Andi's link points at this server and two friends follow it
    port = tular.url.rsplit(":", 1)[1]
    assert andi["referral_url"] == f"http://localhost:{port}/r/{andi['code']}"
    for _ in range(2):
        followed = httpx.get(f"{tular.url}/r/{andi['code']}", follow_redirects=False)
        assert followed.status_code == 302
        assert followed.headers["location"].startswith("https://toko.example/daftar?via=")
        assert "tular_click=" in followed.headers["set-cookie"]
    assert httpx.get(f"{tular.url}/r/NOSUCHCODE").status_code == 404

    # and the API counts both clicks
    detail = api.get(f"/api/v1/participants/{andi['id']}").json()
    assert detail["stats"]["clicks"] == 2
    assert "first manager" in tular.output()


def test_up_stops_cleanly_on_sigterm(start_tular):
    tular = start_tular("up")
    tular.process.send_signal(signal.SIGTERM)
    assert tular.process.wait(timeout=30) == 0
    assert "Tular stopped." in tular.output()
    time.sleep(0.5)
    try:
        httpx.get(f"{tular.url}/healthz", timeout=1)
        raise AssertionError("the server still answers after SIGTERM")
    except httpx.TransportError:
        pass


def test_second_up_keeps_the_manager_and_does_not_print_a_password_again(start_tular):
    first = start_tular("up")
    first.process.send_signal(signal.SIGTERM)
    first.process.wait(timeout=30)
    assert "password" in first.output()
    second = start_tular("up")
    assert "first manager" not in second.output()


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

    from tests.processes import free_port

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
