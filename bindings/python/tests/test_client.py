"""cipp from Python, end to end against the simulator."""

import multiprocessing
import os
import pickle
import threading
import time

import pytest

import cipp

ALPHA = "alpha.onmicrosoft.com"


@pytest.fixture()
def sim():
    s = cipp.sim.start(users=250)
    yield s
    s.stop()


@pytest.fixture()
def client(sim):
    return sim.client()


def test_tenants_are_the_gdap_customers(sim, client):
    tenants = client.tenants()
    assert [t["display_name"] for t in tenants] == sorted(t["display_name"] for t in tenants)
    assert {t["customer_id"] for t in tenants} == {t["id"] for t in sim.tenants()}
    assert all(isinstance(t["default_domain_name"], str) for t in tenants)


def test_get_get_all_and_iter_agree(sim, client):
    g = client.tenant(ALPHA).graph
    org = g.get("organization")
    assert org["value"][0]["displayName"] == "Alpha Dental"
    every = g.get_all("users", select=["id", "userPrincipalName"], top=100)
    assert len(every) > 250
    assert "displayName" not in every[0]
    sim.clear_requests()
    it = g.iter("users", select=["id"], top=100)
    first = next(it)
    assert sim.stats()["graph_requests"] == 1, "iteration is lazy: one page so far"
    rest = list(it)
    assert len(rest) + 1 == len(every)
    assert {u["id"] for u in rest} | {first["id"]} == {u["id"] for u in every}


def test_query_options_and_count(client):
    g = client.tenant(ALPHA).graph
    page = g.get("users", count=True, top=1)
    assert page["@odata.count"] > 250
    enabled = g.get_all("users", filter="accountEnabled eq false", select=["accountEnabled"])
    assert enabled and all(u["accountEnabled"] is False for u in enabled)


def test_writes_round_trip(client):
    g = client.tenant("bravo.onmicrosoft.com").graph
    created = g.post("groups", {"displayName": "From Python", "mailEnabled": False, "securityEnabled": True, "mailNickname": "py"})
    gid = created["id"]
    assert g.patch(f"groups/{gid}", {"description": "x"}) is None
    assert g.get(f"groups/{gid}")["description"] == "x"
    g.put(f"groups/{gid}", {"displayName": "Replaced"})
    assert g.get(f"groups/{gid}")["displayName"] == "Replaced"
    g.delete(f"groups/{gid}")
    with pytest.raises(cipp.NotFoundError) as info:
        g.get(f"groups/{gid}")
    e = info.value
    assert e.status == 404 and e.code == "Request_ResourceNotFound" and e.tenant == "bravo.onmicrosoft.com"
    assert isinstance(e, cipp.HttpError) and isinstance(e, cipp.CippError)


def test_batch_returns_every_answer_in_order(sim, client):
    g = client.tenant(ALPHA).graph
    sim.clear_requests()
    reqs = [{"id": str(i), "method": "GET", "url": "/organization"} for i in range(45)]
    reqs.append({"id": "missing", "method": "GET", "url": "/users/nobody"})
    out = g.batch(reqs)
    assert [r["id"] for r in out] == [r["id"] for r in reqs]
    assert all(r["status"] == 200 for r in out[:45])
    assert out[45]["status"] == 404
    assert sim.stats()["batch_requests"] == 3


def test_throttling_is_survived(sim, client):
    sim.add_fault(status=429, path_contains="/domains", retry_after=1, times=2)
    started = time.monotonic()
    assert client.tenant(ALPHA).graph.get_all("domains")
    assert time.monotonic() - started >= 2


def test_errors_are_typed_and_picklable(sim):
    creds = sim.credentials()
    bad = cipp.Client(
        application_id=creds["application_id"],
        application_secret="Wr0ng+S3cret!",
        refresh_token=creds["refresh_token"],
        tenant_id=creds["partner_tenant_id"],
        endpoints={"login": sim.base_url + "/login", "graph": sim.base_url + "/graph"},
    )
    with pytest.raises(cipp.AuthError) as info:
        bad.tenant(ALPHA).graph.get("organization")
    assert info.value.code == "AADSTS7000215"
    assert "Wr0ng+S3cret!" not in str(info.value) and "Wr0ng" not in repr(info.value)
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is cipp.AuthError and again.code == "AADSTS7000215" and str(again) == str(info.value)

    with pytest.raises(cipp.InvalidInputError) as info:
        cipp.Client(application_id="x", tenant_id="t", cloud="mars")
    assert info.value.field == "CIPP_CLOUD"
    with pytest.raises(cipp.InvalidInputError):
        cipp.Client(application_id="x", tenant_id="t", endpoints={"nope": "http://x"})
    with pytest.raises(TypeError):
        sim.client().tenant(ALPHA).graph.post("groups", {"bad": object()})


def test_from_env(sim, monkeypatch):
    creds = sim.credentials()
    monkeypatch.setenv("CIPP_APPLICATION_ID", creds["application_id"])
    monkeypatch.setenv("CIPP_APPLICATION_SECRET", creds["application_secret"])
    monkeypatch.setenv("CIPP_REFRESH_TOKEN", creds["refresh_token"])
    monkeypatch.setenv("CIPP_TENANT_ID", creds["partner_tenant_id"])
    monkeypatch.setenv("CIPP_LOGIN_URL", sim.base_url + "/login")
    monkeypatch.setenv("CIPP_GRAPH_URL", sim.base_url + "/graph")
    c = cipp.Client.from_env()
    assert c.partner().guid() == creds["partner_tenant_id"]
    assert creds["application_secret"] not in repr(c)


def test_beta_app_only_and_expired_tokens(sim, client):
    g = client.tenant(ALPHA).graph
    assert g.beta.get("organization")["value"][0]["id"] == g.get("organization")["value"][0]["id"]
    assert "beta" in repr(g.beta)
    assert g.app_only.get_all("domains")
    before = sim.stats()["token_requests"]
    sim.expire_tokens()
    g.get("organization")
    assert sim.stats()["token_requests"] == before + 1


def test_the_gil_is_released_during_io(sim, client):
    sim_lat = cipp.sim.start(latency_ms=300)
    try:
        slow = sim_lat.client().tenant(ALPHA).graph
        ticks = []
        stop = threading.Event()

        def ticker():
            while not stop.is_set():
                ticks.append(1)
                time.sleep(0.01)

        t = threading.Thread(target=ticker)
        t.start()
        slow.get("organization")
        stop.set()
        t.join()
        # Python kept running while Rust waited on the network (>= 2 round trips of 300 ms).
        assert len(ticks) >= 20
    finally:
        sim_lat.stop()


def _child_count(q, base, creds):
    c = cipp.Client(
        application_id=creds["application_id"],
        application_secret=creds["application_secret"],
        refresh_token=creds["refresh_token"],
        tenant_id=creds["partner_tenant_id"],
        endpoints={"login": base + "/login", "graph": base + "/graph"},
    )
    q.put(len(c.tenant(ALPHA).graph.get_all("domains")))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_works_after_fork_and_with_multiprocessing(sim, client):
    g = client.tenant(ALPHA).graph
    assert g.get_all("domains")  # the runtime and pool exist in the parent
    pid = os.fork()
    if pid == 0:
        try:
            ok = len(g.get_all("domains")) > 0
            os._exit(0 if ok else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_child_count, args=(q, sim.base_url, sim.credentials()))
    p.start()
    assert q.get(timeout=30) > 0
    p.join(30)
    assert p.exitcode == 0


def test_sim_context_manager_and_docs():
    import doctest

    assert doctest.testmod(cipp).failed == 0
    assert doctest.testmod(cipp.sim).failed == 0


def test_tenant_health_reports_roles_services_and_properties(client):
    h = client.tenant(ALPHA).health()
    assert h["relationship"]["count"] == 1
    assert {s["service"] for s in h["services"]} == {"graph", "exchange", "sharepoint", "teams"}
    assert all(s["ok"] for s in h["services"]), h["services"]
    assert ALPHA in h["properties"]["verifiedDomains"]
    assert h["healthy"] is False and h["issues"][0]["severity"] == "error"
    assert any("Application Administrator" in i["issue"] for i in h["issues"])
    unknown = client.tenant("unknown.example").health()
    assert unknown["tenant_id"] is None
    assert any(i["area"] == "directory" for i in unknown["issues"])
