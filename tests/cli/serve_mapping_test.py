#!/usr/bin/env python3
"""`iwd serve` with field mappings per source (docs/sources.md): a CRM posts its leads as a
Salesforce-like JSON, a case system its incidents as a ServiceNow-like JSON, each mapped to
examples/enterprise.iwd's fields; mapping errors answer 422 naming the field and capture
nothing (single and batch creates); a retry of the same payload answers as the first did; a
source without a mapping posts the rules' fields; a mapping with a bad rule refuses the start.
Usage: serve_mapping_test.py IWD. Prints `N passed, M failed`."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_lib  # noqa: E402
from serve_lib import Checks, start_serve  # noqa: E402

IWD = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="iwd_mapping_")
CRM, CASES, PLAIN, ADMIN = ("crm-token-0123456789ab", "cases-token-0123456789", "plain-token-0123456789",
                            "admin-token-0123456789a")
check = Checks()

# docs/sources.md's two examples, as they are written there.
MAPPINGS = {
    "crm": {"rules": [
        {"to": "id", "from": "Id"},
        {"to": "department", "set": "Sales"},
        {"to": "segment", "from": "Rating", "map": {"Hot": "Gold", "Warm": "Silver"}, "default": "Bronze"},
        {"to": "deal_value", "from": "AnnualRevenue", "as": "number", "optional": True},
        {"to": "product", "from": "Product_Interest__c", "optional": True},
        {"to": "due_at", "from": "Respond_By__c", "time": "%Y-%m-%dT%H:%M:%S.%f%z", "optional": True}]},
    "cases": {"rules": [
        {"to": "id", "from": "number"},
        {"to": "department", "from": "assignment_group.display_value"},
        {"to": "segment", "from": "priority", "map": {"1": "Gold", "2": "Gold", "3": "Silver", "4": "Bronze"}},
        {"to": "product", "from": "cmdb_ci.display_value", "optional": True},
        {"to": "due_at", "from": "due_date", "time": "%d/%m/%Y %H:%M", "zone": "Europe/Berlin"}]},
}
CONFIG = {"tokens": [{"token": CRM, "role": "source", "name": "crm"}, {"token": CASES, "role": "source", "name": "cases"},
                     {"token": PLAIN, "role": "source", "name": "plain"}, {"token": ADMIN, "role": "admin"}],
          "mappings": MAPPINGS}

LEAD = {"attributes": {"type": "Lead", "url": "/services/data/v59.0/sobjects/Lead/00Q5e00000AbCdEAAA"},
        "Id": "00Q5e00000AbCdEAAA", "FirstName": "Ada", "LastName": "Lovelace", "Company": "Analytical Engines Ltd",
        "Status": "Open - Not Contacted", "LeadSource": "Web", "Rating": "Hot", "AnnualRevenue": "250000.00",
        "Product_Interest__c": "GC5000 series", "CreatedDate": "2026-11-23T14:05:00.000+0000",
        "Respond_By__c": "2026-11-25T17:00:00.000+0000", "IsConverted": False}
INCIDENT = {"sys_id": "46d44a5ec0a8010e01b5c0e4b4b7d6c1", "number": "INC0010001",
            "short_description": "Invoice total does not match the order", "priority": "1", "state": "2",
            "opened_at": "2026-11-23 09:15:00", "due_date": "24/11/2026 17:00",
            "assignment_group": {"display_value": "Finance", "link": "https://example.service-now.com/api/now/table/sys_user_group/1"},
            "cmdb_ci": {"display_value": "SAP Finance", "link": "https://example.service-now.com/api/now/table/cmdb_ci/2"}}


def call(port, method, path, body=None, token=ADMIN):
    return serve_lib.call(port, method, path, body, token)


proc, port = start_serve(IWD, TMP, CONFIG)
try:
    # The CRM's lead as Salesforce sends it: a Sales item, Hot -> Gold, the revenue a number.
    status, item = call(port, "POST", "/v1/items", LEAD, CRM)
    check(status == 201, f"the lead is captured: {status} {item}")
    check(item.get("process") == "Sales.Gold", f"Hot is Gold: {item.get('process')}")
    attrs = item.get("attributes", {})
    check(attrs.get("department") == "Sales" and attrs.get("segment") == "Gold" and attrs.get("deal_value") == 250000
          and attrs.get("product") == "GC5000 series", f"the lead's attributes: {attrs}")
    check(item.get("due") == "2026-11-25T17:00:00Z", f"Respond_By__c is the due instant: {item.get('due')}")
    status, again = call(port, "POST", "/v1/items", LEAD, CRM)
    check(status in (200, 201) and again.get("id") == LEAD["Id"] and again.get("process") == "Sales.Gold",
          f"the same lead again (a retry) is the same item: {status} {again}")
    changed = dict(LEAD, Rating="Cold")
    status, body = call(port, "POST", "/v1/items", changed, CRM)
    check(status == 409, f"the same Id with another rating is another body: {status} {body}")
    warm = dict(LEAD, Id="00Q5e00000AbCdFAAA", Rating="Warm", AnnualRevenue=None)
    del warm["Respond_By__c"]
    status, item = call(port, "POST", "/v1/items", warm, CRM)
    check(status == 201 and item.get("process") == "Sales.Silver" and "deal_value" not in item.get("attributes", {}),
          f"a warm lead without revenue: {status} {item}")

    # The case system's incident as ServiceNow sends it: Finance by its group, priority 1 -> Gold,
    # the due date read in Berlin's wall clock.
    status, item = call(port, "POST", "/v1/items", INCIDENT, CASES)
    check(status == 201 and item.get("process") == "Finance.Gold", f"the incident is captured: {status} {item}")
    check(item.get("attributes", {}).get("product") == "SAP Finance", f"cmdb_ci.display_value: {item.get('attributes')}")
    check(item.get("due") == "2026-11-24T16:00:00Z", f"24/11/2026 17:00 in Berlin is 16:00Z: {item.get('due')}")

    # Mapping errors: 422 naming the field and the problem, nothing captured.
    bad = dict(INCIDENT, number="INC0010002", due_date="31/12/2026 25:00")
    status, body = call(port, "POST", "/v1/items", bad, CASES)
    message = body.get("error", {}).get("message", "") if isinstance(body, dict) else ""
    check(status == 422 and body["error"]["code"] == "mapping_failed" and message ==
          'field "due_date": "31/12/2026 25:00" does not match format "%d/%m/%Y %H:%M": hour 25 is out of range (0..23)',
          f"a bad date: {status} {body}")
    status, _ = call(port, "GET", "/v1/items/INC0010002", token=ADMIN)
    check(status == 404, f"nothing was captured: {status}")
    status, body = call(port, "POST", "/v1/items", dict(INCIDENT, number="INC0010003", priority="5"), CASES)
    check(status == 422 and 'field "priority": "5" is not mapped' in body["error"]["message"], f"an unmapped priority: {body}")
    no_group = {k: v for k, v in INCIDENT.items() if k != "assignment_group"}
    status, body = call(port, "POST", "/v1/items", dict(no_group, number="INC0010004"), CASES)
    check(status == 422 and body["error"]["message"] == 'field "assignment_group.display_value" is missing',
          f"a missing nested field: {body}")

    # A batch: each item mapped on its own; a bad one answers 422 in its place, the others go in.
    batch = {"items": [dict(INCIDENT, number="INC0010005"), dict(INCIDENT, number="INC0010006", priority="P9"),
                       dict(INCIDENT, number="INC0010007", priority="3")]}
    status, body = call(port, "POST", "/v1/items/batch", batch, CASES)
    results = body.get("results", []) if isinstance(body, dict) else []
    check(status == 200 and [r["status"] for r in results] == [201, 422, 201], f"the batch: {status} {body}")
    check(len(results) == 3 and results[1]["error"]["code"] == "mapping_failed"
          and 'field "priority": "P9" is not mapped' in results[1]["error"]["message"], f"the batch's error: {results}")
    check(len(results) == 3 and results[2].get("item", {}).get("process") == "Finance.Silver", f"INC0010007: {results}")
    status, _ = call(port, "GET", "/v1/items/INC0010006", token=ADMIN)
    check(status == 404, f"the batch's bad item was not captured: {status}")

    # A source without a mapping posts the rules' fields, and its item is not mapped.
    status, item = call(port, "POST", "/v1/items", {"id": "P1", "department": "Sales", "segment": "Silver"}, PLAIN)
    check(status == 201 and item.get("process") == "Sales.Silver", f"the plain source: {status} {item}")
    # A mapped source posting the rules' fields is mapped all the same: `Id` is missing.
    status, body = call(port, "POST", "/v1/items", {"id": "X1", "department": "Sales"}, CRM)
    check(status == 422 and body["error"]["message"] == 'field "Id" is missing', f"the CRM's own fields only: {body}")
finally:
    proc.terminate()
    proc.wait()

# A bad mapping refuses the start, naming the source, the rule and the key.
bad_config = dict(CONFIG, mappings={"cases": {"rules": [{"to": "id", "from": "number"},
                                                        {"to": "due_at", "from": "due_date", "time": "%d/%m/%Y %H:%M"}]}})
path = os.path.join(TMP, "bad.json")
with open(path, "w") as f:
    json.dump(bad_config, f)
run = subprocess.run([IWD, "serve", "--rules", "examples/enterprise.iwd", "--data", os.path.join(TMP, "bad"), "--listen",
                      "127.0.0.1:0", "--config", path], capture_output=True, text=True, timeout=30)
check(run.returncode != 0 and "`mappings.cases.rules[1].time` (source `cases`, the rule giving `due_at`)" in run.stderr
      and "give the `zone`" in run.stderr, f"a bad mapping refuses the start: {run.returncode} {run.stderr}")
if not check.failed:
    shutil.rmtree(TMP, ignore_errors=True)  # kept when something failed: serve.log says why
check.finish()
