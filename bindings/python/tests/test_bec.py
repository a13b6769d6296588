"""Compromised-account research and remediation from Python, against the simulator's seeded
compromise (Alpha's miriam.vance) and a clean user (Charlie's nestor.bowen)."""

import asyncio
import json

import pytest

import cipp

ALPHA = "alpha.onmicrosoft.com"
CHARLIE = "charlie.onmicrosoft.com"
MIRIAM = "miriam.vance@alphadental.com"
NESTOR = "nestor.bowen@charlie.onmicrosoft.com"
AS_OF = "2026-11-28T00:00:00Z"


@pytest.fixture()
def sim():
    s = cipp.sim.start()
    yield s
    s.stop()


def test_research_finds_the_seeded_compromise_and_not_the_clean_user(sim):
    c = sim.client()
    report = c.tenant(ALPHA).bec.research(MIRIAM, as_of=AS_OF)
    assert report.alarming
    kinds = {i["kind"] for i in report.indicators}
    assert {"forwardingInboxRule", "mailboxForwarding"} <= kinds, kinds
    data = report.to_dict()
    assert json.loads(report.to_json()) == data
    assert "miriam.vance" in report.to_markdown()
    clean = c.tenant(CHARLIE).bec.research(NESTOR, as_of=AS_OF)
    assert not clean.alarming


def test_plan_writes_nothing_and_remediation_needs_confirmation(sim):
    bec = sim.client().tenant(ALPHA).bec
    plan = bec.plan(MIRIAM, skip=["remove-mfa-methods"])
    assert plan.dry_run
    states = {s["step"]: s["state"] for s in plan.steps}
    assert states["resetPassword"] == "planned"
    assert "skipped" in states.values()
    with pytest.raises(cipp.InvalidInputError):
        bec.remediate(MIRIAM)
    with pytest.raises(cipp.InvalidInputError) as e:
        bec.plan(MIRIAM, skip=["format-disk"])
    assert "skip[0]" in str(e.value)


def test_remediation_runs_each_step_and_the_effect_is_visible(sim):
    c = sim.client()
    report = c.tenant(ALPHA).bec.remediate(MIRIAM, confirm=True, skip=["reset-password"])
    assert not report.dry_run
    states = {s["step"]: s["state"] for s in report.steps}
    assert states["disableSignIn"] == "success", states
    user = c.tenant(ALPHA).graph.get(f"users/{MIRIAM}")
    assert user["accountEnabled"] is False
    assert "remediation" in report.to_markdown().lower()


def test_async_research(sim):
    async def main():
        c = cipp.AsyncClient.from_sync(sim.client())
        report = await c.tenant(ALPHA).bec.research(MIRIAM, as_of=AS_OF)
        return report.alarming

    assert asyncio.run(main())


def test_research_reads_mailbox_phones_and_flags_a_new_one(sim):
    report = sim.client().tenant(ALPHA).bec.research(MIRIAM, as_of=AS_OF)
    phones = report.to_dict()["mobileDevices"]
    assert phones["status"] == "ok", phones
    new = [d for d in phones["data"] if d["recentlyAdded"]]
    assert [d["deviceModel"] for d in new] == ["SM-A515F"]
    assert len(phones["data"]) == 2
    (indicator,) = [i for i in report.indicators if i["kind"] == "newMobileDevice"]
    assert "Android 11" in indicator["summary"]
    assert "SM-A515F" in report.to_markdown()
