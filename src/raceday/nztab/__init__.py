"""NZTAB affiliates API bodies: payload models, time parsers, and loading files with clear errors;
the async client of the API and the raw capture archive of every body it receives.

The public surface of the package; ingest and the CLI import only these names.
"""

from raceday.nztab.capture import (
    Capture,
    CaptureReader,
    CaptureRecord,
    CaptureRef,
    is_capture_archive,
    iter_capture,
)
from raceday.nztab.client import Fetched, MeetingsFetch, NztabClient
from raceday.nztab.errors import CaptureError, NztabError
from raceday.nztab.models import (
    Dividend,
    EventBet,
    Header,
    Meeting,
    MeetingDetail,
    MeetingRace,
    MeetingsList,
    MoneyShare,
    MoneyTrackerRow,
    Odds,
    Payload,
    RaceDetail,
    RaceEvent,
    RacesList,
    RaceSummary,
    Result,
    Runner,
    Substitution,
    TotePool,
    ToteTrends,
)
from raceday.nztab.payloads import (
    SUPPORTED_PAYLOAD_TYPES,
    PayloadError,
    PayloadType,
    UnsupportedPayloadError,
    detect_payload_type,
    load_payload,
    parse_payload,
)

__all__ = [
    "SUPPORTED_PAYLOAD_TYPES",
    "Capture",
    "CaptureError",
    "CaptureReader",
    "CaptureRecord",
    "CaptureRef",
    "Dividend",
    "EventBet",
    "Fetched",
    "Header",
    "Meeting",
    "MeetingDetail",
    "MeetingRace",
    "MeetingsFetch",
    "MeetingsList",
    "MoneyShare",
    "MoneyTrackerRow",
    "NztabClient",
    "NztabError",
    "Odds",
    "Payload",
    "PayloadError",
    "PayloadType",
    "RaceDetail",
    "RaceEvent",
    "RaceSummary",
    "RacesList",
    "Result",
    "Runner",
    "Substitution",
    "TotePool",
    "ToteTrends",
    "UnsupportedPayloadError",
    "detect_payload_type",
    "is_capture_archive",
    "iter_capture",
    "load_payload",
    "parse_payload",
]
