#!/usr/bin/env python3
"""`iwd serve` refuses bad input and stores nothing: a table of requests, each with the status
and error code it must get (docs/api.md: Errors, Ids, Authentication).

Usage: serve_bad_input_test.py IWD_BINARY (run from the repository root or anywhere).

The server runs with a token of every role. After a few allowed requests set up agents and
items (S1 assigned to ada, S2 offered to ada, L1 and N1 queued with no one to offer them to, F1 parked
in bob's workbin, C1 canceled), every row of ROWS is sent over a raw socket (so that duplicate
headers, bad UTF-8 in paths and NUL bytes go out as written) and its reply checked; after each
row the journal (DATA/journal.db, read with sqlite3) must have the same line count and last
seq, and at the end the items, agents and queue must read as before. One line per failed
row, then `N passed, M failed`; exit 1 if any failed.
"""
import json
import os
import select
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import http.client

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAX_BODY = 65536
MAX_BATCH = 10
TOKENS = {
    "source": "source-token-0123456789",
    "ada": "agent-token-ada-0123456",
    "bob": "agent-token-bob-0123456",
    "supervisor": "supervisor-token-012345",
    "admin": "admin-token-0123456789a",
    "mapped": "mapped-token-0123456789",  # the source `cases`, whose captures go through MAPPING
}
# The mapped source's mapping (docs/sources.md): its due date read in a format of its own.
MAPPING = {"rules": [{"to": "id", "from": "number"}, {"to": "department", "set": "Sales"},
                     {"to": "due_at", "from": "due_date", "time": "%d/%m/%Y %H:%M", "zone": "Europe/Berlin"}]}
# Authorization header values by role; "none": no header.
AUTH = {role: "Bearer " + token for role, token in TOKENS.items()}
AUTH.update({
    "none": None,
    "wrong": "Bearer wrong-token-000000000",
    "basic": "Basic YWRhOmFkYQ==",
    "bearer-only": "Bearer",
    "no-scheme": TOKENS["source"],
    "longer": "Bearer " + TOKENS["source"] + "x",
})
JSON = {"Content-Type": "application/json"}
NO_TYPE = {"Content-Type": None}


def deep(n, opener="[", closer="]"):
    return opener * n + closer * n


def capture(i, **extra):
    body = {"id": i, "department": "Sales", "segment": "Bronze"}
    body.update(extra)
    return json.dumps(body)


BIG = '{"id":"BIG","department":"Sales","product":"' + "x" * (MAX_BODY + 10) + '"}'
BATCH_OVER = json.dumps({"items": [{"id": f"BO{k}", "department": "Sales"} for k in range(MAX_BATCH + 1)]})

# (description, method, path, headers, body, role, status, code[, text in the message])
# status: one status or a tuple of acceptable ones.
# code: one code, a tuple of acceptable codes, or None (not checked: HEAD has no body, or the
# refusal comes before the service's own JSON). For a batch (200) the code is each result's.
ROWS = [
    # Malformed JSON, not an object.
    ("a truncated object", "POST", "/v1/items", JSON, '{"id":"X1",', "source", 400, "malformed_json"),
    ("text after the object", "POST", "/v1/items", JSON, '{"id":"X1","department":"Sales"} x', "source", 400, "malformed_json"),
    ("single quotes", "POST", "/v1/items", JSON, "{'id':'X1'}", "source", 400, "malformed_json"),
    ("NaN", "POST", "/v1/items", JSON, '{"id":"X1","deal_value":NaN}', "source", 400, "malformed_json"),
    ("an empty capture body", "POST", "/v1/items", JSON, "", "source", 400, "malformed_json"),
    ("an array body", "POST", "/v1/items", JSON, "[1,2]", "source", 400, "not_an_object"),
    ("a string body", "POST", "/v1/items", JSON, '"S9"', "source", 400, "not_an_object"),
    ("a raw NUL in a string", "POST", "/v1/items", JSON, b'{"id":"X1\x00","department":"Sales"}', "source", 400, "malformed_json"),
    ("a truncated update", "PATCH", "/v1/items/S1", JSON, "{", "source", 400, "malformed_json"),
    ("a truncated agent state", "PUT", "/v1/agents/ada/state", JSON, '{"state":', "ada", 400, "malformed_json"),
    ("a truncated transfer", "POST", "/v1/items/S1/transfer", JSON, '{"to":"bob"', "supervisor", 400, "malformed_json"),
    ("a truncated assign", "POST", "/v1/items/L1/assign", JSON, '{"agent":"bob"', "supervisor", 400, "malformed_json"),
    # Wrong types.
    ("a number for a string attribute", "POST", "/v1/items", JSON, capture("X2", department=42), "source", 422, "refused", "department"),
    ("no such enum value", "POST", "/v1/items", JSON, capture("X2", segment="Platinum"), "source", 422, "refused", "segment"),
    ("a string for a number", "POST", "/v1/items", JSON, capture("X2", deal_value="lots"), "source", 422, "refused", "deal_value"),
    ("a string for a list", "POST", "/v1/items", JSON, capture("X2", tags="vip"), "source", 422, "refused", "tags"),
    ("a number for the id", "POST", "/v1/items", JSON, '{"id":5,"department":"Sales"}', "source", 422, ("missing_id", "bad_id")),
    ("a null id", "POST", "/v1/items", JSON, '{"id":null,"department":"Sales"}', "source", 422, ("missing_id", "bad_id")),
    ("no id", "POST", "/v1/items", JSON, '{"department":"Sales"}', "source", 422, "missing_id"),
    ("an update to no such enum value", "PATCH", "/v1/items/S1", JSON, '{"segment":"Platinum"}', "source", 422, "refused", "segment"),
    ("an update naming another id", "PATCH", "/v1/items/S1", JSON, '{"id":"S2"}', "source", 422, "id_mismatch"),
    ("a number for a state", "PUT", "/v1/agents/ada/state", JSON, '{"state":5}', "ada", 422, "refused"),
    ("no such state", "PUT", "/v1/agents/ada/state", JSON, '{"state":"sleeping"}', "ada", 422, "refused", "`state`"),
    ("a state change without a state", "PUT", "/v1/agents/ada/state", JSON, '{"reason":"lunch"}', "ada", 422, "missing_state"),
    ("a skill level as text", "PUT", "/v1/agents/ada", JSON, '{"skills":{"sales_processing":"high"}}', "supervisor", 422, "refused"),
    ("a skill level over 10", "PUT", "/v1/agents/ada", JSON, '{"skills":{"sales_processing":11}}', "supervisor", 422, "refused"),
    ("skills as a list", "PUT", "/v1/agents/ada", JSON, '{"skills":["sales_processing"]}', "supervisor", 422, "refused"),
    ("no such capacity", "PUT", "/v1/agents/ada", JSON, '{"capacity":"huge"}', "supervisor", 422, "refused", "huge"),
    ("an agent body naming another id", "PUT", "/v1/agents/ada", JSON, '{"id":"bob"}', "supervisor", 422, "id_mismatch"),
    ("a batch whose items are an object", "POST", "/v1/items/batch", JSON, '{"items":{}}', "source", 422, "bad_batch"),
    ("a batch with another field", "POST", "/v1/items/batch", JSON, '{"items":[],"x":1}', "source", 422, "bad_batch"),
    ("a batch without items", "POST", "/v1/items/batch", JSON, '{"things":[]}', "source", 422, "bad_batch"),
    ("a transfer without `to`", "POST", "/v1/items/S1/transfer", JSON, "{}", "supervisor", 422, "missing_to"),
    ("a transfer to a number", "POST", "/v1/items/S1/transfer", JSON, '{"to":5}', "supervisor", 422, "missing_to"),
    ("a priority override without a value", "POST", "/v1/items/L1/priority", JSON, "{}", "supervisor", 422, "refused"),
    ("a priority override of text", "POST", "/v1/items/L1/priority", JSON, '{"set":"high"}', "supervisor", 422, "refused", "whole number"),
    ("a fixed priority and a boost", "POST", "/v1/items/L1/priority", JSON, '{"set":1,"boost":2}', "supervisor", 422, "refused"),
    ("a priority override until the past", "POST", "/v1/items/L1/priority", JSON, '{"set":1,"until":"2001-01-01T00:00:00Z"}', "supervisor", 422, "refused", "not after now"),
    ("a priority override until nonsense", "POST", "/v1/items/L1/priority", JSON, '{"set":1,"until":"soon"}', "supervisor", 422, "refused"),
    ("a priority override beyond the limit", "POST", "/v1/items/L1/priority", JSON, '{"set":1000000000000000001}', "supervisor", 422, "refused", "out of range"),
    ("a priority override naming an item", "POST", "/v1/items/L1/priority", JSON, '{"item":"S1","set":1}', "supervisor", 422, "unknown_field"),
    ("a clear of no override", "POST", "/v1/items/L1/priority", JSON, '{"clear":true}', "supervisor", 409, "refused", "no priority override"),
    ("a priority override of an unknown item", "POST", "/v1/items/NOPE/priority", JSON, '{"set":1}', "supervisor", 404, "not_found"),
    ("a source overrides a priority", "POST", "/v1/items/L1/priority", JSON, '{"set":1}', "source", 403, "forbidden"),
    ("an agent overrides a priority", "POST", "/v1/items/S1/priority", JSON, '{"set":1}', "ada", 403, "forbidden"),
    ("a preview without a filter", "POST", "/v1/actions/preview", JSON, '{"action":{"op":"hold"}}', "supervisor", 422, "bad_action"),
    ("a preview of an unknown state", "POST", "/v1/actions/preview", JSON, '{"filter":{"state":"asleep"},"action":{"op":"hold"}}', "supervisor", 422, "bad_action", "asleep"),
    ("a preview of a bad age", "POST", "/v1/actions/preview", JSON, '{"filter":{"older_than":"old"},"action":{"op":"hold"}}', "supervisor", 422, "bad_action", "older_than"),
    ("a preview of no action", "POST", "/v1/actions/preview", JSON, '{"filter":{},"action":{"op":"done"}}', "supervisor", 422, "bad_action"),
    ("a preview with another field", "POST", "/v1/actions/preview", JSON, '{"filter":{},"action":{"op":"hold"},"count":1}', "supervisor", 422, "unknown_field"),
    ("an apply without a count", "POST", "/v1/actions/apply", JSON, '{"filter":{},"action":{"op":"hold"}}', "supervisor", 422, "missing_count"),
    ("an apply of a limit too large", "POST", "/v1/actions/apply", JSON, '{"filter":{},"action":{"op":"hold"},"count":2,"limit":1001}', "supervisor", 422, "bad_limit"),
    ("an apply of a stale count", "POST", "/v1/actions/apply", JSON, '{"filter":{},"action":{"op":"cancel"},"count":999}', "supervisor", 409, "count_changed"),
    ("a source applies", "POST", "/v1/actions/apply", JSON, '{"filter":{},"action":{"op":"cancel"},"count":2}', "source", 403, "forbidden"),
    ("an agent previews", "POST", "/v1/actions/preview", JSON, '{"filter":{},"action":{"op":"cancel"}}', "ada", 403, "forbidden"),
    ("an assign without `agent`", "POST", "/v1/items/L1/assign", JSON, "{}", "supervisor", 422, "missing_agent"),
    ("an assign with another field", "POST", "/v1/items/L1/assign", JSON, '{"agent":"bob","force":true}', "supervisor", 422, "missing_agent"),
    ("an assign to a number", "POST", "/v1/items/L1/assign", JSON, '{"agent":5}', "supervisor", 422, "bad_agent"),
    ("'/' in an assign's `agent`", "POST", "/v1/items/L1/assign", JSON, '{"agent":"a/b"}', "supervisor", 422, "bad_id"),
    ("an accept for a numbered agent", "POST", "/v1/items/S2/accept", JSON, '{"agent":5}', "admin", 422, "bad_agent"),
    # Unknown attributes and fields.
    ("an unknown attribute", "POST", "/v1/items", JSON, '{"id":"X3","departmnt":"Sales"}', "source", 422, "refused", "did you mean `department`?"),
    ("an update with an unknown attribute", "PATCH", "/v1/items/S1", JSON, '{"colour":"red"}', "source", 422, "refused", "colour"),
    ("an unknown skill", "PUT", "/v1/agents/ada", JSON, '{"skills":{"sales_procesing":8}}', "supervisor", 422, "refused", "sales_processing"),
    ("an unknown field in a state change", "PUT", "/v1/agents/ada/state", JSON, '{"state":"ready","mood":"x"}', "ada", 422, "unknown_field", "mood"),
    # Notifications' admin routes (docs/notifications.md).
    ("a subscription to an ftp URL", "PUT", "/v1/admin/subscriptions/crm", JSON, '{"url":"ftp://crm/","events":["done"],"secret":"0123456789abcdef"}', "admin", 400, "bad_subscription", "`url`"),
    ("a subscription to an unknown event", "PUT", "/v1/admin/subscriptions/crm", JSON, '{"url":"http://crm/","events":["finished"],"secret":"0123456789abcdef"}', "admin", 400, "bad_subscription", "finished"),
    ("a subscription with a short secret", "PUT", "/v1/admin/subscriptions/crm", JSON, '{"url":"http://crm/","events":["done"],"secret":"x"}', "admin", 400, "bad_subscription", "`secret`"),
    ("a subscription with another field", "PUT", "/v1/admin/subscriptions/crm", JSON, '{"url":"http://crm/","events":["done"],"secret":"0123456789abcdef","retries":3}', "admin", 400, "bad_subscription", "retries"),
    ("a subscription named with '~'", "PUT", "/v1/admin/subscriptions/a~b", JSON, '{"url":"http://crm/","events":["done"],"secret":"0123456789abcdef"}', "admin", 400, "bad_subscription", "a~b"),
    ("a subscription as an array", "PUT", "/v1/admin/subscriptions/crm", JSON, "[]", "admin", 400, "not_an_object"),
    ("a supervisor subscribes", "PUT", "/v1/admin/subscriptions/crm", JSON, '{"url":"http://crm/","events":["done"],"secret":"0123456789abcdef"}', "supervisor", 403, "forbidden"),
    ("a delete of no subscription", "DELETE", "/v1/admin/subscriptions/nope", JSON, "", "admin", 404, "not_found"),
    ("deliveries in no such state", "GET", "/v1/admin/deliveries?state=lost", JSON, "", "admin", 400, "bad_query", "lost"),
    ("deliveries, a page of 0", "GET", "/v1/admin/deliveries?limit=0", JSON, "", "admin", 400, "bad_query", "limit"),
    ("a retry of a delivery id in words", "POST", "/v1/admin/deliveries/abc/retry", JSON, "", "admin", 400, "bad_id"),
    ("a retry of no such dead letter", "POST", "/v1/admin/deliveries/99/retry", JSON, "", "admin", 404, "not_found"),
    ("a retry of no such subscription's", "POST", "/v1/admin/deliveries/retry?subscription=nope", JSON, "", "admin", 404, "not_found"),
    # Over the limits.
    ("a body over max_body_bytes", "POST", "/v1/items", JSON, BIG, "source", 413, "too_large"),
    ("a chunked body over max_body_bytes", "POST", "/v1/items", {**JSON, "Transfer-Encoding": "chunked"}, BIG, "source", 413, "too_large"),
    ("a batch over max_batch", "POST", "/v1/items/batch", JSON, BATCH_OVER, "source", 413, "too_large"),
    ("nesting of 65 (64 arrays in the object)", "POST", "/v1/items", JSON, capture("X4")[:-1] + ',"tags":' + deep(64) + "}", "source", 400, "malformed_json"),
    ("nesting of 65 objects", "POST", "/v1/items", JSON, '{"id":"X4","product":' + '{"a":' * 64 + "1" + "}" * 64 + "}", "source", 400, "malformed_json"),
    ("nesting of 20000 arrays", "POST", "/v1/items", JSON, deep(20000), "source", 400, "malformed_json"),
    ("nesting of 64 passes (not an object)", "POST", "/v1/items", JSON, deep(64), "source", 400, "not_an_object"),
    # Bad UTF-8.
    ("bad UTF-8 in a value", "POST", "/v1/items", JSON, b'{"id":"X5","department":"\xff"}', "source", 400, "malformed_json"),
    ("bad UTF-8 in the id", "POST", "/v1/items", JSON, b'{"id":"\xc3\x28","department":"Sales"}', "source", 400, "malformed_json"),
    ("bad UTF-8 in a key", "POST", "/v1/items", JSON, b'{"\xff":1,"id":"X5"}', "source", 400, "malformed_json"),
    ("a lone surrogate escape", "POST", "/v1/items", JSON, '{"id":"\\udc00","department":"Sales"}', "source", 400, "malformed_json"),
    ("a raw 0xFF in a path", "GET", b"/v1/items/\xff", None, None, "supervisor", 400, "bad_id"),
    ("%FF in a path", "GET", "/v1/items/%FF", None, None, "supervisor", 400, "bad_id"),
    ("%C3%28 in a path", "GET", "/v1/items/%C3%28", None, None, "supervisor", 400, "bad_id"),
    ("an encoded surrogate in a path", "POST", "/v1/items/%ED%A0%80/complete", None, "", "source", 400, "bad_id"),
    ("an overlong '/' in a path", "POST", "/v1/items/%C0%AF/cancel", None, "", "source", 400, "bad_id"),
    ("bad UTF-8 in a query value", "GET", "/v1/queue?state=%FF", None, None, "supervisor", 400, "bad_query"),
    # Bad ids: in a path 400, in a body 422.
    ("%2F inside a path segment", "GET", "/v1/items/a%2Fb", None, None, "supervisor", 400, "bad_id"),
    ("%2F in an agent's path", "PUT", "/v1/agents/a%2Fb", JSON, '{"skills":{}}', "admin", 400, "bad_id"),
    ("%00 in a path", "GET", "/v1/items/a%00b", None, None, "supervisor", 400, "bad_id"),
    ("a newline in a path", "POST", "/v1/items/a%0Ab/hold", None, "", "source", 400, "bad_id"),
    ("DEL in a path", "GET", "/v1/items/%7F", None, None, "supervisor", 400, "bad_id"),
    ("U+0085 in a path", "GET", "/v1/agents/%C2%85", None, None, "supervisor", 400, "bad_id"),
    ("a 257-byte id in a path", "GET", "/v1/items/" + "x" * 257, None, None, "supervisor", 400, "bad_id"),
    ("a 256-byte id in a path is an id (unknown)", "GET", "/v1/items/" + "x" * 256, None, None, "supervisor", 404, "not_found"),
    ("a bad escape in a path", "GET", "/v1/items/%ZZ", None, None, "supervisor", 400, ("bad_path", "bad_id")),
    ("'/' in a captured id", "POST", "/v1/items", JSON, capture("a/b"), "source", 422, "bad_id"),
    ("a control character in a captured id", "POST", "/v1/items", JSON, capture("a\u0001b"), "source", 422, "bad_id"),
    ("U+0085 in a captured id", "POST", "/v1/items", JSON, capture("a\u0085"), "source", 422, "bad_id"),
    ("a 257-byte captured id", "POST", "/v1/items", JSON, capture("y" * 257), "source", 422, "bad_id"),
    ("an empty captured id", "POST", "/v1/items", JSON, capture(""), "source", 422, ("missing_id", "bad_id")),
    ("'/' in a batch item's id", "POST", "/v1/items/batch", JSON, json.dumps({"items": [json.loads(capture("b/1"))]}), "source", 200, "bad_id"),
    ("every batch item refused", "POST", "/v1/items/batch", JSON,
     json.dumps({"items": [json.loads(capture("\u0000")), {"department": "Sales"}, json.loads(capture("X6", segment="Platinum"))]}),
     "source", 200, ("bad_id", "missing_id", "refused")),
    ("'/' in a transfer's `to`", "POST", "/v1/items/S1/transfer", JSON, '{"to":"a/b"}', "supervisor", 422, "bad_id"),
    # A raw NUL byte in the request line or a header value is not in this table: Debian 12's
    # libmicrohttpd (0.9.75) ends the path or the value at it before the server sees it
    # (docs/api.md, "Guarantees": known limits). A percent-encoded NUL is refused (rows above).
    ("NUL in a transfer's `to`", "POST", "/v1/items/S1/transfer", JSON, '{"to":"\\u0000"}', "supervisor", 422, "bad_id"),
    ("a control character in an accept's agent", "POST", "/v1/items/S2/accept", JSON, '{"agent":"a\\u0007"}', "admin", 422, "bad_id"),
    ("a 257-byte agent in a reject", "POST", "/v1/items/S2/reject", JSON, json.dumps({"agent": "z" * 257}), "admin", 422, "bad_id"),
    # Content types.
    ("JSON sent as text/plain", "POST", "/v1/items", {"Content-Type": "text/plain"}, capture("X7"), "source", 415, "unsupported_media_type"),
    ("JSON sent as a form", "POST", "/v1/items", {"Content-Type": "application/x-www-form-urlencoded"}, capture("X7"), "source", 415, "unsupported_media_type"),
    ("JSON sent as application/jsonx", "PATCH", "/v1/items/S1", {"Content-Type": "application/jsonx"}, '{"segment":"Gold"}', "source", 415, "unsupported_media_type"),
    ("application/problem+json is JSON", "POST", "/v1/items/L1/accept", {"Content-Type": "application/problem+json"}, "{}", "ada", 409, "illegal_transition"),
    ("a charset parameter is fine", "POST", "/v1/items/L1/accept", {"Content-Type": "application/json; charset=utf-8"}, "{}", "ada", 409, "illegal_transition"),
    ("no Content-Type is fine", "POST", "/v1/items/L1/accept", NO_TYPE, "{}", "ada", 409, "illegal_transition"),
    # Framing.
    ("two different Content-Lengths", "POST", "/v1/items", [("Content-Type", "application/json"), ("Content-Length", "10"), ("Content-Length", "12")],
     capture("X8")[:12], "source", 400, None),
    # Bad timestamps.
    ("a due_at past month 12", "POST", "/v1/items/L1/reschedule", JSON, '{"due_at":"2026-13-45T99:99:99Z"}', "source", 422, "refused", "due_at"),
    ("an activate_at that is not a time", "POST", "/v1/items/L1/reschedule", JSON, '{"activate_at":"yesterday"}', "source", 422, "refused", "activate_at"),
    ("a due_at as a number", "POST", "/v1/items/L1/reschedule", JSON, '{"due_at":12}', "source", 422, "refused", "due_at"),
    ("an offset past +24:00", "POST", "/v1/items/L1/reschedule", JSON, '{"due_at":"2026-11-23T09:00:00+25:00"}', "source", 422, "refused"),
    ("February 30", "POST", "/v1/items/L1/reschedule", JSON, '{"due_at":"2026-02-30T00:00:00Z"}', "source", 422, "refused"),
    ("a reschedule with neither instant", "POST", "/v1/items/L1/reschedule", JSON, "{}", "source", 422, "refused"),
    ("a reschedule of an unknown item", "POST", "/v1/items/NOPE/reschedule", JSON, '{"due_at":"2030-01-01T00:00:00Z"}', "source", 404, "not_found"),
    # Illegal transitions and ended items.
    ("accept of a queued item not offered", "POST", "/v1/items/L1/accept", JSON, "{}", "ada", 409, "illegal_transition"),
    ("done before accept", "POST", "/v1/items/S2/done", None, "", "ada", 409, "illegal_transition"),
    ("park before accept", "POST", "/v1/items/S2/park", None, "", "ada", 409, "illegal_transition"),
    ("accept of another agent's offer", "POST", "/v1/items/S2/accept", None, "", "bob", 409, "illegal_transition", "offered to `ada`"),
    ("reject of an assigned item", "POST", "/v1/items/S1/reject", None, "", "ada", 409, "illegal_transition"),
    ("resume of an item not held", "POST", "/v1/items/S1/resume", None, "", "source", 409, "illegal_transition", "only a held item"),
    ("pull of an item not parked", "POST", "/v1/items/S1/pull", None, "", "ada", 409, "illegal_transition"),
    ("return of an item not parked", "POST", "/v1/items/S1/return", None, "", "supervisor", 409, "illegal_transition"),
    ("assign of an assigned item", "POST", "/v1/items/S1/assign", JSON, '{"agent":"bob"}', "supervisor", 409, "illegal_transition", "only a queued item"),
    ("requeue of an assigned item", "POST", "/v1/items/S1/requeue", None, "", "supervisor", 409, "illegal_transition", "only an offered item"),
    ("requeue of a queued item", "POST", "/v1/items/L1/requeue", None, "", "supervisor", 409, "illegal_transition"),
    ("a supervisor's hold of an assigned item", "POST", "/v1/items/S1/hold", None, "", "supervisor", 409, "illegal_transition"),
    ("complete of a canceled item", "POST", "/v1/items/C1/complete", None, "", "source", 409, "ended", "canceled"),
    ("hold of a canceled item", "POST", "/v1/items/C1/hold", None, "", "source", 409, "ended"),
    ("a captured id with another body", "POST", "/v1/items", JSON, capture("S1", segment="Silver"), "source", 409, "conflict"),
    # Retries within the idempotency window: the first answer again, nothing stored.
    ("a captured id with the same body", "POST", "/v1/items", JSON, capture("S1", segment="Gold"), "source", 201, None),
    ("a canceled item's id with the same body", "POST", "/v1/items", JSON, '{"id":"C1","department":"Legal"}', "source", 201, None),
    # Unknown ids and routes.
    ("read of an unknown item", "GET", "/v1/items/NOPE", None, None, "supervisor", 404, "not_found"),
    ("complete of an unknown item", "POST", "/v1/items/NOPE/complete", None, "", "source", 404, "not_found"),
    ("update of an unknown item", "PATCH", "/v1/items/NOPE", JSON, '{"segment":"Gold"}', "source", 404, "not_found"),
    ("accept of an unknown item", "POST", "/v1/items/NOPE/accept", None, "", "ada", 404, "not_found"),
    ("read of an unknown agent", "GET", "/v1/agents/nobody", None, None, "supervisor", 404, "not_found"),
    ("state of an unknown agent", "PUT", "/v1/agents/nobody/state", JSON, '{"state":"ready"}', "supervisor", 404, "not_found"),
    ("workbin of an unknown agent", "GET", "/v1/agents/nobody/workbin", None, None, "supervisor", 404, "not_found"),
    ("transfer to an unknown agent", "POST", "/v1/items/S1/transfer", JSON, '{"to":"nobody"}', "supervisor", 404, "not_found"),
    ("assign to an unknown agent", "POST", "/v1/items/L1/assign", JSON, '{"agent":"nobody"}', "supervisor", 404, "not_found", "no agent `nobody`"),
    ("assign of an unknown item", "POST", "/v1/items/NOPE/assign", JSON, '{"agent":"bob"}', "supervisor", 404, "not_found"),
    ("requeue of an unknown item", "POST", "/v1/items/NOPE/requeue", None, "", "supervisor", 404, "not_found"),
    ("workbin return of an unknown agent", "POST", "/v1/agents/nobody/workbin/return", None, "", "supervisor", 404, "not_found"),
    ("an unknown route", "GET", "/v1/nothing", None, None, "supervisor", 404, "no_route"),
    # Wrong methods.
    ("DELETE of an item", "DELETE", "/v1/items/S1", None, None, "admin", 405, "method_not_allowed"),
    ("GET of the capture route", "GET", "/v1/items", None, None, "source", 405, "method_not_allowed"),
    ("POST to health", "POST", "/healthz", None, "", "none", 405, "method_not_allowed"),
    ("DELETE of an agent", "DELETE", "/v1/agents/ada", None, None, "admin", 405, "method_not_allowed"),
    ("PATCH of the queue", "PATCH", "/v1/queue", JSON, "{}", "supervisor", 405, "method_not_allowed"),
    ("GET of an operation", "GET", "/v1/items/S1/complete", None, None, "admin", 405, "method_not_allowed"),
    ("GET of compaction", "GET", "/v1/admin/compact", None, None, "admin", 405, "method_not_allowed"),
    ("POST of the rules", "POST", "/v1/admin/rules", None, "x", "admin", 405, "method_not_allowed"),
    # Bad query values.
    ("limit=0", "GET", "/v1/queue?limit=0", None, None, "supervisor", 400, "bad_page"),
    ("limit=abc", "GET", "/v1/queue?limit=abc", None, None, "supervisor", 400, "bad_page"),
    ("limit=1001", "GET", "/v1/queue?limit=1001", None, None, "supervisor", 400, "bad_page"),
    ("an empty limit", "GET", "/v1/queue?limit=", None, None, "supervisor", 400, "bad_page"),
    ("offset=-1", "GET", "/v1/queue?offset=-1", None, None, "supervisor", 400, "bad_page"),
    ("offset=9223372036854775807", "GET", "/v1/queue?offset=9223372036854775807", None, None, "supervisor", 400, "bad_page"),
    ("offset=9223372036854775807 with limit=1000", "GET", "/v1/queue?limit=1000&offset=9223372036854775807", None, None, "supervisor", 400, "bad_page"),
    ("offset past 2^63", "GET", "/v1/queue?offset=99999999999999999999", None, None, "supervisor", 400, "bad_page"),
    ("state=sleeping", "GET", "/v1/queue?state=sleeping", None, None, "supervisor", 400, "bad_state"),
    ("process=Nope", "GET", "/v1/queue?process=Nope", None, None, "supervisor", 400, "bad_process"),
    # Bad tokens.
    ("no token", "POST", "/v1/items", JSON, capture("X9"), "none", 401, "unauthenticated"),
    ("an unknown token", "POST", "/v1/items", JSON, capture("X9"), "wrong", 401, "unauthenticated"),
    ("Basic credentials", "POST", "/v1/items", JSON, capture("X9"), "basic", 401, "unauthenticated"),
    ("`Bearer` without a token", "POST", "/v1/items", JSON, capture("X9"), "bearer-only", 401, "unauthenticated"),
    ("a token without `Bearer`", "POST", "/v1/items", JSON, capture("X9"), "no-scheme", 401, "unauthenticated"),
    ("a token with a byte more", "POST", "/v1/items", JSON, capture("X9"), "longer", 401, "unauthenticated"),
    ("no token for the queue", "GET", "/v1/queue", None, None, "none", 401, "unauthenticated"),
    ("no token for an upload", "PUT", "/v1/admin/rules", NO_TYPE, 'ruleset x version "1"', "none", 401, "unauthenticated"),
    ("no token for a rules check", "POST", "/v1/admin/rules/check", NO_TYPE, 'ruleset x version "1"', "none", 401, "unauthenticated"),
    ("no token for compaction", "POST", "/v1/admin/compact", None, "", "none", 401, "unauthenticated"),
    # Wrong roles.
    ("an agent captures", "POST", "/v1/items", JSON, capture("X9"), "ada", 403, "forbidden"),
    ("a supervisor captures", "POST", "/v1/items", JSON, capture("X9"), "supervisor", 403, "forbidden"),
    ("a source reads the queue", "GET", "/v1/queue", None, None, "source", 403, "forbidden"),
    ("a source uploads rules", "PUT", "/v1/admin/rules", NO_TYPE, 'ruleset x version "1"', "source", 403, "forbidden"),
    ("a supervisor uploads rules", "PUT", "/v1/admin/rules", NO_TYPE, 'ruleset x version "1"', "supervisor", 403, "forbidden"),
    ("a supervisor checks rules", "POST", "/v1/admin/rules/check", NO_TYPE, 'ruleset x version "1"', "supervisor", 403, "forbidden"),
    ("a supervisor compacts", "POST", "/v1/admin/compact", None, "", "supervisor", 403, "forbidden"),
    ("an agent reads metrics", "GET", "/metrics", None, None, "ada", 403, "forbidden"),
    ("a source registers an agent", "PUT", "/v1/agents/ada", JSON, '{"state":"ready"}', "source", 403, "forbidden"),
    ("an agent returns an item", "POST", "/v1/items/F1/return", None, "", "bob", 403, "forbidden"),
    ("a source assigns", "POST", "/v1/items/L1/assign", JSON, '{"agent":"bob"}', "source", 403, "forbidden"),
    ("an agent assigns", "POST", "/v1/items/L1/assign", JSON, '{"agent":"bob"}', "bob", 403, "forbidden"),
    ("an agent requeues its offer", "POST", "/v1/items/S2/requeue", None, "", "ada", 403, "forbidden"),
    ("a source requeues", "POST", "/v1/items/S2/requeue", None, "", "source", 403, "forbidden"),
    ("an agent returns its workbin", "POST", "/v1/agents/bob/workbin/return", None, "", "bob", 403, "forbidden"),
    ("a source returns a workbin", "POST", "/v1/agents/bob/workbin/return", None, "", "source", 403, "forbidden"),
    ("an agent cancels", "POST", "/v1/items/S1/cancel", None, "", "ada", 403, "forbidden"),
    ("an agent holds", "POST", "/v1/items/L1/hold", None, "", "ada", 403, "forbidden"),
    ("a supervisor restarts", "POST", "/v1/items/L1/restart", None, "", "supervisor", 403, "forbidden"),
    ("a source accepts", "POST", "/v1/items/S2/accept", None, "", "source", 403, "forbidden"),
    ("ada accepts as bob", "POST", "/v1/items/S2/accept", JSON, '{"agent":"bob"}', "ada", 403, "forbidden"),
    ("bob parks ada's item", "POST", "/v1/items/S1/park", None, "", "bob", 403, "forbidden"),
    # A done or complete's note (docs/api.md): at most 1000 bytes, a string.
    ("done with a note over 1000 bytes", "POST", "/v1/items/S1/done", JSON, json.dumps({"note": "x" * 1001}), "ada", 422, "bad_note", "1000"),
    ("complete with a number for the note", "POST", "/v1/items/S1/complete", JSON, '{"note":5}', "source", 422, "bad_note", "`note`"),
    # A mapped source's payload its mapping cannot read (docs/sources.md).
    ("a mapped payload with an impossible hour", "POST", "/v1/items", JSON, '{"number":"M1","due_date":"31/12/2026 25:00"}', "mapped", 422,
     "mapping_failed", "due_date"),
    ("a mapped payload without its id", "POST", "/v1/items", JSON, '{"due_date":"31/12/2026 10:00"}', "mapped", 422, "mapping_failed", "number"),
    ("bob marks ada's item done", "POST", "/v1/items/S1/done", None, "", "bob", 403, "forbidden"),
    ("ada transfers bob's parked item", "POST", "/v1/items/F1/transfer", JSON, '{"to":"ada"}', "ada", 403, "forbidden"),
    ("ada reads bob", "GET", "/v1/agents/bob", None, None, "ada", 403, "forbidden"),
    ("bob streams ada's offers", "GET", "/v1/agents/ada/offers/stream", None, None, "bob", 403, "forbidden"),
    ("a supervisor streams offers", "GET", "/v1/agents/ada/offers/stream", None, None, "supervisor", 403, "forbidden"),
    ("a source reads an agent", "GET", "/v1/agents/ada", None, None, "source", 403, "forbidden"),
    ("bob changes ada's state", "PUT", "/v1/agents/ada/state", JSON, '{"state":"not_ready"}', "bob", 403, "forbidden"),
    ("ada changes her skills", "PUT", "/v1/agents/ada", JSON, '{"skills":{"sales_processing":10}}', "ada", 403, "forbidden", "skills"),
    ("ada changes her capacity", "PUT", "/v1/agents/ada", JSON, '{"capacity":"standard"}', "ada", 403, "forbidden", "capacity"),
    ("ada changes her groups", "PUT", "/v1/agents/ada", JSON, '{"groups":["north"]}', "ada", 403, "forbidden", "groups"),
    ("ada changes her state and skills", "PUT", "/v1/agents/ada", JSON, '{"state":"ready","skills":{}}', "ada", 403, "forbidden", "skills"),
    # Uploads that are refused.
    ("an empty upload", "PUT", "/v1/admin/rules", NO_TYPE, "", "admin", 400, "empty_body"),
    ("an upload with errors", "PUT", "/v1/admin/rules", NO_TYPE, 'ruleset broken version "1"\ndefault process P { sla 1h }\nbogus\n', "admin", 422, "rule_errors"),
    ("an upload over max_body_bytes", "PUT", "/v1/admin/rules", NO_TYPE, "// " + "x" * (MAX_BODY + 10), "admin", 413, "too_large"),
    ("an empty rules check", "POST", "/v1/admin/rules/check", NO_TYPE, "", "admin", 400, "empty_body"),
    ("a rules check with errors", "POST", "/v1/admin/rules/check", NO_TYPE, 'ruleset broken version "1"\ndefault process P { sla 1h }\nbogus\n', "admin", 422, "rule_errors"),
    ("a rules check over max_body_bytes", "POST", "/v1/admin/rules/check", NO_TYPE, "// " + "x" * (MAX_BODY + 10), "admin", 413, "too_large"),
    ("a rules check of bytes that are not UTF-8", "POST", "/v1/admin/rules/check", NO_TYPE, b"\x7fELF\x02\x01\x01\x00\xff\xfe", "admin", 422, "rule_errors"),
    ("a GET of the rules check", "GET", "/v1/admin/rules/check", None, None, "admin", 405, "method_not_allowed"),
    ("an upload importing /etc/passwd", "PUT", "/v1/admin/rules", NO_TYPE, 'import "/etc/passwd"\ndefault process P\n', "admin", 422, "rule_errors"),
    ("an upload whose import leaves it", "PUT", "/v1/admin/rules", JSON, '{"files": {"a.iwd": "import \\"../../x.iwd\\""}}', "admin", 422, "rule_errors"),
    ("an upload that imports itself", "PUT", "/v1/admin/rules", NO_TYPE, 'import "upload.iwd"\ndefault process P\n', "admin", 422, "rule_errors"),
    ("an upload that is not UTF-8", "PUT", "/v1/admin/rules", NO_TYPE, b"default process \xff\xfe\n", "admin", 422, "rule_errors"),
    ("a file set that is not JSON", "PUT", "/v1/admin/rules", JSON, '{"files": ', "admin", 400, "bad_upload"),
    ("a file set with a name out of it", "PUT", "/v1/admin/rules", JSON, '{"files": {"../a.iwd": "default process P"}}', "admin", 400, "bad_upload", ".."),
    # HEAD where GET (no body: the code is not checked).
    ("HEAD of health", "HEAD", "/healthz", None, None, "none", 200, None),
    ("HEAD of the queue", "HEAD", "/v1/queue?state=open", None, None, "supervisor", 200, None),
    ("HEAD of an unknown item", "HEAD", "/v1/items/NOPE", None, None, "supervisor", 404, None),
    ("HEAD without a token", "HEAD", "/v1/queue", None, None, "none", 401, None),
]


class Reply:
    def __init__(self, status=None, body=b"", error=None, headers=None):
        self.status, self.body, self.error, self.headers = status, body, error, headers or {}

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def request(port, method, path, headers=None, body=None, auth=None, timeout=20):
    """Sends one request on a fresh connection, as written; the reply (status None if none)."""
    if isinstance(path, str):
        path = path.encode()
    if isinstance(body, str):
        body = body.encode()
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    if body is not None and not any(k.lower() == "content-type" for k, _ in pairs):
        pairs.append(("Content-Type", "application/json"))
    pairs = [(k, v) for k, v in pairs if v is not None]
    chunked = any(k.lower() == "transfer-encoding" for k, _ in pairs)
    if body is not None and not chunked and not any(k.lower() == "content-length" for k, _ in pairs):
        pairs.append(("Content-Length", str(len(body))))
    if auth is not None:
        pairs.append(("Authorization", auth))
    head = method.encode() + b" " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    head += b"".join(k.encode() + b": " + v.encode() + b"\r\n" for k, v in pairs) + b"\r\n"
    payload = body or b""
    if chunked:
        payload = b"".join(b"%x\r\n%s\r\n" % (len(payload[k:k + 4096]), payload[k:k + 4096]) for k in range(0, len(payload), 4096)) + b"0\r\n\r\n"
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        sock.sendall(head)
        # A large body: the server may answer from the headers (413) and close; read that first.
        early = len(payload) > 16384 and not chunked and select.select([sock], [], [], 1.0)[0]
        if not early:
            try:
                sock.sendall(payload)
            except OSError:
                pass  # closed early: its reply may be there
        response = http.client.HTTPResponse(sock, method=method)
        try:
            response.begin()
            data = response.read()
        except (http.client.HTTPException, OSError) as e:
            return Reply(error=f"no reply ({type(e).__name__}: {e})")
        return Reply(response.status, data, headers={k.lower(): v for k, v in response.getheaders()})
    finally:
        sock.close()


def journal_state(data):
    with sqlite3.connect(os.path.join(data, "journal.db"), timeout=10) as db:
        return tuple(db.execute("SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM journal").fetchone())


class Server:
    def __init__(self, iwd, tmp):
        self.data = os.path.join(tmp, "data")
        config = os.path.join(tmp, "config.json")
        tokens = [{"token": TOKENS[r], "role": r} for r in ("source", "supervisor", "admin")]
        tokens += [{"token": TOKENS[a], "role": "agent", "agent": a} for a in ("ada", "bob")]
        tokens.append({"token": TOKENS["mapped"], "role": "source", "name": "cases"})
        with open(config, "w") as f:
            json.dump({"tokens": tokens, "max_body_bytes": MAX_BODY, "max_batch": MAX_BATCH, "compact_every": 0,
                       "mappings": {"cases": MAPPING}}, f)
        port_file = os.path.join(tmp, "port")
        self.log = open(os.path.join(tmp, "serve.log"), "w+")
        self.proc = subprocess.Popen([iwd, "serve", "--rules", os.path.join(ROOT, "examples", "enterprise.iwd"), "--data", self.data,
                                      "--listen", "127.0.0.1:0", "--port-file", port_file, "--config", config],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline and self.proc.poll() is None:
            if os.path.exists(port_file) and open(port_file).read().strip():
                self.port = int(open(port_file).read())
                return
            time.sleep(0.05)
        self.stop()
        self.log.seek(0)
        sys.exit("the server did not start:\n" + self.log.read())

    def call(self, method, path, body=None, role="admin", **kw):
        return request(self.port, method, path, body=body, auth=AUTH[role], **kw)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def setup(s):
    """Allowed requests: the agents and items the rows refer to. Exits when one fails."""
    steps = [
        ("PUT", "/v1/agents/ada", '{"skills":{"sales_processing":8,"legacy_processing":2}}', "admin", 200),
        ("PUT", "/v1/agents/bob", '{"skills":{"finance_processing":6}}', "admin", 200),
        ("POST", "/v1/items", capture("S1", segment="Gold"), "source", 201),
        ("POST", "/v1/items/S1/accept", "", "ada", 200),
        ("POST", "/v1/items", capture("S2", segment="Silver"), "source", 201),
        ("POST", "/v1/items", '{"id":"L1","department":"Legal"}', "source", 201),
        ("POST", "/v1/items", '{"id":"F1","department":"Finance","segment":"Gold"}', "source", 201),
        ("POST", "/v1/items/F1/accept", "", "bob", 200),
        ("POST", "/v1/items/F1/park", "", "bob", 200),
        ("POST", "/v1/items", '{"id":"N1","department":"Legal"}', "source", 201),
        ("POST", "/v1/items", '{"id":"C1","department":"Legal"}', "source", 201),
        ("POST", "/v1/items/C1/cancel", "", "source", 200),
    ]
    for method, path, body, role, status in steps:
        r = s.call(method, path, body, role)
        if r.status != status:
            s.stop()
            sys.exit(f"setup: {method} {path}: status {r.status}, expected {status}: {r.body[:300]!r} {r.error or ''}")
    states = {i: (s.call("GET", f"/v1/items/{i}", role="supervisor").json() or {}).get("state") for i in ("S1", "S2", "L1", "F1")}
    wanted = {"S1": "assigned", "S2": "offered", "L1": "queued", "F1": "parked"}
    if states != wanted:
        s.stop()
        sys.exit(f"setup: the items are {states}, expected {wanted}")


def views(s):
    """What the rows must not change: the items, agents, workbins and the queue as read."""
    out = {}
    for path in ["/v1/items/S1", "/v1/items/S2", "/v1/items/L1", "/v1/items/N1", "/v1/items/F1", "/v1/items/C1", "/v1/agents/ada",
                 "/v1/agents/bob", "/v1/agents/ada/workbin", "/v1/agents/bob/workbin", "/v1/queue?state=open&limit=1000"]:
        r = s.call("GET", path, role="supervisor")
        out[path] = (r.status, r.json())
    return out


def check_row(s, row):
    """The problems with one row's reply ([] when it is as expected)."""
    desc, method, path, headers, body, role, status, code = row[:8]
    text = row[8] if len(row) > 8 else None
    r = request(s.port, method, path, headers, body, AUTH[role])
    problems = []
    statuses = status if isinstance(status, tuple) else (status,)
    if r.status not in statuses:
        problems.append(f"status {r.status}, expected {' or '.join(map(str, statuses))}" + (f" ({r.error})" if r.error else ""))
    if method == "HEAD" and r.body:
        problems.append(f"HEAD answered with a body of {len(r.body)} bytes")
    reply = r.json() if r.status is not None and method != "HEAD" else None
    if r.status is not None and r.status >= 300 and method != "HEAD":
        if not r.headers.get("content-type", "").startswith("application/json") or not isinstance(reply, dict) or \
                not isinstance(reply.get("error"), dict) or not isinstance(reply["error"].get("message"), str):
            problems.append("the reply is not {\"error\": {\"code\", \"message\"}}")
    if code is not None:
        wanted = code if isinstance(code, tuple) else (code,)
        if r.status == 200 and isinstance(reply, dict) and "results" in reply:
            got = [(x.get("error") or {}).get("code") for x in reply["results"]]
        else:
            got = [((reply or {}).get("error") or {}).get("code") if isinstance(reply, dict) else None]
        if not got or any(g not in wanted for g in got):
            problems.append(f"code {got if len(got) != 1 else got[0]}, expected {' or '.join(wanted)}")
    if text is not None:
        message = ((reply or {}).get("error") or {}).get("message", "") if isinstance(reply, dict) else ""
        if text not in str(message):
            problems.append(f"the message does not name `{text}`")
    if problems:
        problems.append("body: " + r.body[:240].decode("utf-8", "replace").replace("\n", " "))
    return problems


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: serve_bad_input_test.py IWD_BINARY")
    passed, failed = 0, 0
    with tempfile.TemporaryDirectory(prefix="iwd-bad-input.") as tmp:
        s = Server(os.path.abspath(sys.argv[1]), tmp)
        try:
            setup(s)
            before_views, before = views(s), journal_state(s.data)
            for row in ROWS:
                ahead = journal_state(s.data)
                problems = check_row(s, row)
                after = journal_state(s.data)
                if after != ahead:
                    problems.append(f"stored something: journal (lines, last seq) {ahead} -> {after}")
                if problems:
                    failed += 1
                    print(f"FAIL: {row[0]} ({row[1]} {row[2]!s:.60}): " + "; ".join(problems))
                else:
                    passed += 1
            # Nothing changed, and the check can see a change.
            after_views, after = views(s), journal_state(s.data)
            changed = [path for path in before_views if after_views[path] != before_views[path]]
            checks = [
                (f"the journal is as before the rows: (lines, last seq) {before} -> {after}", after == before),
                (f"the items, agents, workbins and queue read as before (changed: {', '.join(changed)})", not changed),
                ("the server still serves", s.call("GET", "/healthz", role="none").status == 200),
            ]
            stored = s.call("POST", "/v1/items", capture("OK1"), "source").status
            checks.append(("an allowed capture stores one line (the check sees writes)",
                           stored == 201 and journal_state(s.data)[0] == after[0] + 1))
            # A capture the rules reject: 422 `rejected` with the reason, journaled (its history
            # record goes with its line) and kept as no item: the corrected one is accepted.
            lines = journal_state(s.data)[0]
            r = s.call("POST", "/v1/items", '{"id":"RJ1","segment":"Gold"}', "source")
            error = (r.json() or {}).get("error") or {}
            checks.append(("a rejected capture answers 422 `rejected` with the rules' reason, one line stored",
                           r.status == 422 and error.get("code") == "rejected" and "department" in error.get("reason", "") and
                           journal_state(s.data)[0] == lines + 1))
            checks.append(("the rejected id is free: its corrected capture is accepted",
                           s.call("POST", "/v1/items", capture("RJ1"), "source").status == 201))
            for name, ok in checks:
                if ok:
                    passed += 1
                else:
                    failed += 1
                    print(f"FAIL: {name}")
        finally:
            code = s.stop()
        if code != 0:
            failed += 1
            s.log.seek(0)
            print(f"FAIL: the server stopped with {code}:\n{s.log.read()[-2000:]}")
        else:
            passed += 1
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
