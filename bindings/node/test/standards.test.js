'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const { Sim, InvalidInputError } = require('..')

const BASELINE = {
  GUID: 'baseline',
  templateName: 'Baseline',
  tenantFilter: [{ label: 'All tenants', value: 'AllTenants' }],
  standards: {
    DisableSMS: { action: [{ label: 'Remediate', value: 'Remediate' }] },
    AuditLog: { action: ['Report', 'warn'] }
  }
}

function state (report, tenant, standard) {
  const t = report.tenants.find((x) => x.tenant === tenant)
  return t.results.find((r) => r.standard === standard).state
}

async function withSim (fn) {
  const sim = await Sim.start()
  try {
    await fn(sim, sim.client())
  } finally {
    await sim.stop()
  }
}

test('the catalogue lists the standards', () => withSim(async (sim, client) => {
  const entries = client.standards.catalogue()
  const names = entries.map((d) => d.name)
  const guests = entries.find((d) => d.name === 'DisableGuests')
  assert.equal(guests.kind, 'code')
  assert.equal(guests.destructive, true)
  for (const n of ['DisableSMS', 'AuditLog', 'EXOOutboundSpamLimits']) assert.ok(names.includes(n), n)
}))

test('plan writes nothing and shows the requests', () => withSim(async (sim, client) => {
  const report = await client.standards.plan(BASELINE, { tenants: ['alphadental.com'] })
  assert.equal(report.mode, 'report')
  assert.equal(state(report, 'alphadental.com', 'DisableSMS'), 'drifted')
  const sms = report.tenants[0].results.find((r) => r.standard === 'DisableSMS')
  assert.equal(sms.planned[0].kind, 'graph')
  const again = await client.standards.run(JSON.stringify(BASELINE), { tenants: ['alphadental.com'] })
  assert.equal(state(again, 'alphadental.com', 'DisableSMS'), 'drifted')
}))

test('remediate with a store, then report', () => withSim(async (sim, client) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cipp-standards-'))
  try {
    const store = path.join(dir, 'cipp.db')
    const fixed = await client.standards.run([BASELINE], { mode: 'remediate', store })
    assert.equal(state(fixed, 'alphadental.com', 'DisableSMS'), 'remediated')
    assert.equal(state(fixed, 'alphadental.com', 'AuditLog'), 'drifted')
    assert.equal(typeof fixed.runId, 'number')
    const after = await client.standards.run(BASELINE, { store })
    assert.equal(state(after, 'alphadental.com', 'DisableSMS'), 'compliant')
    assert.equal(after.summary.changed_since_last, 0)
    const json = JSON.parse(JSON.stringify(after))
    assert.equal(json.schema, 1)
    assert.equal(json.tenants.length, 3)
    assert.match(after.toMarkdown(), /alphadental\.com/)
    assert.match(after.toHtml(), /^<!doctype html>/)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}))

test('bad input rejects with InvalidInputError', () => withSim(async (sim, client) => {
  const s = client.standards
  await assert.rejects(s.run(BASELINE, { mode: 'fix-everything' }), (e) => e instanceof InvalidInputError && /mode/.test(e.message))
  await assert.rejects(s.run({ standards: { DisableSMS: 5 } }), (e) => e instanceof InvalidInputError && /standards\.DisableSMS/.test(e.message))
  await assert.rejects(s.run('{not json'), InvalidInputError)
  assert.throws(() => s.catalogue({ definitions: '/no/such/folder' }), InvalidInputError)
}))

test('destructive standards need allowDestructive', () => withSim(async (sim, client) => {
  const template = {
    GUID: 'code',
    templateName: 'Code standards',
    tenantFilter: [{ value: 'alphadental.com' }],
    standards: { DisableInactiveUsers: { action: ['Remediate'], days: 90 } }
  }
  const options = { mode: 'remediate', tenants: ['alphadental.com'], asOf: 1793491200 }
  const refused = await client.standards.run(template, options)
  assert.equal(state(refused, 'alphadental.com', 'DisableInactiveUsers'), 'remediation_failed')
  const done = await client.standards.run(template, { ...options, allowDestructive: true })
  assert.equal(state(done, 'alphadental.com', 'DisableInactiveUsers'), 'remediated')
}))
