"""Validates CloudEvents against schemas/events/ (docs/events.md).

  check_events.py SCHEMAS dump DIR    every event the suites wrote to DIR (tests/support/event_dump.hpp,
                                      one JSON line {"origin", "topic", "event"} each): the ctest
                                      event_schemas_check. Fails on any violation, on no events at
                                      all, and on an origin a suite expected (<origin>.expected) with none.
  check_events.py SCHEMAS broken DIR  the negative test (event_schemas_check_fails): every sample in
                                      DIR ({"event", "topic"?, "origin"?, "violates"}) must be refused,
                                      with a problem that mentions its "violates".
"""

import collections
import json
import pathlib
import sys

from event_schemas import Schemas, event_problems

MAX_SHOWN = 20


def check_dump(schemas, directory):
    directory = pathlib.Path(directory)
    counts = collections.Counter()
    failures = []
    for f in sorted(directory.glob("*.jsonl")):
        for number, line in enumerate(f.read_text().splitlines(), 1):
            record = json.loads(line)
            origin, topic, event = record["origin"], record["topic"], record["event"]
            problems = event_problems(schemas, event, topic, origin)
            counts[origin, event.get("type") if isinstance(event, dict) else None] += 1
            if problems:
                ident = (event.get("type"), event.get("id")) if isinstance(event, dict) else ("?", "?")
                failures.append(f"{f.name}:{number}: {origin} {ident[0]} {ident[1]} on {topic}:\n    "
                                + "\n    ".join(problems))
    origins = collections.Counter()
    for (origin, type_), n in sorted(counts.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        print(f"{origin:8} {str(type_):22} {n}")
        origins[origin] += n
    bad = failures[:MAX_SHOWN]
    if len(failures) > MAX_SHOWN:
        bad.append(f"... and {len(failures) - MAX_SHOWN} more")
    for expected in sorted(directory.glob("*.expected")):
        if origins[expected.stem] == 0:
            bad.append(f"a suite expected {expected.stem} events in {directory} and none were written: "
                       "the dump is broken (tests/support/event_dump.hpp)")
    if not counts:
        bad.append(f"no events in {directory}: nothing was checked (is TASKS_EVENT_DUMP_DIR set for the suites?)")
    if bad:
        print("\n".join(bad), file=sys.stderr)
        return 1
    print(f"event_schemas_check: {sum(counts.values())} events valid")
    return 0


def check_broken(schemas, directory):
    samples = sorted(pathlib.Path(directory).glob("*.json"))
    bad = []
    for f in samples:
        sample = json.loads(f.read_text())
        problems = event_problems(schemas, sample["event"], sample.get("topic"), sample.get("origin", "sidecar"))
        if not problems:
            bad.append(f"{f.name}: accepted, but it violates {sample['violates']!r}")
        elif not any(sample["violates"] in p for p in problems):
            bad.append(f"{f.name}: refused for something else than {sample['violates']!r}: {problems}")
        else:
            print(f"{f.name}: refused: {next(p for p in problems if sample['violates'] in p)}")
    if not samples:
        bad.append(f"no samples in {directory}")
    if bad:
        print("\n".join(bad), file=sys.stderr)
        return 1
    return 0


def main(argv):
    if len(argv) != 4 or argv[2] not in ("dump", "broken"):
        print(__doc__, file=sys.stderr)
        return 2
    schemas = Schemas(argv[1])
    return (check_dump if argv[2] == "dump" else check_broken)(schemas, argv[3])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
