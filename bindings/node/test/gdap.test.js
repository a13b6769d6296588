'use strict'
const { test, beforeEach, afterEach } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const { Sim, InvalidInputError } = require('..')

const GA = '62e90394-69f5-4237-9190-012177145e10'
const MANIFEST = path.join(__dirname, '..', '..', '..', '..', 'shared', 'cipp-data', 'SAMManifest.json')
let sim
let client

beforeEach(async () => {
  sim = await Sim.start()
  client = sim.client()
})

afterEach(async () => {
  await sim.stop()
})

test('an invite is locked, approved, and Global Administrator can be removed', async () => {
  const { relationship, link } = await client.gdap.createInvite({ name: 'CIPP_from_node' })
  assert.equal(relationship.status, 'approvalPending')
  assert.equal(relationship.autoExtendDuration, 'P180D')
  assert.ok(link.endsWith(relationship.id))
  const approved = await sim.approveRelationship(relationship.id, 'echohospitality.onmicrosoft.com')
  assert.equal(approved.status, 'active')

  const rels = await client.gdap.relationships()
  const alpha = rels.find(r => r.displayName === 'CIPP_Alpha_Dental').id
  await assert.rejects(client.gdap.enableAutoExtend(alpha), e => e instanceof InvalidInputError && /Global Administrator/.test(e.message))
  const after = await client.gdap.removeGlobalAdministrator(alpha)
  assert.ok(!after.accessDetails.unifiedRoles.some(r => r.roleDefinitionId === GA))
  assert.equal((await client.gdap.enableAutoExtend(alpha)).outcome, 'changed')

  const ga = await client.gdap.createInvite({ roles: [GA] })
  assert.equal(ga.relationship.autoExtendDuration, 'PT0S')
})

test('checks, Partner Center and tenant lookups', async () => {
  const health = await client.gdap.health()
  assert.equal(health.service_account, 'cipp@northwindmsp.com')
  const access = await client.gdap.tenantAccess('alpha.onmicrosoft.com')
  assert.equal(access.graph_ok, true)
  const manifest = fs.readFileSync(MANIFEST, 'utf8')
  const check = await client.gdap.samCheck(manifest, { repair: true })
  assert.ok(check.missing.requiredResourceAccess.length > 0)
  assert.equal((await client.gdap.samCheck(manifest)).missing.requiredResourceAccess.length, 0)

  const tenants = await sim.tenants()
  const customers = await client.gdap.customers()
  assert.deepEqual(customers.map(c => c.id).sort(), tenants.map(t => t.id).sort())
  assert.equal((await client.gdap.addApplicationConsent(tenants[1].id)).outcome, 'granted')
  assert.equal((await client.gdap.addApplicationConsent(tenants[1].id)).outcome, 'alreadyExisted')
  const cpv = await client.gdap.refreshCpv('charlie.onmicrosoft.com', manifest)
  assert.equal(cpv.consented, true)
  assert.equal(cpv.app_roles_added.length, 1)

  const t = tenants[0]
  for (const name of [t.id, t.default_domain, t.initial_domain]) {
    assert.equal((await client.managedTenant(name)).customer_id, t.id)
  }
  await assert.rejects(client.managedTenant('nope.onmicrosoft.com'), InvalidInputError)
})
