"""Alert runs from Python, against the simulator and a local webhook receiver: the catalogue,
one digest per destination, deduplication through a store, snoozes, errors and the asyncio
twin."""

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

import cipp

ALPHA = "alphadental.com"
CHARLIE = "charlie.onmicrosoft.com"
AS_OF = "2026-11-01T00:00:00Z"


@pytest.fixture()
def sim():
    s = cipp.sim.start()
    yield s
    s.stop()


@pytest.fixture()
def receiver():
    """A webhook endpoint on localhost that records every JSON body posted to it."""
    bodies = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            bodies.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", bodies
    server.shutdown()


def config(url):
    return {
        "rules": {"InactiveUsers": {}, "AppSecretExpiry": {}, "NoCAConfig": {}},
        "destinations": [{"name": "soc", "type": "webhook", "url": url, "format": "json"}],
    }


def test_catalogue_lists_the_rules_with_parameters(sim):
    rules = {r["name"]: r for r in sim.client().alerts.catalogue()}
    assert {"InactiveUsers", "AppSecretExpiry", "MFAAdmins", "LowTenantAlignment"} <= set(rules)
    assert rules["InactiveUsers"]["params"], "InactiveUsers takes a days threshold"


def test_a_run_sends_one_digest_and_a_second_run_sends_nothing_new(sim, receiver, tmp_path):
    url, bodies = receiver
    c = sim.client()
    store = str(tmp_path / "cipp.db")
    first = c.alerts.run(config(url), tenants=[ALPHA, CHARLIE], store=store, as_of=AS_OF)
    assert first.summary["tenant_errors"] == 0
    fired = {(f["tenant"], f["rule"]) for f in first.findings()}
    assert (ALPHA, "InactiveUsers") in fired and (ALPHA, "AppSecretExpiry") in fired
    assert (CHARLIE, "NoCAConfig") in fired and (ALPHA, "NoCAConfig") not in fired
    assert len(bodies) == 1, "one digest per destination per run"
    assert first.deliveries[0]["ok"] is True
    assert first.summary["delivered"] == len(first.findings())
    assert "InactiveUsers" in first.to_markdown()
    assert json.loads(first.to_json())["summary"] == first.summary
    assert set(first.to_dict()["rules"]) == {"InactiveUsers", "AppSecretExpiry", "NoCAConfig"}

    second = c.alerts.run(config(url), tenants=[ALPHA, CHARLIE], store=store, as_of=AS_OF)
    assert len(bodies) == 1, "nothing new: nothing sent"
    assert second.summary["delivered"] == 0
    assert second.summary["suppressed"] == len(second.findings())


def test_a_snoozed_finding_is_held_back(sim, receiver, tmp_path):
    url, bodies = receiver
    c = sim.client()
    store = str(tmp_path / "cipp.db")
    cfg = config(url)
    cfg["rules"] = {"NoCAConfig": {"resend_hours": 1}}
    first = c.alerts.run(cfg, tenants=[CHARLIE], store=store, as_of=AS_OF)
    (finding,) = first.findings()
    snooze = c.alerts.snooze(store, "NoCAConfig", CHARLIE, finding["hash"], days=-1, reason="known")
    assert snooze["until"] is None and snooze["reason"] == "known"
    assert [s["hash"] for s in c.alerts.snoozes(store, tenant=CHARLIE)] == [finding["hash"]]
    # Two hours later the re-send interval has passed, but the snooze holds.
    later = c.alerts.run(cfg, tenants=[CHARLIE], store=store, as_of="2026-11-01T02:00:00Z")
    assert later.summary["snoozed"] == 1 and later.summary["delivered"] == 0
    assert len(bodies) == 1


def test_bad_input_names_the_field(sim, tmp_path):
    c = sim.client()
    with pytest.raises(cipp.InvalidInputError) as e:
        c.alerts.run({"rules": {"NoSuchRule": {}}}, tenants=[ALPHA])
    assert "NoSuchRule" in str(e.value)
    with pytest.raises(cipp.InvalidInputError) as e:
        c.alerts.run({"rules": {"InactiveUsers": {"params": {"DaysSinceLastLogin": "soon"}}}}, tenants=[ALPHA])
    assert "DaysSinceLastLogin" in str(e.value)
    with pytest.raises(cipp.InvalidInputError) as e:
        c.alerts.run(tenants=[ALPHA], as_of="yesterday")
    assert "as_of" in str(e.value)
    with pytest.raises(cipp.InvalidInputError):
        c.alerts.snooze(str(tmp_path / "s.db"), "InactiveUsers", ALPHA, "abc", days=3)


def test_async_client_runs_alerts(sim):
    async def main():
        c = cipp.AsyncClient.from_sync(sim.client())
        report = await c.alerts.run({"rules": {"NoCAConfig": {}}}, tenants=[CHARLIE], as_of=AS_OF)
        return report.summary

    summary = asyncio.run(main())
    assert summary["findings"] == 1


ALERTING = {
    "GUID": "alerting",
    "templateName": "Alerting",
    "tenantFilter": [{"value": "AllTenants"}],
    "standards": {"DisableSMS": {"action": ["warn"]}},
}


def test_standards_in_alert_mode_become_findings(sim, receiver):
    url, bodies = receiver
    c = sim.client()
    standards = c.standards.run(ALERTING, "alert", tenants=[ALPHA])
    cfg = config(url)
    cfg["rules"] = {"StandardsAlerts": {}}
    report = c.alerts.run(cfg, tenants=[ALPHA], standards=standards)
    (finding,) = report.findings()
    assert finding["data"]["Standard"] == "DisableSMS"
    assert len(bodies) == 1
    again = c.alerts.run(cfg, tenants=[ALPHA], standards=standards.to_dict())
    assert len(again.findings()) == 1
    with pytest.raises(cipp.InvalidInputError):
        c.alerts.run(cfg, tenants=[ALPHA], standards={"not": "a report"})
