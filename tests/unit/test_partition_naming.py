"""The `{parent}_YYYY_MM_DD` naming rule and its inverse."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raceday.partitions.naming import (
    HISTORY_PARENTS,
    MAX_IDENTIFIER_BYTES,
    parse_partition_name,
    partition_name,
)

PROPERTY = settings(max_examples=500, deadline=None, database=None)


def test_history_parents() -> None:
    assert HISTORY_PARENTS == ("odds_history", "money_flow_history")


@pytest.mark.parametrize(
    ("parent", "day", "name"),
    [
        ("odds_history", date(2025, 7, 16), "odds_history_2025_07_16"),
        ("money_flow_history", date(2000, 1, 1), "money_flow_history_2000_01_01"),
        ("t", date(1, 2, 3), "t_0001_02_03"),
        ("odds_history_2020_01_01", date(2021, 12, 31), "odds_history_2020_01_01_2021_12_31"),
    ],
)
def test_names_and_their_inverse(parent: str, day: date, name: str) -> None:
    assert partition_name(parent, day) == name
    assert parse_partition_name(name) == (parent, day)


@pytest.mark.parametrize(
    "name",
    [
        "odds_history",
        "odds_history_2025_02_30",  # no such date
        "odds_history_2025_13_01",
        "odds_history_0000_01_01",
        "odds_history_20250716",
        "odds_history_2025_7_16",
        "odds_history_2025_07_16_old",
        "odds_history_p2025_07_16",
        "_2025_07_16",  # no parent
        "odds_history_\uff12\uff10\uff12\uff15_07_16",  # full-width digits
        "odds_history_2025_07_16\n",
    ],
)
def test_other_names_do_not_parse(name: str) -> None:
    assert parse_partition_name(name) is None


def test_names_longer_than_postgres_allows_are_refused() -> None:
    longest_parent = "p" * (MAX_IDENTIFIER_BYTES - len("_2025_07_16"))
    assert len(partition_name(longest_parent, date(2025, 7, 16))) == MAX_IDENTIFIER_BYTES
    with pytest.raises(ValueError, match="63 bytes"):
        partition_name(longest_parent + "p", date(2025, 7, 16))
    # Bytes, not characters: 'é' is two bytes in UTF-8.
    with pytest.raises(ValueError, match="63 bytes"):
        partition_name("é" * 27, date(2025, 7, 16))


@pytest.mark.parametrize("parent", ["", "odds\x00history", "odds\ud800history"])
def test_invalid_parents_are_refused(parent: str) -> None:
    with pytest.raises(ValueError):
        partition_name(parent, date(2025, 7, 16))


@PROPERTY
@given(
    parent=st.text(
        st.characters(codec="utf-8", exclude_characters="\x00"),
        min_size=1,
        max_size=40,
    ),
    day=st.dates(),
)
def test_round_trip(parent: str, day: date) -> None:
    try:
        name = partition_name(parent, day)
    except ValueError:
        assert len(parent.encode()) + len("_YYYY_MM_DD") > MAX_IDENTIFIER_BYTES
        return
    assert parse_partition_name(name) == (parent, day)


@PROPERTY
@given(name=st.text(max_size=70))
def test_parse_is_the_exact_inverse_where_it_answers(name: str) -> None:
    parsed = parse_partition_name(name)
    if parsed is not None and len(name.encode()) <= MAX_IDENTIFIER_BYTES:
        assert partition_name(*parsed) == name
