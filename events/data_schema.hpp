#pragma once

// The `dataschema` of each event type: the `$id` of the JSON Schema of its `data`, a URN that does
// not depend on where taskd runs. urn:tasks:schemas:events:<version>:<type> is the file
// schemas/events/<version>/<type>.json (docs/events.md). A type's version moves here, and only
// here, when its schema gets a new version.

#include <string_view>

namespace tasks {

// The URI for `type`, or "" for a type without a schema (none that taskd emits).
std::string_view data_schema_uri(std::string_view type);

}  // namespace tasks
