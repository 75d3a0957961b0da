#!/usr/bin/env python3
"""A Dapr sidecar stand-in that refuses one user's events with 400 ERR_PUBSUB_CLOUD_EVENTS_SER
(daprd could not read the event) and takes everyone else's (204). Next to others' deliveries
such a refusal is the event's own (poison): taskd dead-letters it at once and stops that user's
lane, which is how the shell test gets real dead letters and blocked lanes. (A sidecar refusing
everyone would only make the topics back off: nothing is dead-lettered on a guess.)
Usage: refusing_sidecar.py PORT USER (binds 127.0.0.1 only)."""

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

REFUSED_USER = sys.argv[2]


class RefuseOne(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as daprd does

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        # taskd names the event's user as its partition key.
        key = parse_qs(urlsplit(self.path).query).get("metadata.partitionKey", [""])[0]
        if key != REFUSED_USER:
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
