"""The event schemas (schemas/events/) loaded for validation with jsonschema-rs, the validator
pinned in tests/openapi/requirements.txt (installed by `make openapi-tools`).

Shared by the checks in this directory: check_events.py (every event the suites produced, and
the broken samples), check_compat.py (the frozen corpus, immutability, compatibility).
"""

import json
import pathlib
import re

import jsonschema_rs

URN = "urn:tasks:schemas:events:"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
# The attributes daprd adds to every event it stores (docs/events.md): allowed on Kafka only.
DAPRD_ATTRIBUTES = {"topic", "pubsubname"}


def version_number(name):
    m = re.fullmatch(r"v([1-9][0-9]*)", name)
    return int(m.group(1)) if m else None


class Schemas:
    """Every schemas/events/v<n>/<name>.json, its `$id` checked against its path."""

    def __init__(self, root):
        self.root = pathlib.Path(root)
        self.by_uri = {}  # $id -> schema
        self.versions = {}  # n -> {name: schema}
        problems = []
        for d in sorted(self.root.iterdir()):
            n = version_number(d.name)
            if n is None or not d.is_dir():
                continue
            self.versions[n] = {}
            for f in sorted(d.glob("*.json")):
                schema = json.loads(f.read_text())
                want = f"{URN}v{n}:{f.stem}"
                if schema.get("$id") != want:
                    problems.append(f"{f}: $id is {schema.get('$id')!r}, its path says {want!r}")
                if schema.get("$schema") != DRAFT:
                    problems.append(f"{f}: $schema is not {DRAFT}")
                if not jsonschema_rs.meta.is_valid(schema):
                    problems.append(f"{f}: not a valid JSON Schema (meta-schema)")
                self.versions[n][f.stem] = schema
                self.by_uri[want] = schema
        if problems:
            raise SystemExit("\n".join(problems))
        self.registry = jsonschema_rs.Registry(list(self.by_uri.items()))
        self._validators = {}

    def validator(self, uri, strict, allowed=None):
        """A validator of `uri`; strict: no property the schema does not declare (a test-time rule:
        the published schemas stay open, docs/events.md); `allowed`: the envelope's names."""
        key = (uri, strict, tuple(sorted(allowed)) if allowed else None)
        if key not in self._validators:
            wrapper = {"$schema": DRAFT, "$ref": uri}
            if allowed is not None:
                wrapper["propertyNames"] = {"enum": sorted(allowed)}
            elif strict:
                wrapper["unevaluatedProperties"] = False
            self._validators[key] = jsonschema_rs.validator_for(
                wrapper, registry=self.registry, validate_formats=True)
        return self._validators[key]

    def envelope_for(self, version):
        """The newest envelope schema at or below `version` (None when there is none)."""
        for n in sorted(self.versions, reverse=True):
            if n <= version and "envelope" in self.versions[n]:
                return n
        return None


def errors(validator, instance, where):
    return [f"{where}{'/' + '/'.join(map(str, e.instance_path)) if e.instance_path else ''}: {e.message} "
            f"(rule {'/'.join(map(str, e.schema_path))})" for e in validator.iter_errors(instance)]


def event_problems(schemas, event, topic=None, origin="sidecar", strict=True):
    """Everything wrong with one CloudEvent: its envelope, its data under the schema its
    `dataschema` names (which must be its `type`'s), its topic, and the rules the contract states
    that a schema cannot (traceid = traceparent, timestamp = time, subject = task_id)."""
    if not isinstance(event, dict):
        return [f"not a JSON object: {str(event)[:120]!r}"]
    uri = event.get("dataschema")
    m = re.fullmatch(re.escape(URN) + r"v([1-9][0-9]*):([a-z]+\.[a-z]+)", uri) if isinstance(uri, str) else None
    if not m or uri not in schemas.by_uri:
        return [f"dataschema {uri!r} names no schema in {schemas.root}"]
    version = int(m.group(1))
    data_schema = schemas.by_uri[uri]
    problems = []
    env_version = schemas.envelope_for(version)
    env_uri = f"{URN}v{env_version}:envelope"
    allowed = None
    if strict:
        allowed = set(schemas.by_uri[env_uri]["properties"])
        if origin != "kafka":
            allowed -= DAPRD_ATTRIBUTES
    problems += errors(schemas.validator(env_uri, strict, allowed), event, "envelope")
    if data_schema.get("x-event-type") != event.get("type"):
        problems.append(f"dataschema {uri} is the schema of {data_schema.get('x-event-type')!r}, "
                        f"the event is a {event.get('type')!r}")
    if topic is not None and data_schema.get("x-topic") != topic:
        problems.append(f"a {event.get('type')} on topic {topic!r}; its topic is {data_schema.get('x-topic')!r}")
    data = event.get("data")
    problems += errors(schemas.validator(uri, strict), data, "data")
    if strict:
        if event.get("traceid") != event.get("traceparent"):
            problems.append("traceid differs from traceparent (contract section 4: the same value)")
        if isinstance(data, dict):
            if "timestamp" in data and data["timestamp"] != event.get("time"):
                problems.append("data/timestamp differs from time (contract section 4: equal)")
            if data.get("task_id") != event.get("subject"):
                problems.append("data/task_id differs from subject")
    return problems
