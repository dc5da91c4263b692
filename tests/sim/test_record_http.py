"""--record: every 200 body a client received is in the record, byte for byte, in order."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx
import pytest

from raceday.sim import iter_record
from raceday.sim.instants import from_ns, parse_rfc3339_ns
from tests.fixtures.simulator import run_simulator
from tests.sim.conftest import HOME_DAY, SMALL_DAY


def test_the_record_holds_what_clients_received(tmp_path: Path) -> None:
    path = tmp_path / "served.jsonl.gz"
    with run_simulator(*SMALL_DAY, "--record", str(path)) as sim:
        with httpx.Client(base_url=sim.base_url, timeout=20) as client:
            received = [client.get("/racing/meetings", params={"date_from": HOME_DAY})]
            races = [r["id"] for m in received[0].json()["data"]["meetings"] for r in m["races"]]
            received += [client.get(f"/racing/events/{race}") for race in races[:3]]
            received.append(client.get("/racing/list", params={"limit": 5}))
            assert {r.status_code for r in received} == {200}
            missing = client.get("/racing/events/00000000-0000-4000-8000-000000000000")
            assert missing.status_code == 404  # not a 200: not recorded
            sim.set_faults({"list": {"drop": 1}})
            with pytest.raises(httpx.RemoteProtocolError):  # never complete: not recorded
                client.get("/racing/list")
            sim.set_faults({"list": {"malformed": 1}})
            broken = client.get("/racing/list")
        assert sim.stop() == 0
    entries = list(iter_record(path))
    good, bad = entries[:-1], entries[-1]
    assert [e.body for e in good] == [r.json() for r in received]
    assert [e.url for e in good] == [r.json()["header"]["url"] for r in received]
    for entry in good:
        assert entry.at == from_ns(parse_rfc3339_ns(entry.body["header"]["generated_time"]) or 0)
    assert (bad.fault, bad.malformed, bad.body) == ("malformed", broken.content, None)
    # Byte for byte: each line carries the body exactly as it went over the wire.
    lines = gzip.decompress(path.read_bytes()).split(b"\n")
    for line, response in zip(lines, received, strict=False):
        assert line.endswith(b'"body":' + response.content + b"}")
