// Offboard a leaver the way CIPP does: block sign-in, end sessions, hide them from the address
// book, turn the mailbox into a shared one their successor opens, hand the OneDrive to the
// successor, and remove the licences five minutes later (once Exchange has finished the
// conversion) through a task queued in a scheduler store. Prints one JSON line.
//
//   node offboard-user.mjs [DOMAIN USER SUCCESSOR STORE]
//
// The queued task runs when a scheduler runner over STORE ticks after it is due
// (`cipp schedule serve --store STORE`, or `cipp schedule run-due --store STORE` from cron).
// Uses the CIPP_* environment variables when set; otherwise starts the offline simulator and
// offboards Elif Ortiz at Alpha Dental, handing over to Sofia Wilke.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import cipp from 'cipp'

const { Client, Sim } = cipp

/** Run the offboarding and queue its follow-ups in `store`; resolves to what was done. */
export async function offboard (client, domain, user, successor, store) {
  const report = await client.tenant(domain).offboarding.run(user, {
    disableSignIn: true,
    revokeSessions: true,
    hideFromGal: true,
    convertToShared: true,
    mailboxAccessAutomap: [successor],
    onedriveAccess: [successor],
    removeLicences: true,
    // A mailbox that loses its licence before the conversion finishes is disabled.
    licenceRemovalDelayMinutes: 5,
    confirm: true
  })
  const scheduler = client.scheduler(store)
  const queued = (report.followUps ?? []).map((f) => scheduler.addFollowUp(f))
  return {
    user: report.user,
    steps: Object.fromEntries(report.steps.map((s) => [s.step, s.state])),
    queued: queued.map((task) => ({ task, notBefore: scheduler.get(task).next_run }))
  }
}

async function main () {
  const [domain, user, successor, store] = process.argv.length >= 6
    ? process.argv.slice(2, 6)
    : ['alphadental.com', 'elif.ortiz@alphadental.com', 'sofia.wilke@alphadental.com',
        path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cipp-offboard-')), 'cipp.db')]
  let sim = null
  let client
  if (process.env.CIPP_APPLICATION_ID) {
    client = Client.fromEnv()
  } else {
    sim = await Sim.start()
    client = sim.client()
  }
  try {
    const done = await offboard(client, domain, user, successor, store)
    console.log(JSON.stringify(done))
    if (Object.values(done.steps).includes('error')) process.exitCode = 1
  } finally {
    if (sim) await sim.stop()
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
