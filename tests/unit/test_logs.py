"""Logging: the standard library's lines (psycopg_pool, uvicorn) come out as ours do."""

from __future__ import annotations

import json
import logging

import pytest

from raceday.logs import configure_logging, get_logger


@pytest.fixture(autouse=True)
def _restore_logging() -> object:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield None
    root.handlers[:] = handlers
    root.setLevel(level)
    configure_logging("auto", "info")


def test_a_library_warning_is_one_json_line_naming_its_logger(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("json", "info")
    logging.getLogger("psycopg.pool").warning("error connecting in %r", "pool-1")
    get_logger("raceday.test").info("ours", race_id="r1")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert lines[0]["event"] == "error connecting in 'pool-1'"
    assert lines[0]["logger"] == "psycopg.pool" and lines[0]["level"] == "warning"
    assert "timestamp" in lines[0]
    assert lines[1]["event"] == "ours" and lines[1]["race_id"] == "r1"


def test_library_info_is_left_out_unless_debug(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("json", "info")
    logging.getLogger("httpx").info("HTTP Request: GET http://127.0.0.1/")
    assert capsys.readouterr().err == ""
    configure_logging("json", "debug")
    logging.getLogger("httpx").info("HTTP Request: GET http://127.0.0.1/")
    [line] = capsys.readouterr().err.splitlines()
    assert json.loads(line)["logger"] == "httpx"


def test_configuring_twice_writes_each_line_once(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("json", "info")
    configure_logging("json", "info")
    logging.getLogger("uvicorn.error").error("boom")
    assert len(capsys.readouterr().err.splitlines()) == 1
