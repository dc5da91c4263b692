"""Recognise an NZTAB body, validate it into a model, and fail with the file, race and field path.

`load_payload(path)` is what `raceday ingest` calls per file; `parse_payload(body)` is the same for
a body already decoded (the poller). Both raise `PayloadError` (never a bare pydantic or JSON
error), and `UnsupportedPayloadError` for a body raceday does not ingest.

Supported: the meetings list, meeting detail, races list and race event bodies, everything the
schema is filled from. Refused as unsupported: extras, extras list, futures (pseudo-races with
number 0 and status ""), the OpenAPI spec, and anything unrecognised.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import ValidationError

from raceday import fastjson
from raceday.errors import NotJsonError, PayloadError, UnsupportedPayloadError
from raceday.nztab.models import (
    MeetingDetail,
    MeetingsList,
    Payload,
    RaceEvent,
    RacesList,
)

__all__ = [
    "SUPPORTED_PAYLOAD_TYPES",
    "NotJsonError",
    "PayloadError",
    "PayloadType",
    "UnsupportedPayloadError",
    "decode_body",
    "detect_payload_type",
    "field_path",
    "load_payload",
    "parse_payload",
    "read_body",
]

PayloadType = Literal[
    "meetings",
    "meeting",
    "races_list",
    "race_event",
    "extras",
    "extras_list",
    "futures",
    "openapi",
    "error",
    "unknown",
]

_MODELS: dict[str, type[MeetingsList] | type[RacesList] | type[RaceEvent]] = {
    "meetings": MeetingsList,
    "meeting": MeetingDetail,
    "races_list": RacesList,
    "race_event": RaceEvent,
}
SUPPORTED_PAYLOAD_TYPES: frozenset[str] = frozenset(_MODELS)

# header.url paths as served (data guide §2); the query string is ignored. Order matters: the
# specific "/meetings/{id}" and "/extras/{id}" before their list endpoints.
_URL_RULES: tuple[tuple[re.Pattern[str], PayloadType], ...] = (
    (re.compile(r"/racing/events/[^/?]+$"), "race_event"),
    (re.compile(r"/racing/meetings/[^/?]+$"), "meeting"),
    (re.compile(r"/racing/meetings/?$"), "meetings"),
    (re.compile(r"/racing/list/?$"), "races_list"),
    (re.compile(r"/racing/extras/[^/?]+$"), "extras"),
    (re.compile(r"/racing/extras/?$"), "extras_list"),
    (re.compile(r"/racing/futures/?$"), "futures"),
)
_TITLES: dict[str, PayloadType] = {
    "Race Meetings": "meetings",
    "Get meeting by id": "meeting",
    "List Races": "races_list",
    "Extras": "extras",
    "List Extras": "extras_list",
    "Future meetings": "futures",
}
_RACE_EVENT_TITLE = "Event Details"


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def detect_payload_type(body: object) -> PayloadType:
    """Which NZTAB endpoint produced `body`: decided by header.url, then header.title, then shape.

    Futures come from the meetings endpoint's sibling and look like a meetings list; they are
    recognised by their url, title or `params.futures`. An error envelope (header.error set, no
    data) is "error"; anything else unrecognised is "unknown".
    """
    if not isinstance(body, Mapping):
        return "unknown"
    if "openapi" in body and "paths" in body:
        return "openapi"
    header = body.get("header")
    header = header if isinstance(header, Mapping) else {}
    params = body.get("params")
    if isinstance(params, Mapping) and params.get("futures") is True:
        return "futures"
    if _text(header.get("error")) and body.get("data") is None:
        return "error"
    path = _text(header.get("url")).split("?", 1)[0]
    for pattern, kind in _URL_RULES:
        if pattern.search(path):
            return kind
    title = _text(header.get("title")).strip()
    if title.startswith(_RACE_EVENT_TITLE):
        return "race_event"
    if title in _TITLES:
        return _TITLES[title]
    return _detect_by_shape(body.get("data"))


def _detect_by_shape(data: object) -> PayloadType:
    # Last resort for a body whose header says nothing useful (e.g. saved by an older poller).
    if not isinstance(data, Mapping):
        return "unknown"
    if isinstance(data.get("race"), Mapping) and ("runners" in data or "entrants" in data):
        return "race_event"
    if isinstance(data.get("races"), list):
        return "races_list"
    if isinstance(data.get("meetings"), list):
        return "meetings"
    extras = data.get("extras")
    if isinstance(extras, list):
        return "extras_list"
    if isinstance(extras, Mapping):
        return "extras"
    return "unknown"


def field_path(loc: Sequence[int | str]) -> str:
    """A pydantic error location as a JSON path: ("data", "runners", 3) -> "data.runners[3]"."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _describe(body: object) -> str:
    if not isinstance(body, Mapping):
        return f"a JSON {type(body).__name__}, not an object"
    if "openapi" in body:
        info = body.get("info")
        title = _text(info.get("title")) if isinstance(info, Mapping) else ""
        return f"OpenAPI {_text(body.get('openapi'))} spec {title!r}".strip()
    header = body.get("header")
    header = header if isinstance(header, Mapping) else {}
    described = " ".join(x for x in (_text(header.get("title")), _text(header.get("url"))) if x)
    return described or "no header.title or header.url"


def _race_id(body: object, loc: Sequence[int | str] = ()) -> str | None:
    """The race a problem belongs to, when the body says: the event's id, or the race at `loc`."""
    if not isinstance(body, Mapping):
        return None
    data = body.get("data")
    if isinstance(data, Mapping) and isinstance(data.get("race"), Mapping):
        event_id = data["race"].get("event_id")
        if isinstance(event_id, str) and event_id:
            return event_id
    params = body.get("params")
    header = body.get("header")
    if (
        isinstance(params, Mapping)
        and isinstance(header, Mapping)
        and "/racing/events/" in _text(header.get("url"))
        and isinstance(params.get("id"), str)
    ):
        return cast(str, params["id"])
    # Meetings and races lists: walk the location; the innermost races[i] names the race.
    node: Any = body
    previous: int | str | None = None
    found: str | None = None
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if previous == "races" and isinstance(part, int) and isinstance(node, Mapping):
            race_id = node.get("id")
            found = race_id if isinstance(race_id, str) and race_id else found
        previous = part
    return found


def parse_payload(body: object, *, source: str | Path | None = None) -> Payload:
    """Detect the type of a decoded body and validate it into its model.

    Raises UnsupportedPayloadError for a type raceday does not ingest, and PayloadError (file
    `source`, race id when known, field path) for a body that does not validate.
    """
    kind = detect_payload_type(body)
    if kind == "error":
        header = cast(Mapping[str, Any], cast(Mapping[str, Any], body)["header"])
        raise PayloadError(
            f"NZTAB error response: {_text(header.get('error'))} "
            f"(error_code {header.get('error_code')!r}, {_describe(body)})",
            file=source,
            race_id=_race_id(body),
            payload_type=kind,
        )
    model = _MODELS.get(kind)
    if model is None:
        raise UnsupportedPayloadError(
            f"unsupported payload type: {kind} ({_describe(body)})",
            file=source,
            payload_type=kind,
            hint="raceday ingests meetings lists, meeting details, races lists and race events; "
            "leave this file out",
        )
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        problems = [f"{field_path(e['loc']) or '<body>'}: {_message(e)}" for e in errors]
        first = errors[0]
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise PayloadError(
            f"{_message(first)}{_shown_input(first)}{more}",
            file=source,
            race_id=_race_id(body, first["loc"]),
            field_path=field_path(first["loc"]) or None,
            payload_type=kind,
            problems=problems,
        ) from exc


def _message(error: Mapping[str, Any]) -> str:
    # pydantic prefixes our own ValueError texts with "Value error, "; the path already says where.
    message = str(error.get("msg", ""))
    return message.removeprefix("Value error, ")


def _shown_input(error: Mapping[str, Any]) -> str:
    # The offending value helps, unless the message already quotes it or it is a whole object.
    value = error.get("input")
    if isinstance(value, (Mapping, list)) or repr(value) in _message(error):
        return ""
    shown = repr(value)
    return f" (got {shown[:80]}{'…' if len(shown) > 80 else ''})"


def read_body(path: Path) -> object:
    """The decoded JSON of the file at `path`; PayloadError naming the file when it cannot be."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PayloadError(f"cannot read the file: {exc.strerror or exc}", file=path) from exc
    return decode_body(raw, source=path)


def decode_body(raw: bytes, *, source: str | Path) -> object:
    """The decoded JSON of a body (a file's, a capture's, a poll's), with the rules every body
    meets: strict JSON (NaN and Infinity are not numbers) and only text PostgreSQL can store.
    NotJsonError when it is not JSON; PayloadError naming the field when its text cannot be
    stored. Both name `source`."""
    try:
        body = fastjson.loads(raw)
    except fastjson.JSONDecodeError as exc:
        if not _SUSPECT_ESCAPE.search(raw):
            raise NotJsonError(f"not valid JSON: {exc}", file=source) from None
        # orjson refuses a lone surrogate escape as bad JSON. It is JSON, only not storable
        # text: decode it the slow way so that the walk below names the field.
        try:
            body = json.loads(raw, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            raise NotJsonError(f"not valid JSON: {exc}", file=source) from None
    if _SUSPECT_ESCAPE.search(raw):  # cheap test first; the walk runs only when needed
        problem = _unstorable_text(body)
        if problem:
            where, what = problem
            raise PayloadError(f"text that cannot be stored: {what}", file=source, field_path=where)
    return body


# JSON escapes that decode to text PostgreSQL cannot hold: NUL, and surrogates (a lone one is
# not a character; a valid pair decodes to one character and passes the walk below).
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def _unstorable_text(node: object, path: str = "") -> tuple[str, str] | None:
    """The JSON path and the problem of the first string PostgreSQL could not store."""
    if isinstance(node, str):
        if "\x00" in node:
            return path or "<body>", "a NUL character"
        try:
            node.encode("utf-8")
        except UnicodeEncodeError:
            return path or "<body>", "a lone UTF-16 surrogate (not a character)"
        return None
    if isinstance(node, Mapping):
        items: Any = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return None
    for key, value in items:
        where = f"{path}[{key}]" if isinstance(key, int) else (f"{path}.{key}" if path else key)
        found = _unstorable_text(value, where) or _unstorable_text(key, where)
        if found:
            return found
    return None


def load_payload(path: Path) -> Payload:
    """Read the JSON file at `path`, detect its type and validate it.

    Raises PayloadError naming the file when it cannot be read, is not JSON or does not
    validate, and UnsupportedPayloadError when it is not a body raceday ingests.
    """
    return parse_payload(read_body(path), source=path)


def _refuse_constant(name: str) -> object:
    # NaN and Infinity are not JSON; Python's decoder would accept them as floats.
    raise ValueError(f"{name} is not a JSON number")
