"""GDAP, Partner Center and the tenant directory from Python, against the simulator."""

import os

import pytest

import cipp

MANIFEST = os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "..", "shared", "cipp-data", "SAMManifest.json"
)


@pytest.fixture()
def sim():
    s = cipp.sim.start()
    yield s
    s.stop()


def test_invite_approve_and_remove_global_admin(sim):
    gdap = sim.client().gdap
    invite = gdap.create_invite(name="CIPP_from_python")
    rel = invite["relationship"]
    assert rel["status"] == "approvalPending"
    assert rel["autoExtendDuration"] == "P180D"
    assert invite["link"].endswith(rel["id"])
    approved = sim.approve_relationship(rel["id"], "echohospitality.onmicrosoft.com")
    assert approved["status"] == "active"

    rels = {r["displayName"]: r for r in gdap.relationships()}
    alpha = rels["CIPP_Alpha_Dental"]["id"]
    with pytest.raises(cipp.InvalidInputError) as e:
        gdap.enable_auto_extend(alpha)
    assert "Global Administrator" in str(e.value)
    after = gdap.remove_global_administrator(alpha)
    roles = [r["roleDefinitionId"] for r in after["accessDetails"]["unifiedRoles"]]
    assert "62e90394-69f5-4237-9190-012177145e10" not in roles
    assert gdap.enable_auto_extend(alpha)["outcome"] == "changed"
    assert gdap.enable_auto_extend(alpha)["outcome"] == "unchanged"


def test_a_global_admin_invite_does_not_auto_extend(sim):
    invite = sim.client().gdap.create_invite(roles=["62e90394-69f5-4237-9190-012177145e10"])
    assert invite["relationship"]["autoExtendDuration"] == "PT0S"


def test_checks_and_partner_center(sim):
    client = sim.client()
    gdap = client.gdap
    health = gdap.health()
    assert health["service_account"] == "cipp@northwindmsp.com"
    assert all(i["severity"] == "warning" for i in health["issues"])
    access = gdap.tenant_access("alpha.onmicrosoft.com")
    assert access["graph_ok"] and "Application Administrator" in access["missing_required"]
    with open(MANIFEST, encoding="utf-8") as f:
        manifest = f.read()
    check = gdap.sam_check(manifest, repair=True)
    assert check["mfa"] and check["missing"]["requiredResourceAccess"]
    assert not gdap.sam_check(manifest)["missing"]["requiredResourceAccess"]
    with pytest.raises(cipp.InvalidInputError):
        gdap.sam_check("{not json")

    customers = gdap.customers()
    assert {c["id"] for c in customers} == {t["id"] for t in sim.tenants()}
    bravo = sim.tenants()[1]["id"]
    assert gdap.add_application_consent(bravo)["outcome"] == "granted"
    assert gdap.add_application_consent(bravo)["outcome"] == "alreadyExisted"
    report = gdap.refresh_cpv("charlie.onmicrosoft.com", manifest)
    assert report["consented"] and len(report["app_roles_added"]) == 1 and not report["errors"]


def test_managed_tenant_by_any_name(sim):
    client = sim.client()
    t = sim.tenants()[0]
    found = [client.managed_tenant(n) for n in (t["id"], t["default_domain"], t["initial_domain"])]
    assert all(f == found[0] for f in found)
    assert found[0]["customer_id"] == t["id"]
    with pytest.raises(cipp.InvalidInputError) as e:
        client.managed_tenant("nope.onmicrosoft.com")
    assert "nope.onmicrosoft.com" in str(e.value)
