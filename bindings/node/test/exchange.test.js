'use strict'
const { test, beforeEach, afterEach } = require('node:test')
const assert = require('node:assert/strict')

const { Sim, CmdletError, HttpError, InvalidInputError } = require('..')

const TENANT = 'alphadental.com'
let sim
let client

beforeEach(async () => {
  sim = await Sim.start()
  client = sim.client()
})

afterEach(async () => {
  await sim.stop()
})

test('invoke reads with select, writes, and reports warnings', async () => {
  const exo = client.tenant(TENANT).exchange
  const rows = await exo.invoke('Get-Mailbox', { ResultSize: 'Unlimited' }, { select: ['UserPrincipalName', 'AuditEnabled'] })
  assert.equal(rows.length, (await sim.exchangeObjects(TENANT, 'Mailbox')).length)
  assert.deepEqual(Object.keys(rows[0]).sort(), ['AuditEnabled', 'UserPrincipalName'])
  const upn = rows[0].UserPrincipalName
  const first = await exo.invokeOutput('Set-Mailbox', { Identity: upn, AuditEnabled: false })
  assert.deepEqual(first.warnings, [])
  const again = await exo.invokeOutput('Set-Mailbox', { Identity: upn, AuditEnabled: false })
  assert.match(again.warnings[0], /no settings/)
  const mailbox = (await exo.mailboxes()).find(m => m.UserPrincipalName === upn)
  assert.equal(mailbox.AuditEnabled, false)
  assert.equal((await exo.organizationConfig()).AuditDisabled, false)
  assert.ok((await exo.availableCmdlets()).includes('Get-Mailbox'))
})

test('pages are followed', async () => {
  await sim.generateMailboxes(TENANT, 1200)
  const out = await client.tenant(TENANT).exchange.invokeOutput('Get-Mailbox', { ResultSize: 'Unlimited' }, { select: ['Guid'] })
  assert.equal(out.pages, 2)
  assert.equal(out.rows.length, (await sim.exchangeObjects(TENANT, 'Mailbox')).length)
})

test('a refused cmdlet is a CmdletError with its parts', async () => {
  const exo = client.tenant(TENANT).exchange
  await assert.rejects(exo.invoke('Get-Mailbox', { Identity: 'ghost@alphadental.com' }), (e) => {
    assert.ok(e instanceof CmdletError && e instanceof HttpError)
    assert.equal(e.cmdlet, 'Get-Mailbox')
    assert.equal(e.tenant, TENANT)
    assert.equal(e.code, 'ManagementObjectNotFoundException')
    assert.equal(e.exchangeCode, 'Ex6F9304')
    assert.match(e.detail, /ghost@alphadental.com/)
    return true
  })
  await assert.rejects(exo.invoke('Get-Mailbox', [1, 2]), InvalidInputError)
})

test('bulk reports every operation, and compliance works', async () => {
  const exo = client.tenant(TENANT).exchange
  const upns = (await exo.mailboxes()).slice(0, 3).map(m => m.UserPrincipalName)
  const ops = upns.map(u => ({ cmdlet: 'Set-Mailbox', id: u, parameters: { Identity: u, AuditEnabled: false } }))
  ops.push({ cmdlet: 'Set-Mailbox', id: 'ghost', parameters: { Identity: 'ghost' } })
  const result = await exo.bulk(ops)
  assert.equal(result.round_trips, 1)
  const byId = Object.fromEntries(result.operations.map(o => [o.id, o]))
  for (const u of upns) assert.equal(byId[u].success, true)
  assert.equal(byId.ghost.success, false)
  assert.match(byId.ghost.error.exception_type, /ManagementObjectNotFoundException$/)
  const labels = await exo.compliance.invoke('Get-Label')
  assert.equal(labels[0].Name, 'General')
})

test('teams policies read-modify-write and SharePoint settings', async () => {
  const t = client.tenant('charlie.onmicrosoft.com')
  assert.equal((await t.teams.list('Get-CsTeamsMeetingPolicy')).length, 2)
  const first = await t.teams.set('TeamsMeetingPolicy', { AllowAnonymousUsersToJoinMeeting: false })
  assert.equal(first.changed, true)
  const again = await t.teams.set('TeamsMeetingPolicy', { AllowAnonymousUsersToJoinMeeting: false })
  assert.equal(again.changed, false)
  await assert.rejects(t.teams.set('TeamsMeetingPolicy', { Nope: 1 }), InvalidInputError)
  const stored = await sim.teamsConfigurations('charlie.onmicrosoft.com', 'TeamsMeetingPolicy')
  assert.equal(stored.find(p => p.Identity === 'Global').AllowAnonymousUsersToJoinMeeting, false)

  assert.equal(await t.sharepoint.name(), 'charlie')
  assert.equal((await t.sharepoint.tenantSettings()).SharingCapability, 2)
  await t.sharepoint.setTenantSettings({ SharingCapability: 0 })
  assert.equal((await sim.sharepointSettings('charlie.onmicrosoft.com')).SharingCapability, 0)
  assert.ok((await t.sharepoint.storageQuota()).usedPercent > 0)
  await assert.rejects(t.sharepoint.setTenantSettings({ Bogus: true }), HttpError)
})
