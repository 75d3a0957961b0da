#pragma once

// Bulk publish (daprd 1.18: POST /v1.0/publish/bulk/{pubsub}/{topic}) as pure functions: the
// body of one request from lanes' rows, and what its answer means for each lane, in the same
// terms as single publish (LaneOutcome: (row id, AttemptResult) in send order, ending at the
// lane's first failure), so that events/failure_model and events/round_result judge both alike.
// The Dapr client only carries the bytes (events/dapr_client.cpp); docs/publishing.md says what
// daprd does with the entries.

#include <cstdint>
#include <string>
#include <vector>

#include "events/lanes.hpp"
#include "events/retry_policy.hpp"

namespace tasks {

// One lane's rows in a bulk request: rows [first, first + count) of lanes[lane], consecutive and
// in id order. A request carries its parts in this order.
struct BulkPart {
  size_t lane = 0;
  size_t first = 0;
  size_t count = 0;
};

// What one bulk answer means: one outcome per part (in the parts' order), and how many entries
// the broker wrote after an earlier entry of their lane had failed ("reorder risks": they stay in
// the outbox and go again after the failed one, so a consumer may see them twice and early).
struct BulkAnswer {
  std::vector<LaneOutcome> parts;
  std::uint64_t reorder_risks = 0;
};

// A request budget well under daprd's default body limit (4 MiB, dapr.io/max-body-size).
inline constexpr size_t default_bulk_max_bytes = 1024 * 1024;

// Whether a stored payload can go into a bulk body as it is: a JSON object. Anything else would
// make the whole array unreadable to daprd (400 for every entry), so it goes by single publish,
// where daprd answers for it alone.
bool bulk_embeddable(const std::string& payload);

// How many rows of `lane`, from row `first`, go into one request: as many as keep the body within
// `max_bytes` (at least one), stopping before a row that is not bulk_embeddable. 0 when the row
// at `first` is not embeddable (it goes by single publish).
size_t bulk_part_size(const Lane& lane, size_t first, size_t max_bytes);

// The request body: a JSON array of {"entryId": "<row id>", "event": <the stored CloudEvent,
// embedded as it is>, "contentType": "application/cloudevents+json", "metadata":
// {"partitionKey": "<user>"}}, the parts' rows in order. Every part's rows must be embeddable.
std::string bulk_body(const std::vector<Lane>& lanes, const std::vector<BulkPart>& parts);

// The bytes one row adds to a body (its entry and a separator).
size_t bulk_entry_size(const OutboxRow& row);

// Reads a bulk answer:
// - 2xx: every entry delivered;
// - 500 with errorCode ERR_PUBSUB_PUBLISH_MESSAGE and a failedEntries list naming only entries of
//   this request: per part, the rows before its first failed entry are delivered, that entry
//   fails as a single publish answering 500 ERR_PUBSUB_PUBLISH_MESSAGE with the entry's error
//   would, and the rows after it are not sent (later rows not named as failed count as reorder
//   risks: the broker wrote them);
// - anything else (another status or code, a transport error, a list that is malformed or names
//   an entry we did not send): the answer is the first row's of every part, the rest not sent.
// A delivered entry's result is http_status 204.
BulkAnswer read_bulk_answer(const std::vector<Lane>& lanes, const std::vector<BulkPart>& parts,
                            const AttemptResult& answer);

// The sidecar has no bulk route (404 or 405 without a Dapr errorCode: an older or other server);
// daprd's own 404 ERR_PUBSUB_NOT_FOUND has a code and is topic trouble as for single publish.
bool bulk_route_refused(const AttemptResult& answer);

// A whole-request answer that blames one event without naming it (ERR_PUBSUB_EVENTS_SER,
// ERR_PUBSUB_CLOUD_EVENTS_SER, a bare 400 or 413) for a request of several entries: which event
// it was cannot be told, so the rows are sent again one at a time by single publish, and only
// the guilty one is judged for itself.
bool bulk_answer_needs_single(const AttemptResult& answer, size_t entries);

}  // namespace tasks
