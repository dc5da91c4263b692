"""Which meetings and races a listing query returns, in which order (before paging).

The real API works in UTC: the meetings list returns every meeting of every NZ racing day whose
span overlaps [date_from, date_to], so `date_from=today` (a UTC day) brings two NZ days and a
client must keep the meetings of the NZ date it wants. The races list returns the races whose
start lies in the range, ordered by it; the order uses the scheduled start, which never changes,
so pages of one query never lose or repeat a race when a start is put back between two pages.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from raceday.sim.days import DayBook, MeetingFacts
from raceday.sim.instants import to_ns
from raceday.sim.query import MeetingsQuery, RacesListQuery

__all__ = ["list_meetings", "list_races"]

JsonDict = dict[str, Any]
_ONE_DAY = timedelta(days=1)


def _wanted(
    facts: MeetingFacts,
    categories: tuple[str, ...] | None,
    countries: tuple[str, ...] | None,
) -> bool:
    return (categories is None or facts.category in categories) and (
        countries is None or facts.country in countries
    )


def list_meetings(book: DayBook, query: MeetingsQuery, at: datetime) -> list[JsonDict]:
    """Every meeting the query selects, day by day in the model's order, as of `at`."""
    if query.futures:  # futures are pseudo-meetings the simulator does not invent
        return []
    selected: list[JsonDict] = []
    for day in book.days_overlapping(query.date_from.ns, query.date_to.ns):
        wanted = {
            meeting_id
            for meeting_id, facts in book.meeting_facts(day).items()
            if _wanted(facts, query.categories, query.countries)
            and (query.ids is None or meeting_id in query.ids)
            and (
                query.meeting_numbers is None or facts.tote_meeting_number in query.meeting_numbers
            )
        }
        if wanted:
            selected += [m for m in book.model(day).meetings_data(at) if m["meeting"] in wanted]
    return selected


def list_races(book: DayBook, query: RacesListQuery, at: datetime) -> list[JsonDict]:
    """The race summaries whose scheduled start lies in the query's range, ordered by it."""
    low, high = query.date_from.ns, query.date_to.ns
    # A day's races start inside it or, abroad, after its end: the day before can hold races
    # that start in the range, the day after cannot.
    overlapping = book.days_overlapping(low, high)
    days = [overlapping[0] - _ONE_DAY, *overlapping]
    keyed: list[tuple[int, str, JsonDict]] = []
    for day in days:
        facts = book.meeting_facts(day)
        chosen = {}
        for race in book.races(day):
            start = to_ns(race.scheduled_start)
            meeting = facts.get(str(race.meeting_id))
            if (
                low <= start <= high
                and meeting is not None
                and _wanted(meeting, query.meet_types, query.countries)
            ):
                chosen[str(race.race_id)] = start
        if not chosen:
            continue
        for summary in book.model(day).race_summaries(at):
            start_ns = chosen.get(summary["id"])
            if start_ns is not None:
                keyed.append((start_ns, summary["id"], summary))
    keyed.sort(key=lambda item: (item[0], item[1]), reverse=not query.ascending)
    return [summary for _, _, summary in keyed]
