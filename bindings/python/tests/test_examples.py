"""The examples in examples/python run as documented."""

import importlib.util
import json
import os
import pathlib
import subprocess
import sys

import cipp

EXAMPLES = pathlib.Path(__file__).resolve().parents[3] / "examples" / "python"


def sim_env(sim):
    c = sim.credentials()
    env = dict(os.environ)
    env.update({
        "CIPP_APPLICATION_ID": c["application_id"],
        "CIPP_APPLICATION_SECRET": c["application_secret"],
        "CIPP_REFRESH_TOKEN": c["refresh_token"],
        "CIPP_TENANT_ID": c["partner_tenant_id"],
        "CIPP_LOGIN_URL": sim.base_url + "/login",
        "CIPP_GRAPH_URL": sim.base_url + "/graph",
    })
    return env


def run(name, env, stdin=None):
    out = subprocess.run([sys.executable, str(EXAMPLES / name)], env=env, input=stdin, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_list_users_all_tenants_with_and_without_configuration():
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIPP_")}
    lines = [json.loads(l) for l in run("list_users_all_tenants.py", env).splitlines()]
    assert [l["tenant"] for l in lines] == ["Alpha Dental", "Bravo Logistics", "Charlie Legal"]
    assert all(l["users"] > 0 for l in lines)
    with cipp.sim.start(users=100) as sim:
        lines = [json.loads(l) for l in run("list_users_all_tenants.py", sim_env(sim)).splitlines()]
        assert lines[0]["users"] > 100


def test_rpa_handler_answers_json_including_errors():
    with cipp.sim.start() as sim:
        env = sim_env(sim)
        ok = json.loads(run("rpa_handler.py", env, json.dumps({"tenant": "alpha.onmicrosoft.com", "action": "get_all", "path": "domains"})))
        assert ok["ok"] and len(ok["result"]) == 2
        bad = json.loads(run("rpa_handler.py", env, json.dumps({"tenant": "alpha.onmicrosoft.com", "action": "get", "path": "users/nobody"})))
        assert bad == {"ok": False, "error": {**bad["error"], "type": "NotFoundError", "status": 404, "code": "Request_ResourceNotFound", "tenant": "alpha.onmicrosoft.com"}}


def test_run_baseline_reports_each_tenant(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIPP_")}
    lines = [json.loads(l) for l in run("run_baseline.py", env).splitlines()]
    assert [l["tenant"] for l in lines] == ["alphadental.com", "bravologistics.com", "charlie.onmicrosoft.com"]
    assert "DisableSMS" in lines[0]["drifted"] and "DisableSMS" not in lines[1]["drifted"]
    template = tmp_path / "t.json"
    template.write_text(json.dumps({"GUID": "x", "tenantFilter": [{"value": "bravologistics.com"}], "standards": {"AuditLog": {"action": ["Report"]}}}))
    html = tmp_path / "r.html"
    out = subprocess.run([sys.executable, str(EXAMPLES / "run_baseline.py"), str(template), str(html)], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(l) for l in out.stdout.splitlines()]
    assert lines == [{"tenant": "bravologistics.com", "alignment": 0, "drifted": ["AuditLog"], "error": None}]
    assert html.read_text().startswith("<!doctype html>")


def test_onboard_user_creates_profiles_and_reports_to_the_manager():
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIPP_")}
    out = json.loads(run("onboard_user.py", env))
    assert out == {
        "user": "ada.lovelace@alphadental.com",
        "generated_password": True,
        "profile": ["city", "department", "jobTitle"],
        "manager": "miriam.gu@alphadental.com",
        "licences": ["05e9a617-0261-4cee-bb44-138d3ef5d965"],
    }
    # Bravo Logistics has no Microsoft 365 E3: refused by name, as a typed error.
    with cipp.sim.start() as sim:
        args = ["bravologistics.com", "grace.hopper", "Grace Hopper", "miriam.gu@alphadental.com"]
        proc = subprocess.run([sys.executable, str(EXAMPLES / "onboard_user.py"), *args], env=sim_env(sim), capture_output=True, text=True, timeout=60)
        assert proc.returncode != 0
        assert "InvalidInputError" in proc.stderr and "'SPE_E3'" in proc.stderr, proc.stderr


def test_offboard_user_queues_the_licence_removal_for_the_scheduler(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIPP_")}
    out = json.loads(run("offboard_user.py", env))
    assert out["steps"]["ConvertToShared"] == "success"
    assert out["steps"]["RemoveLicenses"] == "scheduled"
    assert len(out["queued"]) == 1
    # Against a simulator the test holds: the queued task, run when due, removes the licences.
    spec = importlib.util.spec_from_file_location("offboard_user", EXAMPLES / "offboard_user.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    store = str(tmp_path / "cipp.db")
    elif_upn, sofia = "elif.ortiz@alphadental.com", "sofia.wilke@alphadental.com"
    with cipp.sim.start() as sim:
        done = example.offboard(sim.client(), "alphadental.com", elif_upn, sofia, store)
        (queued,) = done["queued"]
        users = sim.client().tenant("alphadental.com").users
        assert users.get(elif_upn)["assignedLicenses"]
        assert users.mailbox(elif_upn)["RecipientTypeDetails"] == "SharedMailbox"
        (ran,) = sim.client().scheduler(store).run_due(now=queued["not_before"])
        assert ran["task_id"] == queued["task"]
        assert users.get(elif_upn)["assignedLicenses"] == []
