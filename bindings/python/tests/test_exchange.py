"""Exchange Online and Security & Compliance from Python, against the simulator."""

import asyncio
import pickle

import pytest

import cipp

TENANT = "alphadental.com"


@pytest.fixture()
def sim():
    s = cipp.sim.start()
    yield s
    s.stop()


def test_invoke_select_and_write(sim):
    exo = sim.client().tenant(TENANT).exchange
    rows = exo.invoke(
        "Get-Mailbox", {"ResultSize": "Unlimited"}, select=["UserPrincipalName", "AuditEnabled"]
    )
    assert len(rows) == len(sim.exchange_objects(TENANT, "Mailbox"))
    assert set(rows[0]) == {"UserPrincipalName", "AuditEnabled"}
    upn = rows[0]["UserPrincipalName"]

    out = exo.invoke_output("Set-Mailbox", {"Identity": upn, "AuditEnabled": False})
    assert out["warnings"] == []
    again = exo.invoke_output("Set-Mailbox", {"Identity": upn, "AuditEnabled": False})
    assert "no settings" in again["warnings"][0]
    mailbox = next(m for m in exo.mailboxes() if m["UserPrincipalName"] == upn)
    assert mailbox["AuditEnabled"] is False
    assert exo.organization_config()["AuditDisabled"] is False


def test_paging_reaches_every_mailbox(sim):
    sim.generate_mailboxes(TENANT, 1500)
    out = sim.client().tenant(TENANT).exchange.invoke_output(
        "Get-Mailbox", {"ResultSize": "Unlimited"}, select=["UserPrincipalName"]
    )
    assert out["pages"] == 2
    assert len(out["rows"]) == len(sim.exchange_objects(TENANT, "Mailbox"))


def test_cmdlet_error_is_typed_and_picklable(sim):
    exo = sim.client().tenant(TENANT).exchange
    with pytest.raises(cipp.CmdletError) as e:
        exo.invoke("Get-Mailbox", {"Identity": "ghost@alphadental.com"})
    err = e.value
    assert isinstance(err, cipp.HttpError)
    assert err.cmdlet == "Get-Mailbox"
    assert err.tenant == TENANT
    assert err.code == "ManagementObjectNotFoundException"
    assert err.exchange_code == "Ex6F9304"
    assert "ghost@alphadental.com" in err.detail
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is cipp.CmdletError and copy.cmdlet == "Get-Mailbox"
    with pytest.raises(cipp.InvalidInputError):
        exo.invoke("Get-Mailbox", ["not", "a", "dict"])


def test_bulk_reports_each_operation(sim):
    exo = sim.client().tenant(TENANT).exchange
    upns = [m["UserPrincipalName"] for m in exo.mailboxes()][:3]
    ops = [
        {"cmdlet": "Set-Mailbox", "id": u, "parameters": {"Identity": u, "AuditEnabled": False}}
        for u in upns
    ]
    ops.append({"cmdlet": "Set-Mailbox", "id": "ghost", "parameters": {"Identity": "ghost"}})
    result = exo.bulk(ops)
    assert result["round_trips"] == 1
    by_id = {o["id"]: o for o in result["operations"]}
    assert all(by_id[u]["success"] for u in upns)
    assert by_id["ghost"]["success"] is False
    assert by_id["ghost"]["error"]["exception_type"].endswith("ManagementObjectNotFoundException")


def test_compliance_and_async(sim):
    client = sim.client()
    labels = client.tenant(TENANT).exchange.compliance.invoke("Get-Label")
    assert labels[0]["Name"] == "General"

    async def main():
        ac = cipp.AsyncClient.from_sync(client)
        tenants = ["alphadental.com", "bravologistics.com", "charlie.onmicrosoft.com"]
        counts = await asyncio.gather(
            *(ac.tenant(t).exchange.invoke("Get-AcceptedDomain") for t in tenants)
        )
        assert all(len(c) >= 1 for c in counts)
        with pytest.raises(cipp.CmdletError):
            await ac.tenant(TENANT).exchange.invoke("Get-Nothing")
        return await ac.tenant(TENANT).exchange.compliance.invoke("Get-Label")

    assert asyncio.run(main())[0]["Name"] == "General"


def test_teams_policies(sim):
    teams = sim.client().tenant("charlie.onmicrosoft.com").teams
    assert len(teams.list("Get-CsTeamsMeetingPolicy")) == 2
    assert teams.get("TeamsMeetingPolicy")["AllowAnonymousUsersToJoinMeeting"] is True
    out = teams.set("TeamsMeetingPolicy", {"AllowAnonymousUsersToJoinMeeting": False})
    assert out["changed"] is True
    assert teams.set("TeamsMeetingPolicy", {"AllowAnonymousUsersToJoinMeeting": False})["changed"] is False
    stored = sim.teams_configurations("charlie.onmicrosoft.com", "TeamsMeetingPolicy")
    assert next(p for p in stored if p["Identity"] == "Global")["AllowAnonymousUsersToJoinMeeting"] is False
    with pytest.raises(cipp.InvalidInputError):
        teams.set("TeamsMeetingPolicy", {"NoSuchThing": 1})
    with pytest.raises(cipp.NotFoundError):
        teams.get("TeamsMeetingPolicy", "Tag:Missing")


def test_sharepoint_settings(sim):
    spo = sim.client().tenant("bravologistics.com").sharepoint
    assert spo.name() == "bravo"
    assert spo.tenant_settings()["SharingCapability"] == 2
    spo.set_tenant_settings({"SharingCapability": 1})
    assert sim.sharepoint_settings("bravologistics.com")["SharingCapability"] == 1
    assert spo.storage_quota()["used_percent"] > 0
    with pytest.raises(cipp.HttpError):
        spo.set_tenant_settings({"Bogus": True})
