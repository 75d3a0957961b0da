#!/usr/bin/env python3
"""A Dapr sidecar stand-in that refuses one user's events with 400 ERR_PUBSUB_CLOUD_EVENTS_SER
(daprd could not read the event) and takes everyone else's (204). Next to others' deliveries
such a refusal is the event's own (poison): taskd dead-letters it at once and stops that user's
lane, which is how the shell test gets real dead letters and blocked lanes. (A sidecar refusing
everyone would only make the topics back off: nothing is dead-lettered on a guess.)
Both publish routes: a single publish names its user in the query, a bulk request
(/v1.0/publish/bulk/...) in each entry's metadata; a bulk request holding one of the user's
entries is refused as a whole, as daprd refuses a body it cannot read (taskd then sends that
lane's events one at a time, and the single publish above refuses each).
Usage: refusing_sidecar.py PORT USER (binds 127.0.0.1 only)."""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

REFUSED_USER = sys.argv[2]


class RefuseOne(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as daprd does

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        # taskd names the event's user as its partition key.
        url = urlsplit(self.path)
        keys = parse_qs(url.query).get("metadata.partitionKey", [])
        if url.path.startswith("/v1.0/publish/bulk/"):
            try:
                keys = [(entry.get("metadata") or {}).get("partitionKey", "") for entry in json.loads(body)]
            except (ValueError, AttributeError):
                keys = []
        if REFUSED_USER not in keys:
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b'{"errorCode":"ERR_PUBSUB_CLOUD_EVENTS_SER","message":"refused by the test sidecar"}'
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), RefuseOne).serve_forever()
