#!/usr/bin/env bash
# Durable creates (bench/serve_load.sh) with a notification subscription whose receiver answers
# in 2 s, or never, against none, alternated in one run (docs/notifications.md: a slow or
# failing receiver never slows captures). The receiver is Python's http.server on loopback;
# the subscription wants `captured`, so every create owes a notification.
# Usage: bench/notify_load.sh [IWD] [SECONDS] [CONNECTIONS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
IWD=${1:-build/bin/iwd}
SECONDS_=${2:-10}
CONNECTIONS=${3:-64}
ROUNDS=${4:-2}
WORK=$(mktemp -d)
trap 'kill "$RECEIVER" 2>/dev/null; wait "$RECEIVER" 2>/dev/null; rm -rf "$WORK"' EXIT
python3 - "$WORK/port" <<'PY' &
import http.server, sys, time
class Slow(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(2 if self.path == "/slow" else 3600)  # /never: holds the request
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
server.daemon_threads = True
open(sys.argv[1], "w").write(str(server.server_address[1]))
server.serve_forever()
PY
RECEIVER=$!
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.05; done
HOOK="http://127.0.0.1:$(cat "$WORK/port")"
echo '{}' >"$WORK/none.json"
for kind in slow never; do
  printf '{"subscriptions": {"bench": {"url": "%s/%s", "events": ["captured"], "secret": "bench-secret-0123456789"}}}\n' \
    "$HOOK" "$kind" >"$WORK/$kind.json"
done
for round in $(seq "$ROUNDS"); do
  for kind in none slow never; do
    echo "== round $round: receiver $kind"
    SERVE_CONFIG="$WORK/$kind.json" bench/serve_load.sh "$IWD" "$SECONDS_" "$CONNECTIONS" |
      grep -E 'Requests/sec|99%|iwd_captures_total|iwd_outbox_pending|server CPU'
  done
done
