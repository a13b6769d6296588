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
