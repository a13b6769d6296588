'use strict'
// User management and offboarding from Node, against the simulator's Alpha Dental.
const { test } = require('node:test')
const assert = require('node:assert/strict')

const { Sim, InvalidInputError } = require('..')

const MIRIAM = 'miriam.gu@alphadental.com'
const ELIF = 'elif.ortiz@alphadental.com'

async function withTenant (fn) {
  const sim = await Sim.start()
  try {
    await fn(sim.client().tenant('alphadental.com'))
  } finally {
    await sim.stop()
  }
}

test('create, sign-in state, password, TAP and licences', () => withTenant(async (t) => {
  const created = await t.users.create({ displayName: 'Ada Lovelace', username: 'ada', domain: 'alphadental.com', usageLocation: 'gb', licences: ['SPE_E3'] })
  assert.equal(created.password.length, 16)
  assert.deepEqual(await t.users.setLicences('ada@alphadental.com', { remove: ['SPE_E3'] }), [])
  assert.equal((await t.users.blockSignIn(MIRIAM)).state, 'success')
  assert.equal((await t.users.get(MIRIAM)).accountEnabled, false)
  assert.equal((await t.users.revokeSessions(MIRIAM)).state, 'success')
  assert.equal((await t.users.resetPassword(MIRIAM)).password, undefined)
  assert.ok((await t.users.resetPassword(MIRIAM, { reveal: true })).password.length >= 12)
  const tap = await t.users.createTap(MIRIAM, { lifetimeMinutes: 60, usableOnce: true })
  assert.ok(tap.temporaryAccessPass)
  await assert.rejects(t.users.createTap(MIRIAM, { lifetimeMinutes: 5 }), InvalidInputError)
}))

test('delete needs confirmation; restore brings the user back', () => withTenant(async (t) => {
  await assert.rejects(t.users.delete(MIRIAM), InvalidInputError)
  await t.users.delete(MIRIAM, { confirm: true })
  const gone = (await t.users.deleted()).find((d) => d.userPrincipalName === MIRIAM)
  await t.users.restore(gone.id)
  assert.equal((await t.users.get(MIRIAM)).userPrincipalName, MIRIAM)
}))

test('offboarding plans, then runs each step', () => withTenant(async (t) => {
  const options = { revokeSessions: true, disable_sign_in: true, hideFromGal: true, outOfOffice: 'Elif has left.' }
  const plan = t.offboarding.plan(ELIF, options)
  assert.deepEqual(plan.steps.slice(0, 2).map((s) => s.step), ['RevokeSessions', 'DisableSignIn'])
  const report = await t.offboarding.run(ELIF, options)
  assert.equal(report.dryRun, false)
  assert.ok(report.steps.every((s) => ['success', 'info', 'warning'].includes(s.state)), JSON.stringify(report.steps))
  assert.equal((await t.users.get(ELIF)).accountEnabled, false)
  await assert.rejects(t.offboarding.run(ELIF, { revoke_sesions: true }), (e) => e instanceof InvalidInputError && /revoke_sesions/.test(e.message))
  await assert.rejects(t.offboarding.run(ELIF, { deleteUser: true }), InvalidInputError)
}))
