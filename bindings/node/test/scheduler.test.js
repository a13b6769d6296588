'use strict'
// Scheduled tasks from Node, against the simulator: add, list, run due tasks with per-tenant
// results in history, run now, remove and errors.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const { Sim, InvalidInputError } = require('..')

const ALPHA = 'alphadental.com'

async function withScheduler (fn) {
  const sim = await Sim.start()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cipp-scheduler-'))
  try {
    await fn(sim.client().scheduler(path.join(dir, 'cipp.db'), { runnerId: 'node-test' }))
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
    await sim.stop()
  }
}

const task = (extra = {}) => ({
  name: 'Collect users',
  command: { type: 'collect', types: ['Users'] },
  tenants: { all: true, exclude: ['charlie.onmicrosoft.com'] },
  recurrence: '1d',
  ...extra
})

test('a due task runs per tenant, lands in history and is planned again', () => withScheduler(async (s) => {
  assert.equal(s.runnerId, 'node-test')
  const id = s.add(task())
  assert.deepEqual(s.list().map((t) => [t.id, t.state]), [[id, 'Planned']])
  const [outcome] = await s.runDue()
  assert.equal(outcome.task_id, id)
  const tenants = outcome.results.tenants.map((t) => t.tenant)
  assert.ok(tenants.includes(ALPHA))
  assert.ok(!tenants.includes('charlie.onmicrosoft.com'))
  assert.ok(outcome.results.tenants.every((t) => t.ok))
  assert.equal(s.get(id).state, 'Planned')
  assert.deepEqual(await s.runDue(), [])
  assert.equal(s.history(id)[0].runner, 'node-test')
  await s.runNow(id)
  assert.equal(s.history(id).length, 2)
  s.remove(id)
  assert.deepEqual(s.list(), [])
}))

test('a one-off completes', () => withScheduler(async (s) => {
  const id = s.add(JSON.stringify(task({ tenants: { tenant: ALPHA }, recurrence: '' })))
  await s.runDue()
  assert.equal(s.get(id).state, 'Completed')
}))

test('bad tasks name the field', () => withScheduler(async (s) => {
  assert.throws(() => s.add(task({ recurrence: 'every tuesday' })), (e) => e instanceof InvalidInputError && /recurrence/.test(e.message))
  assert.throws(() => s.add(task({ recurrence: '0 25 * * *' })), (e) => e instanceof InvalidInputError && /hour/.test(e.message))
  assert.throws(() => s.get('no-such-task'), InvalidInputError)
}))
