"""Real processes over real HTTP: a `tular` started as a user would, on a free port."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

# One way to see a process tree, shared with the start-up benchmark (run from the project root).
from bench.startup import alive, descendants  # noqa: F401 - re-exported for the e2e tests

from tests.processes import child_environment, free_port


def run_tular(env, *args, timeout=60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tular.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class RunningTular:
    def __init__(self, process: subprocess.Popen, url: str, log: Path, env: dict):
        self.process = process
        self.url = url
        self.log = log
        self.env = env

    def output(self) -> str:
        return self.log.read_text()


def launch(env: dict, args, log_dir: Path) -> RunningTular:
    """Start `tular ARGS --port P` in its own session (as a terminal would: its own process
    group) and wait for /healthz to answer 200."""
    port = free_port()
    log = log_dir / f"tular-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "tular.cli", *args, "--port", str(port)],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    running = RunningTular(process, f"http://127.0.0.1:{port}", log, env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"tular exited early ({process.returncode}):\n{running.output()}")
        try:
            if httpx.get(f"{running.url}/healthz", timeout=1).status_code == 200:
                return running
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    stop(running)
    pytest.fail(f"tular did not become healthy:\n{running.output()}")


def stop(running: RunningTular) -> None:
    """SIGTERM to `up` (which stops its children), then to whatever is left of its group."""
    if running.process.poll() is None:
        running.process.send_signal(signal.SIGTERM)
        try:
            running.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(running.process.pid, signal.SIGKILL)
            running.process.wait()


@pytest.fixture
def start_tular(isolated_env, tmp_path):
    """Start `tular up` (or another command) and wait for /healthz; stop it afterwards."""
    started = []

    def start(*args, env_extra=None) -> RunningTular:
        running = launch({**isolated_env, **(env_extra or {})}, args, tmp_path)
        started.append(running)
        return running

    yield start
    for running in started:
        stop(running)


@pytest.fixture(scope="module")
def module_env(tmp_path_factory):
    """child_environment for a whole module."""
    with child_environment(tmp_path_factory.mktemp("up") / "data") as env:
        yield env


@pytest.fixture(scope="module")
def running_up(module_env, tmp_path_factory):
    """One `tular up` shared by the tests of a module that only talk to it."""
    running = launch(module_env, ["up"], tmp_path_factory.mktemp("logs"))
    yield running
    stop(running)
