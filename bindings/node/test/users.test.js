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
  const created = await t.users.create({ displayName: 'Ada Lovelace', username: 'ada', domain: 'alphadental.com', usageLocation: 'gb', licences: ['SPE_E3'], extra: { employeeId: 'E-1815' } })
  assert.equal(created.password.length, 16)
  assert.equal((await t.graph.get('users/ada@alphadental.com')).employeeId, 'E-1815')
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

const SOFIA = 'sofia.wilke@alphadental.com'

test('edit sets, leaves and clears fields; unknown keys and fields are refused', () => withTenant(async (t) => {
  const sent = await t.users.edit(MIRIAM, { jobTitle: 'Head of Operations', department: '', otherMails: ['m@example.com, mg@example.org'], clear: ['businessPhones', 'surname'], extra: { employeeId: 'E-17' } })
  assert.deepEqual(sent.sort(), ['businessPhones', 'employeeId', 'jobTitle', 'otherMails', 'surname'])
  const raw = await t.graph.get(`users/${MIRIAM}`)
  assert.equal(raw.jobTitle, 'Head of Operations')
  assert.equal(raw.department, 'Operations')
  assert.deepEqual(raw.otherMails, ['m@example.com', 'mg@example.org'])
  assert.deepEqual(raw.businessPhones, [])
  assert.equal(raw.surname, null)
  assert.equal(raw.employeeId, 'E-17')
  assert.deepEqual(await t.users.edit(MIRIAM, {}), [])
  await assert.rejects(t.users.edit(MIRIAM, { jobtitle: 'x' }), (e) => e instanceof InvalidInputError && /jobtitle/.test(e.message))
  await assert.rejects(t.users.edit(MIRIAM, { clear: ['displayName'] }), (e) => e instanceof InvalidInputError && e.field === 'clear[0]')
  await assert.rejects(t.users.edit(MIRIAM, { city: 'Oslo', clear: ['city'] }), (e) => e instanceof InvalidInputError && e.field === 'clear[city]')
}))

test('UPN, manager and licences', () => withTenant(async (t) => {
  const upn = await t.users.changeUpn(SOFIA, { username: 'sofia.w', domain: 'alpha.onmicrosoft.com' })
  assert.equal(upn, 'sofia.w@alpha.onmicrosoft.com')
  assert.equal((await t.users.get(upn)).mailNickname, 'sofia.w')
  await assert.rejects(t.users.changeUpn(upn, { username: 'sofia', domain: 'nowhere.example' }), (e) => e instanceof InvalidInputError && e.field === 'domain')
  await assert.rejects(t.users.changeUpn(upn, { domain: 'alpha.onmicrosoft.com' }), (e) => e instanceof InvalidInputError && e.field === 'username')

  assert.equal(await t.users.manager(ELIF), null)
  await t.users.setManager(ELIF, MIRIAM)
  assert.equal((await t.users.manager(ELIF)).userPrincipalName, MIRIAM)
  await assert.rejects(t.users.setManager(ELIF, ELIF), (e) => e instanceof InvalidInputError && e.field === 'manager')
  await t.users.removeManager(ELIF)
  assert.equal(await t.users.manager(ELIF), null)
  await t.users.removeManager(ELIF)

  await t.users.setLicences(MIRIAM, { add: ['SPE_E3'] })
  assert.ok((await t.users.removeAllLicences(MIRIAM)).length >= 1)
  assert.deepEqual((await t.users.get(MIRIAM)).assignedLicenses, [])
}))

test('aliases, out-of-office, mailbox rights and the address book', () => withTenant(async (t) => {
  assert.deepEqual(await t.users.editAliases(MIRIAM, { add: ['mgu@alphadental.com'] }), ['SMTP:miriam.gu@alphadental.com', 'smtp:mgu@alphadental.com'])
  await t.users.editAliases(MIRIAM, { makePrimary: 'mgu@alphadental.com' })
  assert.equal((await t.users.mailbox(MIRIAM)).PrimarySmtpAddress, 'mgu@alphadental.com')
  await t.users.editAliases(MIRIAM, { remove: ['miriam.gu@alphadental.com'] })
  assert.deepEqual((await t.users.mailbox(MIRIAM)).EmailAddresses, ['SMTP:mgu@alphadental.com'])
  await assert.rejects(t.users.editAliases(SOFIA, { add: ['not an address'] }), (e) => e instanceof InvalidInputError && e.field === 'add[0]')
  await assert.rejects(t.users.editAliases(SOFIA, { primary: 'x@alphadental.com' }), (e) => e instanceof InvalidInputError && /primary/.test(e.message))

  await t.users.setOutOfOffice(SOFIA, { state: 'scheduled', start: '2026-12-20T00:00:00Z', end: '2027-01-04T00:00:00Z', internalMessage: 'Away until January.', externalAudience: 'known' })
  const ooo = await t.users.outOfOffice(SOFIA)
  assert.equal(ooo.AutoReplyState, 'Scheduled')
  assert.equal(ooo.ExternalMessage, 'Away until January.')
  assert.equal(ooo.EndTime, '2027-01-04T00:00:00Z')
  await assert.rejects(t.users.setOutOfOffice(SOFIA, { state: 'enabled' }), (e) => e instanceof InvalidInputError && e.field === 'internal_message')
  await assert.rejects(t.users.setOutOfOffice(SOFIA, { state: 'sometimes', internalMessage: 'x' }), (e) => e instanceof InvalidInputError && e.field === 'state')
  await t.users.setOutOfOffice(SOFIA, { state: 'disabled' })
  assert.equal((await t.users.outOfOffice(SOFIA)).AutoReplyState, 'Disabled')

  await t.users.grantMailboxRight(SOFIA, MIRIAM, 'FullAccess', { automap: false })
  await t.users.grantMailboxRight(SOFIA, MIRIAM, 'SendAs')
  await t.users.grantMailboxRight(SOFIA, ELIF, 'SendOnBehalf')
  const perms = await t.users.mailboxPermissions(SOFIA)
  assert.deepEqual(perms.map((p) => [p.User, p.AutoMapping]), [[MIRIAM, false]])
  assert.equal((await t.exchange.invoke('Get-RecipientPermission', { Identity: SOFIA }))[0].Trustee, MIRIAM)
  assert.deepEqual((await t.users.mailbox(SOFIA)).GrantSendOnBehalfTo, [ELIF])
  await t.users.revokeMailboxRight(SOFIA, MIRIAM, 'FullAccess')
  await t.users.revokeMailboxRight(SOFIA, MIRIAM, 'send-as')
  await t.users.revokeMailboxRight(SOFIA, ELIF, 'SendOnBehalf')
  assert.deepEqual(await t.users.mailboxPermissions(SOFIA), [])
  assert.deepEqual((await t.users.mailbox(SOFIA)).GrantSendOnBehalfTo, [])
  await assert.rejects(t.users.grantMailboxRight(SOFIA, MIRIAM, 'ReadOnly'), (e) => e instanceof InvalidInputError && e.field === 'right')
  await assert.rejects(t.users.grantMailboxRight(SOFIA, SOFIA, 'SendAs'), (e) => e instanceof InvalidInputError && e.field === 'delegate')

  await t.users.hideFromAddressLists(SOFIA)
  assert.equal((await t.users.mailbox(SOFIA)).HiddenFromAddressListsEnabled, true)
  await t.users.hideFromAddressLists(SOFIA, { hidden: false })
  assert.equal((await t.users.mailbox(SOFIA)).HiddenFromAddressListsEnabled, false)
}))

test('purging a deleted user needs confirmation', () => withTenant(async (t) => {
  await t.users.delete(ELIF, { confirm: true })
  const { id } = (await t.users.deleted()).find((d) => d.userPrincipalName === ELIF)
  await assert.rejects(t.users.purgeDeleted(id), InvalidInputError)
  assert.ok((await t.users.deleted()).some((d) => d.id === id))
  await t.users.purgeDeleted(id, { confirm: true })
  assert.ok((await t.users.deleted()).every((d) => d.id !== id))
  await assert.rejects(t.users.purgeDeleted('elif'), (e) => e instanceof InvalidInputError && e.field === 'id')
}))

test('licences by product name with CIPP\'s catalogue', () => withTenant(async (t) => {
  const fs = require('node:fs')
  const os = require('node:os')
  const path = require('node:path')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cipp-catalogue-'))
  try {
    const catalogue = path.join(dir, 'ConversionTable.csv')
    fs.writeFileSync(catalogue, 'Product_Display_Name,String_Id,GUID,Service_Plan_Name\nMicrosoft 365 E3,SPE_E3,05e9a617-0261-4cee-bb44-138d3ef5d965,EXCHANGE_S_ENTERPRISE\n')
    assert.deepEqual(await t.users.setLicences(MIRIAM, { add: ['Microsoft 365 E3'], catalogue }), ['05e9a617-0261-4cee-bb44-138d3ef5d965'])
    await assert.rejects(t.users.setLicences(MIRIAM, { add: ['Microsoft 365 E5'], catalogue }), InvalidInputError)
    await assert.rejects(t.users.setLicences(MIRIAM, { add: ['SPE_E3'], catalogue: path.join(dir, 'missing.csv') }), (e) => e instanceof InvalidInputError && e.field === 'catalogue')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}))

const SALES = 'd537286d-7872-5c21-828e-129b6270d477'
const SG_FINANCE = '2fcaceb5-18fb-5af2-aa18-53169f6cd1ae'

async function groupIds (t, user) {
  const { id } = await t.users.get(user)
  return new Set((await t.graph.get(`users/${id}/memberOf`)).value.map((g) => g.id))
}

test('editGroups joins, leaves and copies groups through Graph or Exchange', () => withTenant(async (t) => {
  const out = await t.users.editGroups(SOFIA, { addTo: ['sg-finance', 'sales@alphadental.com', 'All Staff', 'Nope'] })
  assert.deepEqual(out.map((o) => [o.detail.group, o.state]), [
    ['SG-Finance', 'success'], ['Sales Team', 'success'], ['All Staff', 'info'], ['Nope', 'error']
  ])
  assert.deepEqual(out.slice(0, 2).map((o) => o.detail.via), ['graph', 'exchange'])
  let groups = await groupIds(t, SOFIA)
  assert.ok(groups.has(SALES) && groups.has(SG_FINANCE))

  const left = await t.users.editGroups(SOFIA, { removeFrom: ['SG-Finance', SALES] })
  assert.deepEqual(left.map((o) => o.state), ['success', 'success'])
  groups = await groupIds(t, SOFIA)
  assert.ok(!groups.has(SALES) && !groups.has(SG_FINANCE))

  const copied = await t.users.editGroups(MIRIAM, { copyFrom: ELIF })
  assert.ok(copied.every((o) => o.detail.copiedFrom === ELIF))
  assert.ok((await groupIds(t, MIRIAM)).has(SALES))

  await assert.rejects(t.users.editGroups(SOFIA, {}), (e) => e instanceof InvalidInputError && e.field === 'groups')
  await assert.rejects(t.users.editGroups(SOFIA, { add: ['x'] }), (e) => e instanceof InvalidInputError && /add/.test(e.message))
}))

const VANCE = 'miriam.vance@alphadental.com'
const VANCE_ONEDRIVE = 'https://alpha-my.sharepoint.com/personal/miriam_vance_alphadental_com'

test('OneDrive access is granted and revoked, sharing turned off', async () => {
  const sim = await Sim.start()
  try {
    const u = sim.client().tenant('alphadental.com').users
    const out = await u.grantOnedriveAccess(VANCE, [SOFIA, ELIF])
    assert.equal(out.state, 'success', out.resultText)
    assert.equal(out.detail.siteUrl, VANCE_ONEDRIVE)
    assert.deepEqual((await sim.sharepointSite('alphadental.com', VANCE_ONEDRIVE)).admins, [VANCE, SOFIA, ELIF])
    assert.equal((await u.revokeOnedriveAccess(VANCE, [ELIF])).state, 'success')
    assert.deepEqual((await sim.sharepointSite('alphadental.com', VANCE_ONEDRIVE)).admins, [VANCE, SOFIA])
    assert.equal((await u.disableOnedriveSharing(VANCE)).state, 'success')
    assert.equal((await sim.sharepointSite('alphadental.com', VANCE_ONEDRIVE)).SharingCapability, 0)
    assert.equal((await u.disableOnedriveSharing(VANCE)).state, 'info')
    const none = await u.grantOnedriveAccess('miriam.berg@alphadental.com', [SOFIA])
    assert.equal(none.state, 'warning')
    assert.match(none.resultText, /no OneDrive/)
    await assert.rejects(u.grantOnedriveAccess(VANCE, []), InvalidInputError)
  } finally {
    await sim.stop()
  }
})

test('a delayed licence removal is a follow-up the scheduler runs', async () => {
  const fs = require('node:fs')
  const os = require('node:os')
  const path = require('node:path')
  const sim = await Sim.start()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cipp-followup-'))
  try {
    const client = sim.client()
    const t = client.tenant('alphadental.com')
    const options = { convertToShared: true, removeLicences: true, deleteUser: true, licenceRemovalDelayMinutes: 5, confirm: true }
    const report = await t.offboarding.run(ELIF, options)
    assert.deepEqual(report.steps.map((s) => [s.step, s.state]), [
      ['ConvertToShared', 'success'], ['RemoveLicenses', 'scheduled'], ['DeleteUser', 'scheduled']
    ])
    const elif = await t.users.get(ELIF)
    assert.ok(elif.assignedLicenses.length > 0, 'licensed until the follow-up runs')
    assert.equal(report.followUps.length, 1)
    const [follow] = report.followUps
    assert.equal(follow.command, 'offboard')

    const scheduler = client.scheduler(path.join(dir, 'cipp.db'))
    const id = scheduler.addFollowUp(follow)
    assert.equal(scheduler.get(id).next_run, follow.notBefore)
    assert.deepEqual(await scheduler.runDue(follow.notBefore - 60), [])
    const [run] = await scheduler.runDue(follow.notBefore)
    assert.deepEqual(run.results.tenants.map((x) => x.ok), [true])
    const gone = await t.graph.get(`directory/deletedItems/${elif.id}`)
    assert.deepEqual(gone.assignedLicenses, [])

    assert.throws(() => t.offboarding.plan(ELIF, { hideFromGal: true, licenceRemovalDelayMinutes: 5 }),
      (e) => e instanceof InvalidInputError && e.field === 'licence_removal_delay_minutes')
    assert.throws(() => scheduler.addFollowUp({ name: 'x' }), (e) => e instanceof InvalidInputError && e.field === 'followUp')
  } finally {
    await sim.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
