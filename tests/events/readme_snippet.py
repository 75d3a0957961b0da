"""The readme_consumer_snippet ctest: the README's consumer snippet (the ```python block after
the marker `<!-- tested: readme_consumer_snippet -->`), run as written from the repository root:
it must accept every event of the frozen corpus and refuse broken events.

  readme_snippet.py ROOT
"""

import json
import pathlib
import re
import subprocess
import sys
import tempfile

MARKER = "<!-- tested: readme_consumer_snippet -->"


def main(argv):
    root = pathlib.Path(argv[1])
    readme = (root / "README.md").read_text()
    m = re.search(re.escape(MARKER) + r"\s*```python\n(.*?)```", readme, re.S)
    if not m:
        print(f"README.md has no ```python block after {MARKER}", file=sys.stderr)
        return 1
    bad = []
    with tempfile.TemporaryDirectory() as tmp:
        snippet = pathlib.Path(tmp) / "validate_event.py"
        snippet.write_text(m.group(1))

        def run(event):
            return subprocess.run([sys.executable, str(snippet)], cwd=root, input=json.dumps(event),
                                  capture_output=True, text=True)

        examples = sorted((root / "schemas/events/examples").glob("*/*.json"))
        for f in examples:
            r = run(json.loads(f.read_text()))
            if r.returncode != 0:
                bad.append(f"the snippet refuses {f.relative_to(root)}: {r.stderr.strip()[-400:]}")
        for name in ("changed_field_typo", "action_not_in_enum", "time_not_utc", "due_date_not_a_date"):
            r = run(json.loads((root / f"tests/events/broken/{name}.json").read_text())["event"])
            if r.returncode == 0 or "ValidationError" not in r.stderr:
                bad.append(f"the snippet accepts the broken event {name} (exit {r.returncode})")
    if not examples:
        bad.append("no examples under schemas/events/examples/")
    if bad:
        print("\n".join(bad), file=sys.stderr)
        return 1
    print(f"readme_consumer_snippet: {len(examples)} examples accepted, 4 broken events refused")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
