# What the browser tests' scripts share (console_test.sh, actions_test.sh, item_test.sh,
# pages_test.sh): their arguments, the tokens' configuration, a real `iwd serve` on loopback
# started with it, an agent taking its offer, and the node script in chromium, bounded in time,
# with the server stopped and the tally printed after it.
# Source it with the script's arguments: IWD NPM_DIR SHOTS_DIR [...].
set -u
source "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../cli/serve_lib.sh"
NPM_DIR=${2:?usage: $0 IWD NPM_DIR SHOTS_DIR ...}
SHOTS=${3:?usage: $0 IWD NPM_DIR SHOTS_DIR ...}

# serve_with_tokens RULES ROLE:NAME:TOKEN...: $TMP/config.json with those tokens (an agent
# token's NAME is its agent), and `iwd serve` of RULES started with it; the test ends at once
# when it does not start.
serve_with_tokens() {
  RULES=$1
  shift
  local tokens='' sep='' role name token
  for spec in "$@"; do
    IFS=: read -r role name token <<<"$spec"
    tokens+="$sep{\"token\": \"$token\", \"role\": \"$role\", \"$([ "$role" = agent ] && echo agent || echo name)\": \"$name\"}"
    sep=$',\n    '
  done
  printf '{\n  "tokens": [\n    %s\n  ]\n}\n' "$tokens" >"$TMP/config.json"
  SERVE_ARGS="--config $TMP/config.json"
  start_server
  [ -n "$PORT" ] || { echo "FAIL: iwd serve did not start"; cat "$TMP/serve.log"; exit 1; }
}

# take_offer TOKEN AGENT: the agent accepts its first offer; its id in OFFERED.
take_offer() {
  TOKEN=$1 expect_call 200 "$2's offers" -- GET "/v1/agents/$2/offers"
  OFFERED=$(grep -o '"id":"[A-Z]-[0-9]*"' "$TMP/out" | head -1 | cut -d'"' -f4)
  TOKEN=$1 expect_call 200 "$2 accepts $OFFERED" -- POST "/v1/items/$OFFERED/accept" ''
}

# run_in_browser WHAT SCRIPT SECONDS [NAME=VALUE...]: node SCRIPT (in this folder) with the
# server's address, the npm folder, the screenshots' folder and the given variables, bounded
# by SECONDS; then its output, the server stopped and the tally. The test's last step.
run_in_browser() {
  local what=$1 script=$2 seconds=$3
  shift 3
  mkdir -p "$SHOTS"
  expect_exit 0 "$what in chromium ($script)" -- \
    env IWD_URL="$URL" IWD_NPM_DIR="$NPM_DIR" IWD_SHOTS="$SHOTS" "$@" timeout "$seconds" node "$(dirname "${BASH_SOURCE[0]}")/$script"
  sed 's/^/  /' "$TMP/out"
  [ -s "$TMP/err" ] && sed 's/^/  stderr: /' "$TMP/err" | head -40
  stop_server
  finish
}
