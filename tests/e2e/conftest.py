"""Real processes over real HTTP: a `tular` started as a user would, on a free port."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.processes import free_port


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
    def __init__(self, process: subprocess.Popen, url: str, log: Path):
        self.process = process
        self.url = url
        self.log = log

    def output(self) -> str:
        return self.log.read_text()


@pytest.fixture
def start_tular(isolated_env, tmp_path):
    """Start `tular up` (or another command) and wait for /healthz; stop it afterwards."""
    started = []

    def start(*args, env_extra=None) -> RunningTular:
        port = free_port()
        env = {**isolated_env, **(env_extra or {})}
        log = tmp_path / f"tular-{port}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "tular.cli", *args, "--port", str(port)],
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        running = RunningTular(process, f"http://127.0.0.1:{port}", log)
        started.append(running)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"tular exited early ({process.returncode}):\n{running.output()}")
            try:
                if httpx.get(f"{running.url}/healthz", timeout=1).status_code == 200:
                    return running
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        pytest.fail(f"tular did not become healthy:\n{running.output()}")

    yield start
    for running in started:
        if running.process.poll() is None:
            os.killpg(running.process.pid, signal.SIGTERM)
            try:
                running.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(running.process.pid, signal.SIGKILL)
