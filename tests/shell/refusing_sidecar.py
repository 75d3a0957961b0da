#!/usr/bin/env python3
"""A Dapr sidecar stand-in that refuses every event with 400, which taskd dead-letters at once:
how the shell test gets real dead letters to list and redrive. Usage: refusing_sidecar.py PORT
(binds 127.0.0.1 only)."""

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Refuse(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as daprd does

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = b'{"errorCode":"ERR_PUBSUB_CLOUD_EVENTS_SER","message":"refused by the test sidecar"}'
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Refuse).serve_forever()
