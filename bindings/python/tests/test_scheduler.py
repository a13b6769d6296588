"""Scheduled tasks from Python, against the simulator: add, list, run due tasks with per-tenant
results in history, run now, remove, errors and the asyncio twin."""

import asyncio

import pytest

import cipp

ALPHA = "alphadental.com"
BRAVO = "bravologistics.com"


@pytest.fixture()
def sim():
    s = cipp.sim.start()
    yield s
    s.stop()


def collect_task(**extra):
    task = {
        "name": "Collect users",
        "command": {"type": "collect", "types": ["Users"]},
        "tenants": {"all": True, "exclude": ["charlie.onmicrosoft.com"]},
        "recurrence": "1d",
    }
    task.update(extra)
    return task


def test_a_due_task_runs_per_tenant_and_is_planned_again(sim, tmp_path):
    s = sim.client().scheduler(str(tmp_path / "cipp.db"), runner_id="py-test")
    assert s.runner_id == "py-test"
    task_id = s.add(collect_task())
    (listed,) = s.list()
    assert listed["id"] == task_id and listed["state"] == "Planned"
    outcomes = s.run_due()
    assert [o["task_id"] for o in outcomes] == [task_id]
    tenants = {t["tenant"]: t for t in outcomes[0]["results"]["tenants"]}
    assert ALPHA in tenants and BRAVO in tenants and "charlie.onmicrosoft.com" not in tenants
    assert all(t["ok"] for t in tenants.values()), tenants
    after = s.get(task_id)
    assert after["state"] == "Planned" and after["next_run"] >= outcomes[0]["slot"] + 86_400
    assert s.run_due() == [], "nothing is due until tomorrow"
    (run,) = s.history(task_id)
    assert run["runner"] == "py-test"
    again = s.run_now(task_id)
    assert again["task_id"] == task_id
    assert len(s.history(task_id)) == 2
    s.remove(task_id)
    assert s.list() == []


def test_bad_tasks_name_the_field(sim, tmp_path):
    s = sim.client().scheduler(str(tmp_path / "cipp.db"))
    with pytest.raises(cipp.InvalidInputError) as e:
        s.add(collect_task(recurrence="every tuesday"))
    assert "recurrence" in str(e.value)
    with pytest.raises(cipp.InvalidInputError) as e:
        s.add(collect_task(recurrence="0 25 * * *"))
    assert "hour" in str(e.value)
    with pytest.raises(cipp.InvalidInputError):
        s.add(collect_task(colour="blue"))
    with pytest.raises(cipp.InvalidInputError):
        s.get("no-such-task")


def test_async_scheduler(sim, tmp_path):
    async def main():
        c = cipp.AsyncClient.from_sync(sim.client())
        s = c.scheduler(str(tmp_path / "cipp.db"))
        task_id = await s.add(collect_task(tenants={"tenant": ALPHA}, recurrence=""))
        outcomes = await s.run_due()
        return task_id, outcomes, await s.get(task_id)

    task_id, outcomes, task = asyncio.run(main())
    assert outcomes[0]["task_id"] == task_id
    assert task["state"] == "Completed"
