"""The event schemas' compatibility rules (docs/events.md, "Versions"): the ctest
event_schemas_compat.

  check_compat.py SCHEMAS

- Published files are immutable: every file under SCHEMAS/v<n>/ and SCHEMAS/examples/ is listed
  in SCHEMAS/SHA256SUMS with its hash, and the hash still matches. A changed schema fails: add
  v<n+1> instead (a new file is listed once, when it is published).
- The frozen corpus SCHEMAS/examples/<type>/*.json (real events as taskd sent them) is accepted by
  every version's schemas of that type (envelope and data): a new version may only widen what
  an older one accepted, never refuse an event an older consumer could have received.
- A version keeps every type (and the envelope) of the version before it; every type has examples.
"""

import hashlib
import json
import pathlib
import sys

from event_schemas import URN, Schemas, event_problems


def main(argv):
    root = pathlib.Path(argv[1])
    schemas = Schemas(root)
    bad = []

    # Immutability: the manifest against the files.
    manifest = {}
    for line in (root / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        manifest[name.strip()] = digest
    files = sorted(str(p.relative_to(root)) for p in root.glob("v*/*.json")) + \
        sorted(str(p.relative_to(root)) for p in root.glob("examples/*/*.json"))
    for name in files:
        digest = hashlib.sha256((root / name).read_bytes()).hexdigest()
        if name not in manifest:
            bad.append(f"{name} is not in SHA256SUMS: list it when it is published "
                       f"(sha256sum {name} >> SHA256SUMS, from {root})")
        elif manifest[name] != digest:
            bad.append(f"{name} changed since it was published: published schemas and examples are "
                       "immutable; make the change in a new version directory (docs/events.md)")
    for name in manifest:
        if not (root / name).is_file():
            bad.append(f"{name} is in SHA256SUMS but gone: a published file is never removed")

    # Versions keep what the one before had.
    numbers = sorted(schemas.versions)
    if numbers != list(range(1, len(numbers) + 1)):
        bad.append(f"versions {numbers}: they go v1, v2, ... without gaps")
    for older, newer in zip(numbers, numbers[1:]):
        for name in sorted(set(schemas.versions[older]) - set(schemas.versions[newer])):
            bad.append(f"v{newer} drops {name} of v{older}: a version keeps every type")

    # The corpus: every example of a type, under every version that has the type.
    types = sorted({name for v in schemas.versions.values() for name in v if name != "envelope"})
    checked = 0
    for type_ in types:
        examples = sorted((root / "examples" / type_).glob("*.json"))
        if not examples:
            bad.append(f"examples/{type_}/ has no example: every type needs at least one")
        for f in examples:
            event = json.loads(f.read_text())
            for n in numbers:
                if type_ not in schemas.versions[n]:
                    continue
                # The example as a consumer of v<n> reads it: its data under v<n>'s schema.
                as_read = dict(event, dataschema=f"{URN}v{n}:{type_}")
                origin = "kafka" if "pubsubname" in event else "sidecar"
                problems = event_problems(schemas, as_read, None, origin, strict=False)
                checked += 1
                for p in problems:
                    bad.append(f"examples/{type_}/{f.name} is refused by v{n}: {p}")
    if bad:
        print("\n".join(bad), file=sys.stderr)
        return 1
    print(f"event_schemas_compat: {len(files)} published files unchanged, versions {numbers}, "
          f"{checked} example checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
