"""Time per PollQueue operation for a day of 700 races (run by hand; pytest does not collect it).

    .venv/bin/python -m tests.pipeline.bench_queue [RACES]     (default 700)

Drives the same day as test_queue_simulation's 700-race test, stepping a fake `now` by 1 s,
and times each call of the poller's inner loop with perf_counter. Prints microseconds per call.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import ParamSpec, TypeVar

from raceday.pipeline import PollQueue

from .simulate import MIN, RaceScript

T = TypeVar("T")
P = ParamSpec("P")
HOUR = timedelta(hours=1)


def main(races: int = 700) -> None:
    rng = random.Random(700)
    day_start = datetime(2026, 12, 3, 6, tzinfo=UTC)
    scripts = [
        RaceScript(
            f"race-{n:05}",
            day_start + HOUR + rng.randrange(0, 15 * 60) * MIN,
            interim_after=timedelta(seconds=rng.randrange(60, 180)),
            final_after=timedelta(seconds=rng.randrange(200, 600)),
        )
        for n in range(races)
    ]
    queue = PollQueue(rng=random.Random(701))
    timings: dict[str, list[float]] = defaultdict(list)

    def timed(name: str, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        began = time.perf_counter()
        result = call(*args, **kwargs)
        timings[name].append(time.perf_counter() - began)
        return result

    now = day_start
    for s in scripts:
        timed("track (new)", queue.track, s.race_id, s.start, s.status_at(now), now)
    running: dict[str, tuple[datetime, datetime]] = {}
    finished: set[str] = set()
    next_refresh = now + 12 * MIN
    while len(finished) < len(scripts) or running:
        for race_id, (finish_at, started) in list(running.items()):
            if finish_at <= now:
                del running[race_id]
                script = scripts[int(race_id[5:])]
                status = script.status_at(started).value
                if timed("finish", queue.finish, race_id, now, status=status):
                    finished.add(race_id)
        if now >= next_refresh:
            for s in scripts:
                timed("track (unchanged)", queue.track, s.race_id, s.start, s.status_at(now), now)
            next_refresh = now + 12 * MIN
        polls = timed("take_due", queue.take_due, now, max(8, races // 90) - len(running))
        timings["take_due (handed out)" if polls else "take_due (nothing due)"].append(
            timings["take_due"][-1]
        )
        for poll in polls:
            running[poll.race_id] = (now + timedelta(seconds=1 + poll.due_at.microsecond % 2), now)
        timed("next_due_at", queue.next_due_at)
        now += timedelta(seconds=1)
    total = sum(sum(v) for v in timings.values())
    print(f"simulated {now - day_start} in {total:.2f} s of queue time")
    for name, values in sorted(timings.items()):
        us = [v * 1e6 for v in values]
        p99 = statistics.quantiles(us, n=100)[98] if len(us) >= 100 else max(us)
        print(
            f"{name:24} calls {len(us):7}  median {statistics.median(us):6.1f} us"
            f"  p99 {p99:6.1f} us  max {max(us):8.1f} us"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 700)
