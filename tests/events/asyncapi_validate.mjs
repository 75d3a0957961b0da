// The asyncapi_validate ctest: the AsyncAPI parser (pinned in package-lock.json, installed by
// `make openapi-tools` into .cache/openapi-tools/asyncapi) reads asyncapi.yaml with its $refs to
// schemas/events/ and validates it. Any diagnostic of severity error or warning fails: the
// document stays clean.
import { Parser, fromFile } from '@asyncapi/parser';

const file = process.argv[2];
const parser = new Parser();
const { document, diagnostics } = await fromFile(parser, file).parse();
const severities = ['error', 'warning', 'info', 'hint'];
let failed = !document;
for (const d of diagnostics) {
  const severity = severities[d.severity] ?? String(d.severity);
  console.log(`${severity} ${d.code} at ${d.path.join('/')}: ${d.message}`);
  if (d.severity <= 1) failed = true;
}
if (failed) {
  console.error('asyncapi_validate: asyncapi.yaml is not a clean AsyncAPI document');
  process.exit(1);
}
const channels = document.channels().all().map((c) => `${c.address()} (${c.messages().length} messages)`);
console.log(`asyncapi_validate: AsyncAPI ${document.version()}, channels ${channels.join(', ')}`);
