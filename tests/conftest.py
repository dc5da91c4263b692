"""Fixture modules shared by the whole suite, and the `db` marker applied automatically."""

from __future__ import annotations

import pytest

pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.samples",
    "tests.fixtures.simulator",
    "tests.fixtures.api",  # last: it builds on the others
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Any test that reaches the server is a database test: `make test-db` / `-m db` selects them.
    for item in items:
        if "server_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)
