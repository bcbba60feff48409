"""Local webhook receivers for the benchmark: one HTTP server per secret on 127.0.0.1, in this process.

Each request is verified with the Standard Webhooks reference library (`standardwebhooks`, not our code) and
answered 204; a repeated webhook-id is counted apart (a receiver drops repeats). Prints the ports on its first
line, then answers commands on stdin: `count` → "requests verified duplicates links last_receipt_epoch".
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook

lock = threading.Lock()
state = {"requests": 0, "verified": 0, "duplicates": 0, "links": 0, "last": 0.0}
seen: set[tuple[int, str]] = set()


def handler_for(index: int, secret: str):
    verifier = Webhook(secret)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                payload = verifier.verify(body, {k: v for k, v in self.headers.items()})
                ok = True
            except Exception:
                payload, ok = {}, False
            key = (index, self.headers.get("webhook-id", ""))
            with lock:
                state["requests"] += 1
                state["verified"] += int(ok)
                if key in seen:
                    state["duplicates"] += 1
                else:
                    seen.add(key)
                    state["links"] += len(payload.get("data", {}).get("links", []))
                state["last"] = time.time()
            self.send_response(204 if ok else 400)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    return Handler


def main() -> None:
    secrets = sys.argv[1:]
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), handler_for(i, s)) for i, s in enumerate(secrets)]
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(" ".join(str(server.server_address[1]) for server in servers), flush=True)
    for line in sys.stdin:
        if line.strip() == "count":
            with lock:
                print(json.dumps(state), flush=True)


if __name__ == "__main__":
    main()
