"""Policy templates from Python, against the simulator: deploy (then nothing to do), compare,
capture into a template that deploys elsewhere, and typed errors."""

import asyncio
import json
import pathlib

import pytest

import cipp

CA = pathlib.Path(__file__).resolve().parents[4] / "shared" / "cipp-data" / "templates" / "ca"
BLOCK_LEGACY = CA / "f8be7e58-2419-40a8-a739-714bf5deff90.CATemplate.json"


@pytest.fixture()
def sim():
    s = cipp.sim.start()
    yield s
    s.stop()


def test_deploy_compare_and_capture(sim):
    c = sim.client()
    alpha = c.tenant("alphadental.com").templates
    text = BLOCK_LEGACY.read_text()
    assert alpha.compare(text)["status"] == "missing"
    first = alpha.deploy(text, state="report-only")
    assert first["result"] == "created"
    again = alpha.deploy(json.loads(text), state="report-only")
    assert again == {"result": "unchanged", "id": first["id"]}
    assert alpha.compare(text, state="report-only")["status"] == "equal"
    captured = alpha.capture("ca", first["id"])
    assert captured["displayName"] == "CIPP: Block Legacy Authentication"
    assert "id" not in captured
    bravo = c.tenant("bravologistics.com").templates
    assert bravo.deploy(captured)["result"] == "created"


def test_bad_input_raises_typed_errors(sim):
    t = sim.client().tenant("alphadental.com").templates
    with pytest.raises(cipp.InvalidInputError):
        t.capture("spreadsheet", "x")
    with pytest.raises(cipp.InvalidInputError):
        t.deploy(BLOCK_LEGACY.read_text(), state="sometimes")
    with pytest.raises(cipp.CippError):
        t.deploy("{not json")


def test_async_deploy(sim):
    async def main():
        ac = cipp.AsyncClient.from_sync(sim.client())
        return await ac.tenant("charlie.onmicrosoft.com").templates.deploy(BLOCK_LEGACY.read_text())

    assert asyncio.run(main())["result"] == "created"


COMPLIANCE = {
    "Displayname": "CIPP test: assigned",
    "Description": "",
    "Type": "deviceCompliancePolicies",
    "RAWJson": json.dumps(
        {
            "@odata.type": "#microsoft.graph.windows10CompliancePolicy",
            "displayName": "x",
            "passwordRequired": True,
        }
    ),
}


def test_assign_an_intune_policy_by_group_name_once(sim):
    t = sim.client().tenant("alpha.onmicrosoft.com")
    to = {"all_devices": True, "groups": ["sg-finance"], "exclude_groups": ["CA-Exclude-BreakGlass"]}
    with pytest.raises(cipp.InvalidInputError):
        t.templates.assign(COMPLIANCE, **to)  # not deployed yet
    policy = t.templates.deploy(COMPLIANCE)["id"]
    assert t.templates.assign(COMPLIANCE, **to) == {
        "result": "updated",
        "id": policy,
        "changed": ["assignments"],
    }
    assigned = t.graph.beta.get_all(f"deviceManagement/deviceCompliancePolicies/{policy}/assignments")
    assert sorted((a["target"]["@odata.type"], a["target"].get("groupId", "")) for a in assigned) == [
        ("#microsoft.graph.allDevicesAssignmentTarget", ""),
        ("#microsoft.graph.exclusionGroupAssignmentTarget", "24061f8a-1fff-57f1-ae1f-84634dbdb41c"),
        ("#microsoft.graph.groupAssignmentTarget", "2fcaceb5-18fb-5af2-aa18-53169f6cd1ae"),
    ]
    assert t.templates.assign(COMPLIANCE, **to)["result"] == "unchanged"
    with pytest.raises(cipp.InvalidInputError) as e:
        t.templates.assign(COMPLIANCE, groups=["No Such Group"])
    assert "No Such Group" in str(e.value) and "groups[0]" in e.value.field
    with pytest.raises(cipp.InvalidInputError):
        t.templates.assign(COMPLIANCE)


def test_distribution_list_templates_deploy_through_exchange(sim):
    t = sim.client().tenant("alphadental.com")
    front = {
        "displayName": "Front Desk",
        "description": "Reception staff",
        "groupType": "distribution",
        "allowExternal": True,
        "username": "frontdesk@%tenantfilter%",
    }
    created = t.templates.deploy(front)
    assert created["result"] == "created"
    assert t.templates.deploy(front) == {"result": "unchanged", "id": created["id"]}
    (group,) = [g for g in t.graph.get_all("groups") if g["displayName"] == "Front Desk"]
    assert (group["mail"], group["mailEnabled"], group["securityEnabled"]) == (
        "frontdesk@alphadental.com",
        True,
        False,
    )
    (row,) = t.exchange.invoke("Get-DistributionGroup", {"Identity": "Front Desk"})
    assert row["RequireSenderAuthenticationEnabled"] is False
    t.exchange.invoke("Set-DistributionGroup", {"Identity": "Front Desk", "Description": "Changed"})
    fixed = t.templates.deploy(front)
    assert (fixed["result"], fixed["changed"]) == ("updated", ["Description"])


RETENTION = {
    "Name": "Python test: keep invoices",
    "ExchangeLocation": ["finance@alphadental.com"],
    "RuleParams": {"Name": "Keep invoices", "RetentionDuration": 2190, "RetentionComplianceAction": "Keep"},
}


def test_kind_names_a_template_its_json_does_not_tell(sim):
    t = sim.client().tenant("alphadental.com").templates
    assert t.compare(RETENTION, kind="retention")["status"] == "missing"
    assert t.deploy(RETENTION, kind="retention")["result"] == "created"
    assert t.compare(RETENTION, kind="retention")["status"] == "equal"
    assert sim.exchange_objects("alphadental.com", "RetentionCompliancePolicy", compliance=True)
    with pytest.raises(cipp.InvalidInputError):
        t.deploy(RETENTION, kind="spreadsheet")
