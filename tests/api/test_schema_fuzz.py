"""schemathesis over the served OpenAPI document, against the real app on a generated day:
every operation, with valid inputs (positive) and with invalid ones (negative: they must be
refused with a 4xx); 0 server errors and 0 responses that break the spec (status codes, content
types, bodies).

Driven through hypothesis directly (one property per operation) rather than schemathesis's
pytest plugin, which does not load under this pytest (9.x: `Function._nodeid` is gone).

The same 40 cases per operation and mode every run (derandomised: CI stays reproducible). A larger,
random run: `RACEDAY_FUZZ_EXAMPLES=500 .venv/bin/pytest tests/api/test_schema_fuzz.py -s`
(it prints how many cases each operation got).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

pytestmark = pytest.mark.db

_FUZZ = os.environ.get("RACEDAY_FUZZ_EXAMPLES")
_EXAMPLES = int(_FUZZ) if _FUZZ else 40
# Rules between fields (an alert band's max above its min, one user per save) have no JSON
# Schema spelling: a body the schema allows may rightly be a 400 there. Such operations are
# still checked for server errors and for responses that break the spec.
_CROSS_FIELD_RULES = {"POST /api/user-alert-configs"}


def _property(operation: Any, mode: GenerationMode, cases: Counter[str]) -> Callable[[], None]:
    """The hypothesis property for one operation and mode; counts its cases in `cases`."""
    label = f"{operation.label} ({mode.value})"

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not _FUZZ,  # the same cases every run unless asked for more
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        cases[label] += 1
        cross_field = case.operation.label in _CROSS_FIELD_RULES
        case.call_and_validate(excluded_checks=[positive_data_acceptance] if cross_field else None)

    return check  # type: ignore[no-any-return]


def test_no_server_error_and_every_response_matches_the_spec(
    generated_api: httpx.Client,
) -> None:
    schema = schemathesis.openapi.from_url(str(generated_api.base_url.join("/openapi.json")))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 3, [op.label for op in operations]
    failures: list[str] = []
    cases: Counter[str] = Counter()
    for operation, mode in [(op, m) for op in operations for m in GenerationMode]:
        check = _property(operation, mode, cases)
        try:
            check()
        except Unsatisfiable:
            # No invalid input exists for an operation without inputs (/health, say).
            assert mode is GenerationMode.NEGATIVE, operation.label
        except Exception as exc:  # every operation is tried; all failures are reported
            failures.append(f"{operation.label} ({mode.value}): {exc}")
    for label, count in sorted(cases.items()):
        print(f"schemathesis: {label}: {count} cases")
    print(
        f"schemathesis: {len(operations)} operations, {sum(cases.values())} cases, "
        f"{len(failures)} failing"
    )
    assert not failures, "\n\n".join(failures)
