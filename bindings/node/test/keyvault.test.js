'use strict'
const { test, beforeEach, afterEach } = require('node:test')
const assert = require('node:assert/strict')

const { Sim, KeyVault, NotFoundError, InvalidInputError } = require('..')

let sim
let client

beforeEach(async () => {
  sim = await Sim.start()
  client = sim.client()
})

afterEach(async () => {
  await sim.stop()
})

test('secrets are set, read by version, listed, deleted and recovered', async () => {
  const kv = client.keyVault('cipp-kv')
  assert.ok(kv instanceof KeyVault)
  assert.equal(kv.name, 'cipp-kv')
  const first = await kv.setSecret('HIBP', 's3cr+t/1')
  assert.equal(first.name, 'HIBP')
  assert.equal(first.value, undefined)
  await kv.setSecret('HIBP', 's3cr+t/2')
  assert.equal(await kv.getSecret('HIBP'), 's3cr+t/2')
  assert.equal(await kv.getSecret('HIBP', { version: first.version }), 's3cr+t/1')
  await kv.setSecret('A', 'x')
  await kv.setSecret('B', 'y')
  const names = (await kv.listSecrets()).map(s => s.name).sort()
  assert.deepEqual(names, ['A', 'B', 'HIBP'])

  const deleted = await kv.deleteSecret('HIBP')
  assert.ok(deleted.recoveryId.endsWith('/deletedsecrets/HIBP'))
  await assert.rejects(kv.getSecret('HIBP'), e => e instanceof NotFoundError && e.status === 404 && e.message.includes('HIBP'))
  await kv.recoverSecret('HIBP')

  await kv.deleteSecret('A')
  await kv.setSecret('A', 'again')
  assert.equal(await kv.getSecret('A'), 'again')
})

test('bad vault and secret names are InvalidInputError', async () => {
  assert.throws(() => client.keyVault('x'), InvalidInputError)
  const kv = client.keyVault('cipp-kv')
  await assert.rejects(kv.getSecret('no/slashes'), e => e instanceof InvalidInputError && e.message.includes('no/slashes'))
})
