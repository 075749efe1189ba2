#!/usr/bin/env bash
# `iwd report` over the history of a replayed day (tests/cli/report/day.jsonl, 09:00-12:00
# Berlin time): every report kind against numbers computed by hand (docs/reporting.md,
# "Measures"), the formats, and bad input (exit 2, nothing on standard output).
set -u
source "$(dirname "$0")/lib.sh"

# The binary is pinned when the test starts (lib.sh): here a copy of it (a hard link) is
# replaced under a test as a build relinking it would (unlinked, a new file not yet executable),
# and the test's next run of it still runs the binary it started with.
ln "$1" "$TMP/built" 2>/dev/null || cp "$1" "$TMP/built"
expect_exit 0 "a binary relinked under a test: the one the test started with runs" -- bash -c \
  'source "$(dirname "$0")/lib.sh" "$1"; rm "$1"; printf "partial" >"$1"; "$IWD" --version' "$0" "$TMP/built"
# Where no hard link can be made (the test's TMP on another file system, here tmpfs) the binary
# is pinned by a copy, and stderr says so; where the copy cannot run (TMP mounted noexec: a
# stand-in that fails when run from /dev/shm plays it) it runs in place, and stderr says so; a
# binary that is not there ends the test at once with exit 2 and its path, not a run of nothing
# later. The stand-ins are small scripts: a copy of the real binary (hundreds of MB) would not
# fit a container's default /dev/shm.
standin="$TMP/standin"
printf '#!/bin/sh\necho "stand-in $*"\n' >"$standin"
printf '#!/bin/sh\ncase "$0" in /dev/shm/*) exit 126 ;; esac\necho "in place $*"\n' >"$TMP/noexec-standin"
chmod +x "$standin" "$TMP/noexec-standin"
if [ -d /dev/shm ] && [ -w /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$standin")" ] &&
   ! findmnt -no OPTIONS /dev/shm 2>/dev/null | grep -qw noexec; then
  expect_exit 0 "a binary on another file system than TMP: a copy of it pinned and run" -- env TMPDIR=/dev/shm bash -c \
    'source "$(dirname "$0")/lib.sh" "$1"; [ "$IWD" != "$1" ] && [ "$(stat -c %i "$IWD")" != "$(stat -c %i "$1")" ] &&
     cmp -s "$IWD" "$1" && "$IWD" --version' "$0" "$standin"
  expect_in err "cannot be hard-linked into /dev/shm/" "the copy said on stderr"
  expect_in out "stand-in --version" "the copy is what ran"
  expect_exit 0 "a copy that cannot run: the binary runs in place" -- env TMPDIR=/dev/shm bash -c \
    'source "$(dirname "$0")/lib.sh" "$1"; [ "$IWD" = "$1" ] && "$IWD" --version' "$0" "$TMP/noexec-standin"
  expect_in err "nor run from a copy there" "the unpinned run said on stderr"
  expect_in out "in place --version" "the binary in place is what ran"
else
  echo "note: /dev/shm is not another writable, executable file system here: the pinning by a copy is not exercised"
fi
expect_exit 2 "a binary that is not there: the test ends at once" -- bash -c \
  'source "$(dirname "$0")/lib.sh" "$1"; echo "went on"' "$0" "$TMP/no-such-iwd"
expect_in err "cannot pin the binary $TMP/no-such-iwd" "saying so with its path"
expect_not_in out "went on" "nothing run after it"

D=tests/cli/report
expect_exit 0 "replay the day with --history" -- "$IWD" replay $D/day.iwd $D/day.jsonl --history "$TMP/day.db"
H=(--history "$TMP/day.db" --from 2026-01-05 --to 2026-01-05T12:00:00+01:00 --rules $D/day.iwd)

# expect_report DESCRIPTION EXPECTED_CSV -- ARGS...: the report as CSV is exactly EXPECTED_CSV.
expect_report() {
  local what=$1 want=$2
  shift 3
  expect_exit 0 "$what" -- "$IWD" report "$@" "${H[@]}" --format csv
  if [ "$(cat "$TMP/out")" == "$want" ]; then
    PASSED=$((PASSED + 1))
  else
    FAILED=$((FAILED + 1))
    echo "FAIL: $what: the report differs"
    diff <(echo "$want") "$TMP/out" | sed 's/^/  /'
  fi
}

# Sales 09-10: S1 captured 09:00, accepted 09:01, done 09:31 and completed 09:32 (32m from
# capture, 30m assigned); S2 (due 09:50) offered to bob at 09:05 and timed out at 09:10, parked
# by ana at 10:00: backlog 1, overdue 1. Claims 09-10: C1 canceled, C2 held (due 10:00: not
# overdue at 10:00, only after); C3 rejected (no process). 10-11: C2 expired on hold at 10:15;
# S2 completed at 10:50, late: 1h45m from capture, 8m + 40m assigned; S3 captured and
# offered at 10:40. 11-12: S3 open, overdue since 11:25.
expect_report "intraday-process by hour" "interval,process,new,completed,canceled,expired,rejected,backlog,overdue,completed_overdue,avg_complete,p90_complete,avg_handle,avg_first_offer
2026-01-05T09:00:00+01:00,(none),0,0,0,0,1,0,0,0,,,,
2026-01-05T09:00:00+01:00,Claims.Files,2,0,1,0,0,1,0,0,,,,
2026-01-05T09:00:00+01:00,Sales.Orders,2,1,0,0,0,1,1,0,1920,1920,1800,0
2026-01-05T10:00:00+01:00,Claims.Files,0,0,0,1,0,0,0,0,,,,
2026-01-05T10:00:00+01:00,Sales.Orders,1,1,0,0,0,1,0,1,6300,6300,2880,0
2026-01-05T11:00:00+01:00,Sales.Orders,0,0,0,0,0,1,1,0,,,," -- intraday-process --interval 1h

# ana 09-10: S1 (30m, done) and S2 (09:32-09:40), ready all hour. bob 09-10: logged in at 09:05,
# S2's offer timed out at 09:10 (RONA), not ready until 09:35. ana 10-11: S2 pulled 10:10,
# transferred 10:20; S3 rejected at 10:41, not ready (rona) until 11:00. bob 10-11: S2 from
# 10:20 to its completion at 10:50, S3 from 10:51. 11-12: ana ready; bob on S3 all hour (the
# history goes on to 12:00: ana's lunch).
expect_report "resource-performance by hour" "interval,agent,offered,accepted,rejected,rona,completed,handle,avg_handle,ready,not_ready,busy,occupancy,not_ready_rona
2026-01-05T09:00:00+01:00,ana,2,2,0,0,1,2280,1800,3600,0,2280,63.33,0
2026-01-05T09:00:00+01:00,bob,1,0,0,1,0,0,,1800,1500,0,0,1500
2026-01-05T10:00:00+01:00,ana,1,0,1,0,0,600,,2460,1140,600,16.67,1140
2026-01-05T10:00:00+01:00,bob,1,1,0,0,1,2340,1800,3600,0,2340,65,0
2026-01-05T11:00:00+01:00,ana,0,0,0,0,0,0,,3600,0,0,0,0
2026-01-05T11:00:00+01:00,bob,0,0,0,0,0,3600,,3600,0,3600,100,0" -- resource-performance --interval 1h

# Gold: S1 in time, S3 open and overdue at 12:00; Silver: S2 late, the claims never done.
expect_report "segment-service-level over the day" "interval,segment,new,completed,completed_in_sla,service_level,backlog,backlog_overdue
2026-01-05T00:00:00+01:00,Gold,2,1,1,100,1,1
2026-01-05T00:00:00+01:00,Silver,3,1,0,0,0,0" -- segment-service-level --by segment --interval 1d

expect_report "outcome: from done (S1) and from complete (S2)" "interval,process,outcome,items
2026-01-05T00:00:00+01:00,Sales.Orders,lost,1
2026-01-05T00:00:00+01:00,Sales.Orders,won,1" -- outcome --interval 1d

expect_report "task-work-detail: S2, the one item with two agents" "item,process,agent,start,end,duration,began_by,ended_by
S2,Sales.Orders,ana,2026-01-05T09:32:00+01:00,2026-01-05T09:40:00+01:00,480,accept,park
S2,Sales.Orders,ana,2026-01-05T10:10:00+01:00,2026-01-05T10:20:00+01:00,600,pull,transfer
S2,Sales.Orders,bob,2026-01-05T10:20:00+01:00,2026-01-05T10:50:00+01:00,1800,transfer,complete" -- task-work-detail

# task-detail: S2's nine events, read through the item index; text is an aligned table.
expect_exit 0 "task-detail as text" -- "$IWD" report task-detail --item S2 "${H[@]}"
expect_in out "Task detail of S2" "a title"
expect_in out "offered   queued     offer_timeout  bob" "the timeout, aligned"
expect_in out "assigned  completed  complete       bob    Sales.Orders       100  2026-01-05T09:50:00+01:00  yes      lost" "the late completion and its outcome"
[ "$(grep -c ' item ' "$TMP/out")" -eq 9 ] && PASSED=$((PASSED + 1)) || { FAILED=$((FAILED + 1)); echo "FAIL: task-detail: not 9 events"; }
expect_exit 0 "JSON" -- "$IWD" report outcome --interval 1d "${H[@]}" --format json
expect_in out '"rows":[{"interval":"2026-01-05T00:00:00+01:00","process":"Sales.Orders","outcome":"lost","items":1}' "rows are objects"

# Bad input: exit 2, a message naming the problem, nothing on standard output.
expect_bad() {  # expect_bad DESCRIPTION MESSAGE -- ARGS...
  local what=$1 message=$2
  shift 3
  expect_exit 2 "$what" -- "$IWD" report "$@"
  expect_in err "$message" "$what: the message"
  [ ! -s "$TMP/out" ] && PASSED=$((PASSED + 1)) || { FAILED=$((FAILED + 1)); echo "FAIL: $what: wrote output"; }
}
R=(--history "$TMP/day.db" --from 2026-01-05 --to 2026-01-06)
expect_bad "an unknown kind" "unknown report \`intraday\` (the reports are intraday-process," -- intraday "${R[@]}"
expect_bad "an unknown interval" "--interval: unknown interval \`30m\` (expected 15m, 1h, 1d, 1w or 1mo)" -- intraday-process "${R[@]}" --interval 30m
expect_bad "an unknown dimension" "unknown dimension \`segmnt\` for --by (the history has: process, department, segment)" -- segment-service-level "${R[@]}" --by segmnt
expect_bad "--from after --to" "--from 2026-01-06T00:00:00Z is not before --to 2026-01-05T00:00:00Z" -- intraday-process --history "$TMP/day.db" --from 2026-01-06 --to 2026-01-05
expect_bad "a bad instant" "--to: " -- intraday-process --history "$TMP/day.db" --from 2026-01-05 --to 2026-13-05
expect_bad "an unknown zone" "unknown time zone \`Europe/Berlni\`" -- intraday-process "${R[@]}" --tz Europe/Berlni
expect_bad "a missing history file" "--history: no history file '$TMP/nope.db'" -- intraday-process --history "$TMP/nope.db" --from 2026-01-05 --to 2026-01-06
expect_bad "a folder that is no data folder" "--data: no service data in '$TMP' (no journal.db)" -- intraday-process --data "$TMP" --from 2026-01-05 --to 2026-01-06
echo "not sqlite" >"$TMP/junk.db"
expect_bad "a file that is no history" "junk.db" -- intraday-process --history "$TMP/junk.db" --from 2026-01-05 --to 2026-01-06
expect_bad "no source" "give one of --history FILE or --data DIR" -- intraday-process --from 2026-01-05 --to 2026-01-06
expect_bad "task-detail without --item" "task-detail needs --item" -- task-detail "${R[@]}"

# Retention: once the oldest records are purged, a range that starts before what is kept is
# refused (its backlog would miss the purged items); one that starts after is computed.
cp "$TMP/day.db" "$TMP/purged.db"
sqlite3 "$TMP/purged.db" "DELETE FROM history WHERE at < $(date -u -d 2026-01-05T08:20:00Z +%s)000"
expect_bad "a range before the retention" "the range starts at 2026-01-04T23:00:00Z, before the history kept (retention): its oldest record is at 2026-01-05T08:20:00Z" -- intraday-process --history "$TMP/purged.db" --from 2026-01-05 --to 2026-01-06 --tz Europe/Berlin
expect_exit 0 "a range within it" -- "$IWD" report intraday-process --history "$TMP/purged.db" --from 2026-01-05T09:30:00+01:00 --to 2026-01-06 --tz Europe/Berlin

# The report's clock: what comes after it has not happened. On a file it is the last record
# (12:00, ana's lunch): a range to midnight ends with the 12:00 row, not every hour to come with
# S3 in the backlog. With --now 10:45: S2's completion (10:50) is not counted, and the 10:00
# row's backlog is what is open at 10:45 (S2, overdue since 09:50, and S3).
N=(--history "$TMP/day.db" --from 2026-01-05 --to 2026-01-06 --rules $D/day.iwd --interval 1h --format csv)
expect_exit 0 "a range past the history's last record" -- "$IWD" report intraday-process "${N[@]}"
[ "$(tail -n 1 "$TMP/out")" == "2026-01-05T12:00:00+01:00,Sales.Orders,0,0,0,0,0,1,1,0,,,," ] &&
  PASSED=$((PASSED + 1)) || { FAILED=$((FAILED + 1)); echo "FAIL: the rows go on past the last record:"; tail -n 3 "$TMP/out"; }
expect_exit 0 "--now" -- "$IWD" report intraday-process "${N[@]}" --now 2026-01-05T10:45:00+01:00
[ "$(tail -n 2 "$TMP/out")" == "2026-01-05T10:00:00+01:00,Claims.Files,0,0,0,1,0,0,0,0,,,,
2026-01-05T10:00:00+01:00,Sales.Orders,1,0,0,0,0,2,1,0,,,,0" ] &&
  PASSED=$((PASSED + 1)) || { FAILED=$((FAILED + 1)); echo "FAIL: --now 10:45:"; cat "$TMP/out"; }
expect_bad "a range after now" "nothing has happened in the range yet: it starts at 2026-01-05T23:00:00Z, after now (2026-01-05T09:45:00Z)" -- intraday-process --history "$TMP/day.db" --from 2026-01-06 --to 2026-01-07 --rules $D/day.iwd --now 2026-01-05T10:45:00+01:00
expect_bad "a bad --now" "--now: " -- intraday-process "${R[@]}" --now tomorrow

# GET /v1/reports/{kind} on a running service: the same table as `iwd report --data` on its
# data folder, as JSON, or as CSV with Accept: text/csv; bad input is a 400.
source "$(dirname "$0")/serve_lib.sh"
# Not in the last seconds of the day in Berlin: the items below are made and then reported as
# today's (TODAY is read after them), and ana's ready time counts from her start or midnight.
LEFT=$(($(TZ=Europe/Berlin date -d 'tomorrow 00:00' +%s) - $(date +%s)))
[ "$LEFT" -lt 20 ] && sleep "$LEFT"
RULES=$D/day.iwd start_server
expect_call 200 "an agent" -- PUT /v1/agents/ana '{"skills":{"sales":5}}'
expect_call 201 "a sale, offered to ana" -- POST /v1/items '{"id":"S1","kind":"Sale","segment":"Gold"}'
expect_call 201 "a claim" -- POST /v1/items '{"id":"C1","kind":"Claim"}'
expect_call 200 "the claim canceled" -- POST /v1/items/C1/cancel '{}'
TODAY=$(TZ=Europe/Berlin date +%F)  # the day in the zone the report is asked in, not UTC's
TOMORROW=$(TZ=Europe/Berlin date -d tomorrow +%F)
Q="from=$TODAY&to=$TOMORROW&tz=Europe/Berlin&interval=1d"
expect_call 200 "the report over HTTP" -- GET "/v1/reports/intraday-process?$Q"
expect_exit 0 "the same report from the data folder" -- "$IWD" report intraday-process --data "$DATA" --from "$TODAY" --to "$TOMORROW" --tz Europe/Berlin --interval 1d --format json
expect_in out '"process":"Claims.Files","new":1,"completed":0,"canceled":1' "the canceled claim"
cp "$TMP/out" "$TMP/cli.json"
expect_exit 0 "HTTP and the CLI give the same JSON" -- cmp "$TMP/cli.json" "$TMP/body"
curl -s -H 'Accept: text/csv' "$URL/v1/reports/outcome?$Q" >"$TMP/http.csv"
"$IWD" report outcome --data "$DATA" --from "$TODAY" --to "$TOMORROW" --tz Europe/Berlin --interval 1d --format csv >"$TMP/cli.csv"
expect_exit 0 "CSV with Accept: text/csv" -- cmp "$TMP/cli.csv" "$TMP/http.csv"
# The service's clock ends its reports: a range to the day after tomorrow has no row after the
# hour that holds now (S1 is open: every hour to come would show it in the backlog).
BEFORE=$(date -u +%Y-%m-%dT%H:00:00Z)
curl -s -H 'Accept: text/csv' "$URL/v1/reports/intraday-process?from=$(date -u +%F)&to=$(date -u -d '+2 days' +%F)&interval=1h" >"$TMP/now.csv"
AFTER=$(date -u +%Y-%m-%dT%H:00:00Z)
LAST=$(tail -n +2 "$TMP/now.csv" | cut -d, -f1 | sort | tail -n 1)
[[ ! "$LAST" < "$BEFORE" && ! "$LAST" > "$AFTER" ]] && PASSED=$((PASSED + 1)) ||
  { FAILED=$((FAILED + 1)); echo "FAIL: over HTTP the last row is at '$LAST', not the hour of now ($AFTER)"; }
# And what is still going on is counted up to now, not to the last record: ana, ready since
# she was put (before the items), has been ready for at least the two seconds slept.
sleep 2
curl -s -H 'Accept: text/csv' "$URL/v1/reports/resource-performance?$Q" >"$TMP/ready.csv"
READY=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "ready") c = i } $2 == "ana" { print $c }' "$TMP/ready.csv")
awk -v r="$READY" 'BEGIN { exit !(r >= 2) }' && PASSED=$((PASSED + 1)) ||
  { FAILED=$((FAILED + 1)); echo "FAIL: ana's ready time over HTTP is '$READY' s, not up to now:"; cat "$TMP/ready.csv"; }
expect_call 400 "an unknown kind over HTTP" -- GET "/v1/reports/intraday?$Q"
expect_in out '"code":"bad_report"' "its code"
expect_in out 'unknown report `intraday`' "names the kind"
expect_call 400 "from after to over HTTP" -- GET "/v1/reports/outcome?from=$TOMORROW&to=$TODAY"
expect_in out "is not before to" "names the parameters"
stop_server

finish
