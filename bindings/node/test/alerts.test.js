'use strict'
// Alert runs from Node, against the simulator and a local webhook receiver: the catalogue,
// one digest per destination, deduplication through a store, snoozes and errors.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const http = require('node:http')
const os = require('node:os')
const path = require('node:path')

const { Sim, InvalidInputError } = require('..')

const ALPHA = 'alphadental.com'
const CHARLIE = 'charlie.onmicrosoft.com'
const AS_OF = '2026-11-01T00:00:00Z'

async function withSim (fn) {
  const sim = await Sim.start()
  const bodies = []
  const server = http.createServer((req, res) => {
    let data = ''
    req.on('data', (c) => { data += c })
    req.on('end', () => { bodies.push(JSON.parse(data)); res.end() })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${server.address().port}/hook`
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cipp-alerts-'))
  try {
    await fn({ client: sim.client(), url, bodies, store: path.join(dir, 'cipp.db') })
  } finally {
    server.close()
    fs.rmSync(dir, { recursive: true, force: true })
    await sim.stop()
  }
}

function config (url, rules = { InactiveUsers: {}, AppSecretExpiry: {}, NoCAConfig: {} }) {
  return { rules, destinations: [{ name: 'soc', type: 'webhook', url, format: 'json' }] }
}

test('the catalogue lists the rules with their parameters', () => withSim(async ({ client }) => {
  const rules = Object.fromEntries(client.alerts.catalogue().map((r) => [r.name, r]))
  for (const n of ['InactiveUsers', 'AppSecretExpiry', 'MFAAdmins']) assert.ok(rules[n], n)
  assert.equal(rules.InactiveUsers.params[0].name, 'DaysSinceLastLogin')
}))

test('one digest per run; a second run sends nothing new', () => withSim(async ({ client, url, bodies, store }) => {
  const first = await client.alerts.run(config(url), { tenants: [ALPHA, CHARLIE], store, asOf: AS_OF })
  assert.equal(first.summary.tenant_errors, 0)
  const fired = new Set(first.findings().map((f) => `${f.tenant}/${f.rule}`))
  for (const k of [`${ALPHA}/InactiveUsers`, `${ALPHA}/AppSecretExpiry`, `${CHARLIE}/NoCAConfig`]) assert.ok(fired.has(k), k)
  assert.ok(!fired.has(`${ALPHA}/NoCAConfig`))
  assert.equal(bodies.length, 1)
  assert.equal(first.deliveries[0].ok, true)
  assert.equal(first.summary.delivered, first.findings().length)
  assert.match(first.toMarkdown(), /InactiveUsers/)
  assert.deepEqual(JSON.parse(JSON.stringify(first)).summary, first.summary)

  const second = await client.alerts.run(JSON.stringify(config(url)), { tenants: [ALPHA, CHARLIE], store, asOf: AS_OF })
  assert.equal(bodies.length, 1)
  assert.equal(second.summary.delivered, 0)
  assert.equal(second.summary.suppressed, second.findings().length)
}))

test('a snoozed finding is held back after its re-send interval', () => withSim(async ({ client, url, bodies, store }) => {
  const cfg = config(url, { NoCAConfig: { resend_hours: 1 } })
  const first = await client.alerts.run(cfg, { tenants: [CHARLIE], store, asOf: AS_OF })
  const [finding] = first.findings()
  const snooze = client.alerts.snooze(store, 'NoCAConfig', CHARLIE, finding.hash, { days: 30, reason: 'known' })
  assert.equal(snooze.reason, 'known')
  assert.deepEqual(client.alerts.snoozes(store, { tenant: CHARLIE }).map((s) => s.hash), [finding.hash])
  const later = await client.alerts.run(cfg, { tenants: [CHARLIE], store, asOf: '2026-11-01T02:00:00Z' })
  assert.equal(later.summary.snoozed, 1)
  assert.equal(later.summary.delivered, 0)
  assert.equal(bodies.length, 1)
}))

test('bad input names the field', () => withSim(async ({ client, store }) => {
  await assert.rejects(client.alerts.run({ rules: { NoSuchRule: {} } }, { tenants: [ALPHA] }),
    (e) => e instanceof InvalidInputError && /NoSuchRule/.test(e.message))
  await assert.rejects(client.alerts.run({ rules: { InactiveUsers: { params: { DaysSinceLastLogin: 'soon' } } } }, { tenants: [ALPHA] }),
    (e) => e instanceof InvalidInputError && /DaysSinceLastLogin/.test(e.message))
  await assert.rejects(client.alerts.run(null, { tenants: [ALPHA], asOf: 'yesterday' }),
    (e) => e instanceof InvalidInputError && e.field === 'asOf')
  assert.throws(() => client.alerts.snooze(store, 'InactiveUsers', ALPHA, 'abc', { days: 3 }), InvalidInputError)
}))

test('standards in alert mode become findings', () => withSim(async ({ client, url, bodies }) => {
  const standards = await client.standards.run({
    GUID: 'alerting', templateName: 'Alerting', tenantFilter: [{ value: 'AllTenants' }],
    standards: { DisableSMS: { action: ['warn'] } }
  }, { mode: 'alert', tenants: [ALPHA] })
  const report = await client.alerts.run(config(url, { StandardsAlerts: {} }), { tenants: [ALPHA], standards })
  const [finding] = report.findings()
  assert.equal(finding.data.Standard, 'DisableSMS')
  assert.equal(bodies.length, 1)
  await assert.rejects(client.alerts.run(config(url, { StandardsAlerts: {} }), { tenants: [ALPHA], standards: { not: 'a report' } }), InvalidInputError)
}))
