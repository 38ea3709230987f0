"""A sample webhook receiver for compose.yaml: prints every request it gets and answers 204.

With WEBHOOK_SECRET set to a trigger's secret (whsec_...), it also checks the Standard Webhooks
signature (webhook-id, webhook-timestamp, webhook-signature) and answers 401 when none of the
signatures matches. Standard library only.
"""

import base64
import hashlib
import hmac
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = os.environ.get("WEBHOOK_SECRET", "")
KEY = base64.b64decode(SECRET.removeprefix("whsec_")) if SECRET else b""


def signature_ok(headers, body):
    signed = f"{headers.get('webhook-id', '')}.{headers.get('webhook-timestamp', '')}.".encode() + body
    expected = base64.b64encode(hmac.new(KEY, signed, hashlib.sha256).digest()).decode()
    given = headers.get("webhook-signature", "").split()
    return any(hmac.compare_digest(entry.removeprefix("v1,"), expected) for entry in given)


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        verdict = "unsigned check (WEBHOOK_SECRET not set)"
        status = 204
        if KEY:
            ok = signature_ok(self.headers, body)
            verdict = "signature valid" if ok else "signature INVALID"
            status = 204 if ok else 401
        try:
            shown = json.dumps(json.loads(body), indent=2)
        except ValueError:
            shown = body.decode(errors="replace")
        print(f"{self.command} {self.path} webhook-id={self.headers.get('webhook-id')} {verdict}\n"
              f"{shown}", flush=True)
        self.send_response(status)
        self.end_headers()

    def log_message(self, *_):
        pass


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8000"))
    print(f"webhook receiver on :{port}", file=sys.stderr, flush=True)
    ThreadingHTTPServer(("0.0.0.0", port), Receiver).serve_forever()
