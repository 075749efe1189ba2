#!/usr/bin/env bash
# Durable creates (bench/serve_load.sh) with a notification subscription wanting `captured`
# (every create owes a notification) whose receiver answers at once (fast), fails one request
# in eight with 500 (fail8), answers in 2 s (slow) or never (never), against no subscription
# (none), alternated in one run (docs/notifications.md: a slow or failing receiver never slows
# captures). The receiver is Python's http.server on loopback. Besides wrk's report: the
# deliveries made, the outbox's pending rows at the end, and whether the server's log says the
# journal failed (a sender's write holding journal.db's write lock when a batch began).
# Usage: bench/notify_load.sh [IWD] [SECONDS] [CONNECTIONS] [ROUNDS] [KINDS...]
set -euo pipefail
cd "$(dirname "$0")/.."
IWD=${1:-build/bin/iwd}
SECONDS_=${2:-10}
CONNECTIONS=${3:-64}
ROUNDS=${4:-2}
shift $(($# < 4 ? $# : 4))
KINDS=${*:-none fast fail8 slow never}
WORK=$(mktemp -d)
trap 'kill "$RECEIVER" 2>/dev/null; wait "$RECEIVER" 2>/dev/null; rm -rf "$WORK"' EXIT
python3 - "$WORK/port" <<'PY' &
import http.server, itertools, sys, time
counter = itertools.count()
class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver would
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        status = 200
        if self.path == "/slow":
            time.sleep(2)
        elif self.path == "/never":
            time.sleep(3600)  # holds the request
        elif self.path == "/fail8" and next(counter) % 8 == 7:
            status = 500
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
server.daemon_threads = True
open(sys.argv[1], "w").write(str(server.server_address[1]))
server.serve_forever()
PY
RECEIVER=$!
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.05; done
HOOK="http://127.0.0.1:$(cat "$WORK/port")"
echo '{}' >"$WORK/none.json"
for kind in fast fail8 slow never; do
  printf '{"subscriptions": {"bench": {"url": "%s/%s", "events": ["captured"], "secret": "bench-secret-0123456789"}}%s}\n' \
    "$HOOK" "$kind" "${NOTIFY_SETTINGS:+, \"notifications\": $NOTIFY_SETTINGS}" >"$WORK/$kind.json"
done
for round in $(seq "$ROUNDS"); do
  for kind in $KINDS; do
    echo "== round $round: receiver $kind"
    SERVE_CONFIG="$WORK/$kind.json" bench/serve_load.sh "$IWD" "$SECONDS_" "$CONNECTIONS" |
      grep -E 'Requests/sec|99%|Non-2xx|iwd_captures_total|iwd_outbox_pending|iwd_notifications_delivered|server CPU|journal failed'
  done
done
