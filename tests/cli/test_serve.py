"""`raceday serve` as a real process: it serves the API on the port it reports, refuses a
database without the schema, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

_URL = re.compile(rb"http://127\.0\.0\.1:(\d+)/")


def _start(database_url: str, tmp_path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "raceday", "serve", "--database-url", database_url, "--port", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "RACEDAY_HOME": str(tmp_path), "COLUMNS": "200"},
    )


def test_serve_answers_on_the_port_it_reports_and_stops_on_sigterm(
    database_url: str, tmp_path: Path
) -> None:
    process = _start(database_url, tmp_path)
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        match = _URL.search(line)
        assert match, line
        base = f"http://127.0.0.1:{int(match.group(1))}"
        deadline = time.monotonic() + 30
        while True:
            try:
                live = httpx.get(f"{base}/api/health/live", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.1)
        assert live.status_code == 200 and live.json()["live"] is True
        assert httpx.get(f"{base}/openapi.json", timeout=5).json()["info"]["title"] == "raceday"
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=15)
    assert process.returncode == 0, err.decode(errors="replace")[-2000:]


def test_serve_refuses_a_database_without_the_schema(
    empty_database_url: str, tmp_path: Path
) -> None:
    process = _start(empty_database_url, tmp_path)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert b"no raceday schema" in err and b"raceday db upgrade" in err


def _health_until_ready(base: str, process: subprocess.Popen[bytes]) -> httpx.Response:
    deadline = time.monotonic() + 30
    while True:
        try:
            health = httpx.get(f"{base}/health", timeout=5)
            if health.status_code == 200:
                return health
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline and process.poll() is None, "never ready"
        time.sleep(0.2)


def test_serve_keeps_the_partition_runway_so_health_becomes_ready(
    database_url: str, tmp_path: Path
) -> None:
    """A database at head with no partitions at all: serve's own maintenance creates the
    runway, and /health turns healthy (the dashboard client needs that to load race pages)."""
    process = _start(database_url, tmp_path)
    try:
        assert process.stderr is not None
        match = _URL.search(process.stderr.readline())
        assert match
        health = _health_until_ready(f"http://127.0.0.1:{int(match.group(1))}", process)
        body = health.json()
        assert body["status"] == "healthy" and body["checks"]["runway_days"] >= 2
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=15)
    assert process.returncode == 0, err.decode(errors="replace")[-2000:]
