// Onboard a new starter: create the account with a licence, fill in the profile, set the
// manager, and print what was done as one JSON line (the generated password is not printed).
//
//   node onboard-user.mjs [DOMAIN USERNAME "Display Name" MANAGER]
//
// Uses the CIPP_* environment variables when set; otherwise starts the offline simulator and
// onboards Ada Lovelace at Alpha Dental, reporting to Miriam Gu.
import cipp from 'cipp'

const { Client, Sim } = cipp

const [domain, username, displayName, manager] = process.argv.length >= 6
  ? process.argv.slice(2, 6)
  : ['alphadental.com', 'ada.lovelace', 'Ada Lovelace', 'miriam.gu@alphadental.com']

let sim = null
let client
if (process.env.CIPP_APPLICATION_ID) {
  client = Client.fromEnv()
} else {
  sim = await Sim.start()
  client = sim.client()
}
try {
  const users = client.tenant(domain).users
  const created = await users.create({ displayName, username, domain, usageLocation: 'GB', licences: ['SPE_E3'] })
  const upn = created.user.userPrincipalName
  const changed = await users.edit(upn, { jobTitle: 'Engineer', department: 'Engineering', city: 'London' })
  await users.setManager(upn, manager)
  console.log(JSON.stringify({
    user: upn,
    generatedPassword: 'password' in created,
    profile: changed.sort(),
    manager: (await users.manager(upn)).userPrincipalName,
    licences: (await users.get(upn)).assignedLicenses.map((l) => l.skuId)
  }))
} finally {
  if (sim) await sim.stop()
}
