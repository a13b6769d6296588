"""cipp.aio against the simulator: coroutines, concurrency, errors, async iteration."""

import asyncio

import pytest

import cipp


@pytest.fixture()
def sim():
    s = cipp.sim.start(users=120)
    yield s
    s.stop()


def test_gather_over_tenants(sim):
    client = cipp.AsyncClient.from_sync(sim.client())

    async def main():
        tenants = await client.tenants()
        orgs = await asyncio.gather(
            *(client.tenant(t["customer_id"]).graph.get("organization") for t in tenants for _ in range(2))
        )
        return tenants, orgs

    tenants, orgs = asyncio.run(main())
    assert len(orgs) == 2 * len(tenants)
    assert {o["value"][0]["displayName"] for o in orgs} == {t["display_name"] for t in tenants}


def test_errors_async_iteration_and_gdap(sim):
    client = cipp.AsyncClient.from_sync(sim.client())
    graph = client.tenant("alpha.onmicrosoft.com").graph

    async def main():
        with pytest.raises(cipp.NotFoundError):
            await graph.get("users/nobody@alpha.onmicrosoft.com")
        seen = [u async for u in graph.iter("users", select=["id"], top=50)]
        health = await client.gdap.health()
        found = await client.managed_tenant("alpha.onmicrosoft.com")
        return seen, health, found

    seen, health, found = asyncio.run(main())
    assert len(seen) == len({u["id"] for u in seen}) > 120
    assert health["service_account"] == "cipp@northwindmsp.com"
    assert found["default_domain_name"] is not None


def test_the_module_example_runs():
    import doctest

    assert doctest.testmod(cipp.aio).failed == 0
