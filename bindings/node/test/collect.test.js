'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')

const { Sim, InvalidInputError } = require('..')

test('collect marks each cache type', async () => {
  const sim = await Sim.start()
  try {
    const client = sim.client()
    const snap = await client.collect('charlie.onmicrosoft.com', ['Organization', 'ExoOrganizationConfig', 'SPOTenant'])
    assert.equal(snap.types.Organization.status, 'complete')
    assert.equal(snap.types.ExoOrganizationConfig.rows[0].AuditDisabled, false)
    assert.equal(snap.types.SPOTenant.status, 'not_licensed')
    await assert.rejects(client.collect('charlie.onmicrosoft.com', ['Nope']), InvalidInputError)
  } finally {
    await sim.stop()
  }
})
