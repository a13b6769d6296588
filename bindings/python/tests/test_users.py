"""User management and offboarding from Python, against the simulator's Alpha Dental."""

import asyncio

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
        "Ada Lovelace",
        "ada",
        "alphadental.com",
        usage_location="gb",
        licences=["SPE_E3"],
        extra={"employeeId": "E-1815"},
    )
    assert len(created["password"]) == 16
    assert users.graph.get("users/ada@alphadental.com")["employeeId"] == "E-1815"
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


SOFIA = "sofia.wilke@alphadental.com"


def test_edit_sets_leaves_and_clears_fields(users):
    u = users.users
    sent = u.edit(
        MIRIAM,
        job_title="Head of Operations",
        department="",
        other_mails=["m@example.com, mg@example.org"],
        clear=["business_phones", "surname"],
        extra={"employeeId": "E-17"},
    )
    assert sorted(sent) == ["businessPhones", "employeeId", "jobTitle", "otherMails", "surname"]
    raw = users.graph.get(f"users/{MIRIAM}")
    assert raw["jobTitle"] == "Head of Operations"
    assert raw["department"] == "Operations", "empty means leave alone"
    assert raw["otherMails"] == ["m@example.com", "mg@example.org"]
    assert raw["businessPhones"] == []
    assert raw["surname"] is None
    assert raw["employeeId"] == "E-17"
    assert u.edit(MIRIAM) == []
    with pytest.raises(TypeError):
        u.edit(MIRIAM, jobtitle="x")  # type: ignore[call-arg]
    with pytest.raises(cipp.InvalidInputError) as e:
        u.edit(MIRIAM, clear=["display_name"])
    assert e.value.field == "clear[0]"
    with pytest.raises(cipp.InvalidInputError) as e:
        u.edit(MIRIAM, city="Oslo", clear=["city"])
    assert e.value.field == "clear[city]"
    with pytest.raises(cipp.InvalidInputError) as e:
        u.edit(MIRIAM, extra=["employeeId"])  # type: ignore[arg-type]
    assert e.value.field == "extra"


def test_upn_manager_and_licences(users):
    u = users.users
    upn = u.change_upn(SOFIA, "sofia.w", "alpha.onmicrosoft.com")
    assert upn == "sofia.w@alpha.onmicrosoft.com"
    assert u.get(upn)["mailNickname"] == "sofia.w"
    with pytest.raises(cipp.InvalidInputError) as e:
        u.change_upn(upn, "sofia", "nowhere.example")
    assert e.value.field == "domain"

    assert u.manager(ELIF) is None
    u.set_manager(ELIF, MIRIAM)
    assert u.manager(ELIF)["userPrincipalName"] == MIRIAM
    with pytest.raises(cipp.InvalidInputError) as e:
        u.set_manager(ELIF, ELIF)
    assert e.value.field == "manager"
    u.remove_manager(ELIF)
    assert u.manager(ELIF) is None
    u.remove_manager(ELIF)

    u.set_licences(MIRIAM, add=["SPE_E3"])
    assert E3 in u.remove_all_licences(MIRIAM)
    assert u.get(MIRIAM)["assignedLicenses"] == []


def test_aliases_out_of_office_mailbox_rights_and_address_book(users):
    u = users.users
    assert u.edit_aliases(MIRIAM, add=["mgu@alphadental.com"]) == [
        "SMTP:miriam.gu@alphadental.com",
        "smtp:mgu@alphadental.com",
    ]
    u.edit_aliases(MIRIAM, make_primary="mgu@alphadental.com")
    assert u.mailbox(MIRIAM)["PrimarySmtpAddress"] == "mgu@alphadental.com"
    u.edit_aliases(MIRIAM, remove=["miriam.gu@alphadental.com"])
    assert u.mailbox(MIRIAM)["EmailAddresses"] == ["SMTP:mgu@alphadental.com"]
    with pytest.raises(cipp.InvalidInputError) as e:
        u.edit_aliases(SOFIA, add=["not an address"])
    assert e.value.field == "add[0]"

    u.set_out_of_office(
        SOFIA,
        "scheduled",
        start="2026-12-20T00:00:00Z",
        end="2027-01-04T00:00:00Z",
        internal_message="Away until January.",
        external_audience="known",
    )
    ooo = u.out_of_office(SOFIA)
    assert ooo["AutoReplyState"] == "Scheduled"
    assert ooo["ExternalMessage"] == "Away until January."
    assert ooo["EndTime"] == "2027-01-04T00:00:00Z"
    with pytest.raises(cipp.InvalidInputError) as e:
        u.set_out_of_office(SOFIA, "enabled")
    assert e.value.field == "internal_message"
    with pytest.raises(cipp.InvalidInputError) as e:
        u.set_out_of_office(SOFIA, "sometimes", internal_message="x")
    assert e.value.field == "state"
    u.set_out_of_office(SOFIA, "disabled")
    assert u.out_of_office(SOFIA)["AutoReplyState"] == "Disabled"

    u.grant_mailbox_right(SOFIA, MIRIAM, "FullAccess", automap=False)
    u.grant_mailbox_right(SOFIA, MIRIAM, "send_as")
    u.grant_mailbox_right(SOFIA, ELIF, "SendOnBehalf")
    perms = u.mailbox_permissions(SOFIA)
    assert [(p["User"], p["AutoMapping"]) for p in perms] == [(MIRIAM, False)]
    send_as = users.exchange.invoke("Get-RecipientPermission", {"Identity": SOFIA})
    assert send_as[0]["Trustee"] == MIRIAM
    assert u.mailbox(SOFIA)["GrantSendOnBehalfTo"] == [ELIF]
    u.revoke_mailbox_right(SOFIA, MIRIAM, "FullAccess")
    u.revoke_mailbox_right(SOFIA, MIRIAM, "SendAs")
    u.revoke_mailbox_right(SOFIA, ELIF, "SendOnBehalf")
    assert u.mailbox_permissions(SOFIA) == []
    assert u.mailbox(SOFIA)["GrantSendOnBehalfTo"] == []
    with pytest.raises(cipp.InvalidInputError) as e:
        u.grant_mailbox_right(SOFIA, MIRIAM, "ReadOnly")
    assert e.value.field == "right"
    with pytest.raises(cipp.InvalidInputError) as e:
        u.grant_mailbox_right(SOFIA, SOFIA, "SendAs")
    assert e.value.field == "delegate"

    u.hide_from_address_lists(SOFIA)
    assert u.mailbox(SOFIA)["HiddenFromAddressListsEnabled"] is True
    u.hide_from_address_lists(SOFIA, hidden=False)
    assert u.mailbox(SOFIA)["HiddenFromAddressListsEnabled"] is False


def test_purging_a_deleted_user_needs_confirmation(users):
    u = users.users
    u.delete(ELIF, confirm=True)
    (gone,) = [d for d in u.deleted() if d["userPrincipalName"] == ELIF]
    with pytest.raises(cipp.InvalidInputError):
        u.purge_deleted(gone["id"])
    assert any(d["id"] == gone["id"] for d in u.deleted())
    u.purge_deleted(gone["id"], confirm=True)
    assert all(d["id"] != gone["id"] for d in u.deleted())
    with pytest.raises(cipp.InvalidInputError) as e:
        u.purge_deleted("elif")
    assert e.value.field == "id"


def test_async_client_has_the_same_user_actions():
    async def main():
        t = cipp.AsyncClient.from_sync(sim.client()).tenant(ALPHA)
        sent = await t.users.edit(MIRIAM, city="Oslo")
        await t.users.set_manager(ELIF, MIRIAM)
        joined = await t.users.edit_groups(MIRIAM, add_to=["Sales Team"])
        assert [o["state"] for o in joined] == ["success"]
        return sent, await t.users.manager(ELIF)

    sim = cipp.sim.start()
    try:
        sent, manager = asyncio.run(main())
    finally:
        sim.stop()
    assert sent == ["city"]
    assert manager["userPrincipalName"] == MIRIAM


def test_licences_by_product_name_with_cipps_catalogue(users, tmp_path):
    catalogue = tmp_path / "ConversionTable.csv"
    catalogue.write_text(
        "Product_Display_Name,String_Id,GUID,Service_Plan_Name\n"
        f"Microsoft 365 E3,SPE_E3,{E3},EXCHANGE_S_ENTERPRISE\n"
    )
    u = users.users
    assert u.set_licences(MIRIAM, add=["Microsoft 365 E3"], catalogue=catalogue) == [E3]
    with pytest.raises(cipp.InvalidInputError):
        u.set_licences(MIRIAM, add=["Microsoft 365 E5"], catalogue=str(catalogue))
    with pytest.raises(cipp.InvalidInputError) as e:
        u.set_licences(MIRIAM, add=["SPE_E3"], catalogue=tmp_path / "missing.csv")
    assert e.value.field == "catalogue"
    bad = tmp_path / "bad.csv"
    bad.write_text("Name,Id\nx,y\n")
    with pytest.raises(cipp.InvalidInputError) as e:
        u.set_licences(MIRIAM, add=["SPE_E3"], catalogue=bad)
    assert "GUID" in str(e.value) or "Product_Display_Name" in str(e.value)


SALES = "d537286d-7872-5c21-828e-129b6270d477"
SG_FINANCE = "2fcaceb5-18fb-5af2-aa18-53169f6cd1ae"


def group_ids(tenant, user):
    uid = tenant.users.get(user)["id"]
    return {g["id"] for g in tenant.graph.get(f"users/{uid}/memberOf")["value"]}


def test_edit_groups_joins_leaves_and_copies_through_graph_or_exchange(users):
    u = users.users
    out = u.edit_groups(SOFIA, add_to=["sg-finance", "sales@alphadental.com", "All Staff", "Nope"])
    assert [(o["detail"]["group"], o["state"]) for o in out] == [
        ("SG-Finance", "success"),
        ("Sales Team", "success"),
        ("All Staff", "info"),
        ("Nope", "error"),
    ]
    assert [o["detail"]["via"] for o in out[:2]] == ["graph", "exchange"]
    assert "no group 'Nope'" in out[3]["resultText"]
    assert {SG_FINANCE, SALES} <= group_ids(users, SOFIA)

    left = u.edit_groups(SOFIA, remove_from=["SG-Finance", SALES])
    assert [o["state"] for o in left] == ["success", "success"]
    assert not {SG_FINANCE, SALES} & group_ids(users, SOFIA)

    copied = u.edit_groups(MIRIAM, copy_from=ELIF)
    assert all(o["detail"]["copiedFrom"] == ELIF for o in copied)
    assert SALES in group_ids(users, MIRIAM)

    with pytest.raises(cipp.InvalidInputError) as e:
        u.edit_groups(SOFIA)
    assert e.value.field == "groups"
    with pytest.raises(cipp.InvalidInputError) as e:
        u.edit_groups(SOFIA, add_to=["A"], remove_from=["a"])
    assert e.value.field == "remove_from[0]"


VANCE = "miriam.vance@alphadental.com"
VANCE_ONEDRIVE = "https://alpha-my.sharepoint.com/personal/miriam_vance_alphadental_com"


def test_onedrive_access_and_sharing():
    with cipp.sim.start() as s:
        u = s.client().tenant(ALPHA).users
        out = u.grant_onedrive_access(VANCE, [SOFIA, ELIF])
        assert out["state"] == "success", out
        assert out["detail"]["siteUrl"] == VANCE_ONEDRIVE
        assert s.sharepoint_site(ALPHA, VANCE_ONEDRIVE)["admins"] == [VANCE, SOFIA, ELIF]
        assert u.revoke_onedrive_access(VANCE, [ELIF])["state"] == "success"
        assert s.sharepoint_site(ALPHA, VANCE_ONEDRIVE)["admins"] == [VANCE, SOFIA]
        partly = u.grant_onedrive_access(VANCE, ["ghost@alphadental.com", ELIF])
        assert partly["state"] == "error"
        assert partly["detail"]["failed"][0]["user"] == "ghost@alphadental.com"

        assert u.disable_onedrive_sharing(VANCE)["state"] == "success"
        assert s.sharepoint_site(ALPHA, VANCE_ONEDRIVE)["SharingCapability"] == 0
        assert u.disable_onedrive_sharing(VANCE)["state"] == "info"

        none = u.grant_onedrive_access("miriam.berg@alphadental.com", [SOFIA])
        assert none["state"] == "warning" and "no OneDrive" in none["resultText"]
        with pytest.raises(cipp.InvalidInputError):
            u.grant_onedrive_access(VANCE, [])


def test_delayed_licence_removal_is_a_follow_up_the_scheduler_runs(tmp_path):
    with cipp.sim.start() as s:
        client = s.client()
        t = client.tenant(ALPHA)
        options = {
            "convert_to_shared": True,
            "remove_licences": True,
            "delete_user": True,
            "licence_removal_delay_minutes": 5,
            "confirm": True,
        }
        report = t.offboarding.run(ELIF, options)
        assert [(x["step"], x["state"]) for x in report["steps"]] == [
            ("ConvertToShared", "success"),
            ("RemoveLicenses", "scheduled"),
            ("DeleteUser", "scheduled"),
        ]
        elif_user = t.users.get(ELIF)
        assert elif_user["assignedLicenses"], "still licensed until the follow-up runs"
        (follow,) = report["followUps"]
        assert follow["command"] == "offboard"

        scheduler = client.scheduler(str(tmp_path / "cipp.db"))
        task_id = scheduler.add_follow_up(follow)
        assert scheduler.get(task_id)["next_run"] == follow["notBefore"]
        assert scheduler.run_due(now=follow["notBefore"] - 60) == []
        (run,) = scheduler.run_due(now=follow["notBefore"])
        assert [x["ok"] for x in run["results"]["tenants"]] == [True], run
        gone = t.graph.get(f"directory/deletedItems/{elif_user['id']}")
        assert gone["assignedLicenses"] == []

        with pytest.raises(cipp.InvalidInputError) as e:
            t.offboarding.plan(ELIF, {"hide_from_gal": True, "licence_removal_delay_minutes": 5})
        assert e.value.field == "licence_removal_delay_minutes"
        with pytest.raises(cipp.InvalidInputError) as e:
            scheduler.add_follow_up({"name": "x"})
        assert e.value.field == "follow_up"
