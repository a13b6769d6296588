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

const COMPLIANCE = {
  Displayname: 'CIPP test: assigned',
  Description: '',
  Type: 'deviceCompliancePolicies',
  RAWJson: JSON.stringify({ '@odata.type': '#microsoft.graph.windows10CompliancePolicy', displayName: 'x', passwordRequired: true })
}

test('assign an Intune policy by group name, once', async () => {
  const sim = await Sim.start()
  try {
    const t = sim.client().tenant('alpha.onmicrosoft.com')
    const to = { allDevices: true, groups: ['sg-finance'], excludeGroups: ['CA-Exclude-BreakGlass'] }
    await assert.rejects(t.templates.assign(COMPLIANCE, to), InvalidInputError, 'not deployed yet')
    const { id } = await t.templates.deploy(COMPLIANCE)
    assert.deepEqual(await t.templates.assign(COMPLIANCE, to), { result: 'updated', id, changed: ['assignments'] })
    const assigned = await t.graph.beta.getAll(`deviceManagement/deviceCompliancePolicies/${id}/assignments`)
    assert.deepEqual(assigned.map((a) => [a.target['@odata.type'], a.target.groupId ?? '']).sort(), [
      ['#microsoft.graph.allDevicesAssignmentTarget', ''],
      ['#microsoft.graph.exclusionGroupAssignmentTarget', '24061f8a-1fff-57f1-ae1f-84634dbdb41c'],
      ['#microsoft.graph.groupAssignmentTarget', '2fcaceb5-18fb-5af2-aa18-53169f6cd1ae']
    ])
    assert.equal((await t.templates.assign(COMPLIANCE, to)).result, 'unchanged')
    await assert.rejects(t.templates.assign(COMPLIANCE, { groups: ['No Such Group'] }),
      (e) => e instanceof InvalidInputError && /No Such Group/.test(e.message) && e.field.includes('groups[0]'))
    await assert.rejects(t.templates.assign(COMPLIANCE, {}), InvalidInputError)
  } finally {
    await sim.stop()
  }
})

test('distribution-list templates deploy through Exchange', async () => {
  const sim = await Sim.start()
  try {
    const t = sim.client().tenant('alphadental.com')
    const front = { displayName: 'Front Desk', description: 'Reception staff', groupType: 'distribution', allowExternal: true, username: 'frontdesk@%tenantfilter%' }
    const created = await t.templates.deploy(front)
    assert.equal(created.result, 'created')
    assert.deepEqual(await t.templates.deploy(front), { result: 'unchanged', id: created.id })
    const groups = (await t.graph.getAll('groups')).filter((g) => g.displayName === 'Front Desk')
    assert.deepEqual(groups.map((g) => [g.mail, g.mailEnabled, g.securityEnabled]), [['frontdesk@alphadental.com', true, false]])
    const [row] = await t.exchange.invoke('Get-DistributionGroup', { Identity: 'Front Desk' })
    assert.equal(row.RequireSenderAuthenticationEnabled, false)
    await t.exchange.invoke('Set-DistributionGroup', { Identity: 'Front Desk', Description: 'Changed' })
    const fixed = await t.templates.deploy(front)
    assert.deepEqual([fixed.result, fixed.changed], ['updated', ['Description']])
  } finally {
    await sim.stop()
  }
})

test('kind names a template its JSON does not tell', async () => {
  const sim = await Sim.start()
  try {
    const t = sim.client().tenant('alphadental.com').templates
    const retention = {
      Name: 'Node test: keep invoices',
      ExchangeLocation: ['finance@alphadental.com'],
      RuleParams: { Name: 'Keep invoices', RetentionDuration: 2190, RetentionComplianceAction: 'Keep' }
    }
    assert.equal((await t.compare(retention, { kind: 'retention' })).status, 'missing')
    assert.equal((await t.deploy(retention, { kind: 'retention' })).result, 'created')
    assert.equal((await t.compare(retention, { kind: 'retention' })).status, 'equal')
    const policies = await sim.exchangeObjects('alphadental.com', 'RetentionCompliancePolicy', { compliance: true })
    assert.equal(policies.length, 1)
    await assert.rejects(t.deploy(retention, { kind: 'spreadsheet' }), InvalidInputError)
  } finally {
    await sim.stop()
  }
})
