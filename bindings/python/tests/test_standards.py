"""Standards runs from Python, against the simulator: catalogue, plan, report, remediate with a
store, the renderings, errors and the asyncio twin."""

import asyncio
import json

import pytest

import cipp

BASELINE = {
    "GUID": "baseline",
    "templateName": "Baseline",
    "tenantFilter": [{"label": "All tenants", "value": "AllTenants"}],
    "standards": {
        "DisableSMS": {"action": [{"label": "Remediate", "value": "Remediate"}]},
        "AuditLog": {"action": ["Report", "warn"]},
    },
}


@pytest.fixture()
def sim():
    s = cipp.sim.start()
    yield s
    s.stop()


def state(report, tenant, standard):
    t = next(t for t in report.tenants if t["tenant"] == tenant)
    return next(r for r in t["results"] if r["standard"] == standard)["state"]


def test_catalogue_lists_the_standards(sim):
    entries = {d["name"]: d for d in sim.client().standards.catalogue()}
    names = set(entries)
    assert entries["DisableGuests"]["kind"] == "code" and entries["DisableGuests"]["destructive"]
    assert entries["DisableSMS"]["kind"] == "definition"
    assert {"DisableSMS", "AuditLog", "EXOOutboundSpamLimits"} <= names


def test_plan_writes_nothing_and_shows_the_requests(sim):
    c = sim.client()
    report = c.standards.plan(BASELINE, tenants=["alphadental.com"])
    assert report.mode == "report"
    assert state(report, "alphadental.com", "DisableSMS") == "drifted"
    sms = next(r for r in report.tenants[0]["results"] if r["standard"] == "DisableSMS")
    assert sms["planned"][0]["kind"] == "graph"
    assert "remediation" not in sms
    again = c.standards.run(json.dumps(BASELINE), tenants=["alphadental.com"])
    assert state(again, "alphadental.com", "DisableSMS") == "drifted"


def test_remediate_with_a_store_then_report(sim, tmp_path):
    c = sim.client()
    store = str(tmp_path / "cipp.db")
    fixed = c.standards.run([BASELINE], "remediate", store=store)
    assert state(fixed, "alphadental.com", "DisableSMS") == "remediated"
    assert state(fixed, "alphadental.com", "AuditLog") == "drifted"
    assert fixed.run_id is not None
    after = c.standards.run(BASELINE, "report", store=store)
    assert state(after, "alphadental.com", "DisableSMS") == "compliant"
    assert after.summary["changed_since_last"] == 0
    d = after.to_dict()
    assert d["schema"] == 1 and len(d["tenants"]) == 3
    assert json.loads(after.to_json())["summary"] == after.summary
    assert "alphadental.com" in after.to_markdown()
    assert after.to_html().startswith("<!doctype html>")
    assert "RunReport(mode='report'" in repr(after)


def test_bad_input_raises_invalid_input(sim):
    s = sim.client().standards
    with pytest.raises(cipp.InvalidInputError) as e:
        s.run(BASELINE, "fix-everything")
    assert "mode" in str(e.value)
    with pytest.raises(cipp.InvalidInputError) as e:
        s.run({"standards": {"DisableSMS": 5}})
    assert "standards.DisableSMS" in str(e.value)
    with pytest.raises(cipp.InvalidInputError):
        s.run("{not json")
    with pytest.raises(cipp.InvalidInputError):
        s.catalogue(definitions="/no/such/folder")


def test_async_run(sim):
    async def main():
        ac = cipp.AsyncClient.from_sync(sim.client())
        report = await ac.standards.run(BASELINE, tenants=["bravologistics.com"])
        return state(report, "bravologistics.com", "DisableSMS")

    assert asyncio.run(main()) == "compliant"


DESTRUCTIVE = {
    "GUID": "code",
    "templateName": "Code standards",
    "tenantFilter": [{"value": "alphadental.com"}],
    "standards": {"DisableInactiveUsers": {"action": ["Remediate"], "days": 90}},
}
NOV_1_2026 = 1793491200


def test_destructive_standards_need_allow_destructive(sim):
    c = sim.client()
    refused = c.standards.run(DESTRUCTIVE, "remediate", tenants=["alphadental.com"], as_of=NOV_1_2026)
    assert state(refused, "alphadental.com", "DisableInactiveUsers") == "remediation_failed"
    done = c.standards.run(
        DESTRUCTIVE,
        "remediate",
        tenants=["alphadental.com"],
        as_of=NOV_1_2026,
        allow_destructive=True,
    )
    assert state(done, "alphadental.com", "DisableInactiveUsers") == "remediated"
