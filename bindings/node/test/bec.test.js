'use strict'
// Compromised-account research and remediation from Node, against the simulator's seeded
// compromise (Alpha's miriam.vance) and a clean user (Charlie's nestor.bowen).
const { test } = require('node:test')
const assert = require('node:assert/strict')

const { Sim, InvalidInputError } = require('..')

const MIRIAM = 'miriam.vance@alphadental.com'
const AS_OF = '2026-11-28T00:00:00Z'

async function withSim (fn) {
  const sim = await Sim.start()
  try {
    await fn(sim.client())
  } finally {
    await sim.stop()
  }
}

test('research finds the seeded compromise and not the clean user', () => withSim(async (client) => {
  const report = await client.tenant('alpha.onmicrosoft.com').bec.research(MIRIAM, { asOf: AS_OF })
  assert.equal(report.alarming, true)
  const kinds = new Set(report.indicators.map((i) => i.kind))
  assert.ok(kinds.has('forwardingInboxRule') && kinds.has('mailboxForwarding'), [...kinds].join(','))
  assert.match(report.markdown, /miriam\.vance/)
  const clean = await client.tenant('charlie.onmicrosoft.com').bec.research('nestor.bowen@charlie.onmicrosoft.com', { asOf: AS_OF })
  assert.equal(clean.alarming, false)
}))

test('plan writes nothing; remediation needs confirm and runs each step', () => withSim(async (client) => {
  const bec = client.tenant('alpha.onmicrosoft.com').bec
  const plan = await bec.plan(MIRIAM, { skip: ['remove-mfa-methods'] })
  assert.equal(plan.dryRun, true)
  assert.equal(plan.steps.find((s) => s.step === 'resetPassword').state, 'planned')
  await assert.rejects(bec.remediate(MIRIAM), InvalidInputError)
  await assert.rejects(bec.plan(MIRIAM, { skip: ['format-disk'] }), (e) => e instanceof InvalidInputError && e.field === 'skip[0]')
  const done = await bec.remediate(MIRIAM, { confirm: true, skip: ['reset-password'] })
  assert.equal(done.steps.find((s) => s.step === 'disableSignIn').state, 'success')
  const user = await client.tenant('alpha.onmicrosoft.com').graph.get(`users/${MIRIAM}`)
  assert.equal(user.accountEnabled, false)
}))

test('research reads mailbox phones and flags a new one', () => withSim(async (client) => {
  const report = await client.tenant('alpha.onmicrosoft.com').bec.research(MIRIAM, { asOf: AS_OF })
  assert.equal(report.mobileDevices.status, 'ok')
  assert.equal(report.mobileDevices.data.length, 2)
  assert.deepEqual(report.mobileDevices.data.filter((d) => d.recentlyAdded).map((d) => d.deviceModel), ['SM-A515F'])
  const found = report.indicators.filter((i) => i.kind === 'newMobileDevice')
  assert.equal(found.length, 1)
  assert.match(found[0].summary, /Android 11/)
  assert.match(report.markdown, /SM-A515F/)
}))
