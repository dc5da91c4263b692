"""JSON through orjson where it is hot: every polled body is decoded twice (the client checks
it is a JSON object, the store worker validates it) and its runners' form data is encoded again
as jsonb. orjson does each several times faster than the standard library (measured: the
stdlib's decode was the poller's largest single cost, 2 ms a race event) and is strict where
NZTAB bodies need it: NaN, Infinity and lone surrogates are not JSON and are refused.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["JSONDecodeError", "dumps", "loads"]

JSONDecodeError = orjson.JSONDecodeError  # a ValueError (and a json.JSONDecodeError)


def loads(raw: bytes | str) -> Any:
    """The decoded value; JSONDecodeError (a ValueError) when `raw` is not strict JSON."""
    return orjson.loads(raw)


def dumps(value: object) -> bytes:
    """Compact UTF-8 JSON of `value`. What orjson will not encode (integers beyond 64 bits,
    keys that are not strings) goes through the standard library instead of failing."""
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
