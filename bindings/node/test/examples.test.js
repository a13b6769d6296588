'use strict'
// The examples in examples/node run as documented.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const { Sim } = require('..')

const EXAMPLES = path.resolve(__dirname, '..', '..', '..', 'examples', 'node')
let sim

before(async () => {
  // Let the examples `import 'cipp'` the package built here.
  const modules = path.join(EXAMPLES, 'node_modules')
  fs.mkdirSync(modules, { recursive: true })
  const link = path.join(modules, 'cipp')
  if (!fs.existsSync(link)) fs.symlinkSync(path.resolve(__dirname, '..'), link, 'dir')
  sim = await Sim.start({ users: 100 })
})

after(async () => { await sim.stop() })

function env () {
  const c = sim.credentials()
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CIPP_')))
  return {
    ...base,
    CIPP_APPLICATION_ID: c.application_id,
    CIPP_APPLICATION_SECRET: c.application_secret,
    CIPP_REFRESH_TOKEN: c.refresh_token,
    CIPP_TENANT_ID: c.partner_tenant_id,
    CIPP_LOGIN_URL: sim.baseUrl + '/login',
    CIPP_GRAPH_URL: sim.baseUrl + '/graph'
  }
}

function run (name, environment, input) {
  const r = spawnSync(process.execPath, [path.join(EXAMPLES, name)], { env: environment, input, encoding: 'utf8', timeout: 60000 })
  assert.equal(r.status, 0, r.stderr)
  return r.stdout
}

test('list-users-all-tenants against the configured tenant and standalone', () => {
  const lines = run('list-users-all-tenants.mjs', env()).trim().split('\n').map(l => JSON.parse(l))
  assert.equal(lines.length, 3)
  assert.ok(lines[0].users > 100)
  const bare = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CIPP_')))
  const standalone = run('list-users-all-tenants.mjs', bare).trim().split('\n').map(l => JSON.parse(l))
  assert.deepEqual(standalone.map(l => l.tenant), ['Alpha Dental', 'Bravo Logistics', 'Charlie Legal'])
})

test('rpa-handler answers JSON, errors included', () => {
  const ok = JSON.parse(run('rpa-handler.mjs', env(), JSON.stringify({ tenant: 'alpha.onmicrosoft.com', action: 'getAll', path: 'domains' })))
  assert.equal(ok.ok, true)
  assert.equal(ok.result.length, 2)
  const bad = JSON.parse(run('rpa-handler.mjs', env(), JSON.stringify({ tenant: 'alpha.onmicrosoft.com', path: 'users/nobody' })))
  assert.equal(bad.ok, false)
  assert.equal(bad.error.type, 'NotFoundError')
  assert.equal(bad.error.status, 404)
  assert.equal(bad.error.tenant, 'alpha.onmicrosoft.com')
})

test('run-baseline reports each tenant and writes the HTML page', () => {
  const bare = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CIPP_')))
  const lines = run('run-baseline.mjs', bare).trim().split('\n').map(l => JSON.parse(l))
  assert.deepEqual(lines.map(l => l.tenant), ['alphadental.com', 'bravologistics.com', 'charlie.onmicrosoft.com'])
  assert.ok(lines[0].drifted.includes('DisableSMS'))
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'cipp-baseline-'))
  try {
    const template = path.join(dir, 't.json')
    fs.writeFileSync(template, JSON.stringify({ GUID: 'x', tenantFilter: [{ value: 'bravologistics.com' }], standards: { AuditLog: { action: ['Report'] } } }))
    const html = path.join(dir, 'r.html')
    const r = spawnSync(process.execPath, [path.join(EXAMPLES, 'run-baseline.mjs'), template, html], { env: bare, encoding: 'utf8', timeout: 60000 })
    assert.equal(r.status, 0, r.stderr)
    assert.deepEqual(JSON.parse(r.stdout.trim()), { tenant: 'bravologistics.com', alignment: 0, drifted: ['AuditLog'], error: null })
    assert.match(fs.readFileSync(html, 'utf8'), /^<!doctype html>/)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('onboard-user creates, profiles and reports to the manager; a missing SKU is refused by name', () => {
  const bare = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CIPP_')))
  assert.deepEqual(JSON.parse(run('onboard-user.mjs', bare)), {
    user: 'ada.lovelace@alphadental.com',
    generatedPassword: true,
    profile: ['city', 'department', 'jobTitle'],
    manager: 'miriam.gu@alphadental.com',
    licences: ['05e9a617-0261-4cee-bb44-138d3ef5d965']
  })
  const r = spawnSync(process.execPath, [path.join(EXAMPLES, 'onboard-user.mjs'), 'bravologistics.com', 'grace.hopper', 'Grace Hopper', 'miriam.gu@alphadental.com'], { env: env(), encoding: 'utf8', timeout: 60000 })
  assert.notEqual(r.status, 0)
  assert.match(r.stderr, /InvalidInputError/)
  assert.match(r.stderr, /'SPE_E3'/)
})

test('offboard-user queues the licence removal for the scheduler, which finishes it when due', async () => {
  const bare = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CIPP_')))
  const out = JSON.parse(run('offboard-user.mjs', bare))
  assert.equal(out.steps.ConvertToShared, 'success')
  assert.equal(out.steps.RemoveLicenses, 'scheduled')
  assert.equal(out.queued.length, 1)
  // Against a simulator the test holds: the queued task, run when due, removes the licences.
  const { offboard } = await import(require('node:url').pathToFileURL(path.join(EXAMPLES, 'offboard-user.mjs')).href)
  const own = await Sim.start()
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'cipp-offboard-test-'))
  try {
    const client = own.client()
    const elif = 'elif.ortiz@alphadental.com'
    const done = await offboard(client, 'alphadental.com', elif, 'sofia.wilke@alphadental.com', path.join(dir, 'cipp.db'))
    const [queued] = done.queued
    const users = client.tenant('alphadental.com').users
    assert.ok((await users.get(elif)).assignedLicenses.length > 0)
    assert.equal((await users.mailbox(elif)).RecipientTypeDetails, 'SharedMailbox')
    const [ran] = await client.scheduler(path.join(dir, 'cipp.db')).runDue(queued.notBefore)
    assert.equal(ran.task_id, queued.task)
    assert.deepEqual((await users.get(elif)).assignedLicenses, [])
  } finally {
    await own.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
