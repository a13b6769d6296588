"""Key Vault secrets from Python, against the simulator."""

import pytest

import cipp


@pytest.fixture()
def sim():
    s = cipp.sim.start()
    yield s
    s.stop()


def test_set_get_list_delete_recover(sim):
    kv = sim.client().key_vault("cipp-kv")
    assert kv.name == "cipp-kv"
    first = kv.set_secret("HIBP", "s3cr+t/1")
    assert first["name"] == "HIBP"
    assert "value" not in first
    kv.set_secret("HIBP", "s3cr+t/2")
    assert kv.get_secret("HIBP") == "s3cr+t/2"
    assert kv.get_secret("HIBP", version=first["version"]) == "s3cr+t/1"
    for name in ("A", "B"):
        kv.set_secret(name, "x")
    names = sorted(s["name"] for s in kv.list_secrets())
    assert names == ["A", "B", "HIBP"]

    deleted = kv.delete_secret("HIBP")
    assert deleted["recoveryId"].endswith("/deletedsecrets/HIBP")
    with pytest.raises(cipp.NotFoundError) as e:
        kv.get_secret("HIBP")
    assert "HIBP" in str(e.value)
    kv.recover_secret("HIBP")

    # Setting a soft-deleted name recovers it, waits, and sets.
    kv.delete_secret("A")
    kv.set_secret("A", "again")
    assert kv.get_secret("A") == "again"


def test_bad_names_are_invalid_input(sim):
    c = sim.client()
    with pytest.raises(cipp.InvalidInputError):
        c.key_vault("x")
    kv = c.key_vault("cipp-kv")
    with pytest.raises(cipp.InvalidInputError) as e:
        kv.get_secret("no/slashes")
    assert "no/slashes" in str(e.value)
    assert repr(kv) == 'cipp.KeyVault("cipp-kv")'


def test_async_key_vault(sim):
    import asyncio

    async def main():
        ac = cipp.AsyncClient.from_sync(sim.client())
        kv = ac.key_vault("cipp-kv")
        await asyncio.gather(*(kv.set_secret(f"S{i}", f"v{i}") for i in range(3)))
        return sorted(s["name"] for s in await kv.list_secrets())

    assert asyncio.run(main()) == ["S0", "S1", "S2"]
