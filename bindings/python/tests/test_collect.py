"""Snapshots from Python, against the simulator."""

import asyncio

import pytest

import cipp


@pytest.fixture()
def sim():
    s = cipp.sim.start()
    yield s
    s.stop()


def test_collect_marks_each_type(sim):
    snap = sim.client().collect(
        "charlie.onmicrosoft.com", ["Organization", "ExoOrganizationConfig", "SPOTenant"]
    )
    assert snap["tenant"] == "charlie.onmicrosoft.com"
    assert snap["types"]["Organization"]["status"] == "complete"
    assert snap["types"]["ExoOrganizationConfig"]["rows"][0]["AuditDisabled"] is False
    assert snap["types"]["SPOTenant"]["status"] == "not_licensed"
    assert snap["round_trips"] >= 2
    with pytest.raises(cipp.InvalidInputError) as e:
        sim.client().collect("charlie.onmicrosoft.com", ["Nope"])
    assert "Nope" in str(e.value)


def test_collect_async(sim):
    async def main():
        ac = cipp.AsyncClient.from_sync(sim.client())
        snaps = await asyncio.gather(
            ac.collect("alphadental.com", ["SPOTenant"]),
            ac.collect("bravologistics.com", ["SPOTenant"]),
        )
        return [s["types"]["SPOTenant"]["status"] for s in snaps]

    assert asyncio.run(main()) == ["complete", "complete"]
