"""User management and offboarding from Python, against the simulator's Alpha Dental."""

import pytest

import cipp

ALPHA = "alphadental.com"
E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"
ELIF = "elif.ortiz@alphadental.com"
MIRIAM = "miriam.gu@alphadental.com"


@pytest.fixture()
def users():
    s = cipp.sim.start()
    yield s.client().tenant(ALPHA)
    s.stop()


def test_create_with_a_generated_password_and_a_licence(users):
    created = users.users.create(
        "Ada Lovelace", "ada", "alphadental.com", usage_location="gb", licences=["SPE_E3"]
    )
    assert len(created["password"]) == 16
    user = users.users.get("ada@alphadental.com")
    assert user["usageLocation"] == "GB"
    assert [l["skuId"] for l in user["assignedLicenses"]] == [E3]
    assert users.users.set_licences("ada@alphadental.com", remove=["SPE_E3"]) == []


def test_sign_in_sessions_password_and_tap(users):
    u = users.users
    assert u.block_sign_in(MIRIAM)["state"] == "success"
    assert u.get(MIRIAM)["accountEnabled"] is False
    assert u.unblock_sign_in(MIRIAM)["state"] == "success"
    assert u.revoke_sessions(MIRIAM)["state"] == "success"
    hidden = u.reset_password(MIRIAM)
    assert "password" not in hidden
    shown = u.reset_password(MIRIAM, reveal=True)
    assert len(shown["password"]) >= 12
    tap = u.create_tap(MIRIAM, lifetime_minutes=60, usable_once=True)
    assert tap["temporaryAccessPass"] and tap["isUsableOnce"] is True
    with pytest.raises(cipp.InvalidInputError) as e:
        u.create_tap(MIRIAM, lifetime_minutes=5)
    assert "lifetime_minutes" in str(e.value)


def test_delete_needs_confirmation_and_restore_brings_the_user_back(users):
    u = users.users
    with pytest.raises(cipp.InvalidInputError):
        u.delete(MIRIAM)
    assert u.get(MIRIAM)["userPrincipalName"] == MIRIAM
    u.delete(MIRIAM, confirm=True)
    (gone,) = [d for d in u.deleted() if d["userPrincipalName"] == MIRIAM]
    u.restore(gone["id"])
    assert u.get(MIRIAM)["userPrincipalName"] == MIRIAM


def test_offboarding_plans_then_runs_each_step(users):
    options = {
        "revoke_sessions": True,
        "disableSignIn": True,
        "hide_from_gal": True,
        "out_of_office": "Elif has left.",
    }
    plan = users.offboarding.plan(ELIF, options)
    assert [s["step"] for s in plan["steps"]][:2] == ["RevokeSessions", "DisableSignIn"]
    report = users.offboarding.run(ELIF, options)
    assert report["dryRun"] is False
    assert all(s["state"] in ("success", "info", "warning") for s in report["steps"]), report
    assert users.users.get(ELIF)["accountEnabled"] is False
    with pytest.raises(cipp.InvalidInputError) as e:
        users.offboarding.run(ELIF, {"revoke_sesions": True})
    assert "revoke_sesions" in str(e.value)
    with pytest.raises(cipp.InvalidInputError):
        users.offboarding.run(ELIF, {"delete_user": True})
