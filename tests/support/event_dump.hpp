#pragma once

// Every CloudEvent the test suites receive, written down for the schema check (tests/events,
// docs/events.md): when TASKS_EVENT_DUMP_DIR is set (ctest sets it for the suites whose events
// taskd made), each event received at the recording sidecar or read from Kafka is appended as one
// JSON line {"origin", "topic", "event"} to <dir>/<origin>-<pid>.jsonl. The ctest
// event_schemas_check validates every line against the schemas after the suites have run.

#include <string>

namespace tasks::testing {

// Appends the event (its text as received; text that is not JSON is kept as a string, so that
// the check fails on it) once: the same text on the same topic again (a retry, a re-read of a
// topic) is not repeated. Does nothing without TASKS_EVENT_DUMP_DIR.
void dump_event(const std::string& origin, const std::string& topic, const std::string& text);

// Says that this run must have dumped events of `origin` (writes <dir>/<origin>.expected): the
// check fails when an expected origin has none, so a dump that broke cannot pass unnoticed.
void expect_events(const std::string& origin);

}  // namespace tasks::testing
