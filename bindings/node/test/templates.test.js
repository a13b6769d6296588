'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const { Sim, InvalidInputError, CippError } = require('..')

const BLOCK_LEGACY = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'cipp-data', 'templates', 'ca', 'f8be7e58-2419-40a8-a739-714bf5deff90.CATemplate.json')

test('deploy, compare and capture a template', async () => {
  const sim = await Sim.start()
  try {
    const client = sim.client()
    const alpha = client.tenant('alphadental.com').templates
    const text = fs.readFileSync(BLOCK_LEGACY, 'utf8')
    assert.equal((await alpha.compare(text)).status, 'missing')
    const first = await alpha.deploy(text, { state: 'report-only' })
    assert.equal(first.result, 'created')
    assert.deepEqual(await alpha.deploy(JSON.parse(text), { state: 'report-only' }), { result: 'unchanged', id: first.id })
    assert.equal((await alpha.compare(text, { state: 'report-only' })).status, 'equal')
    const captured = await alpha.capture('ca', first.id)
    assert.equal(captured.displayName, 'CIPP: Block Legacy Authentication')
    assert.equal((await client.tenant('bravologistics.com').templates.deploy(captured)).result, 'created')
    await assert.rejects(alpha.capture('spreadsheet', 'x'), InvalidInputError)
    await assert.rejects(alpha.deploy(text, { state: 'sometimes' }), InvalidInputError)
    await assert.rejects(alpha.deploy('{not json'), CippError)
  } finally {
    await sim.stop()
  }
})
