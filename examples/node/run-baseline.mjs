// Run a standards baseline in report mode and print one JSON line per tenant.
//
//   node run-baseline.mjs [TEMPLATE.json] [REPORT.html]
//
// TEMPLATE.json is a CIPP standards template (or an export holding several); without one a
// small built-in baseline is used. Report mode only reads: nothing is written to any tenant.
// Uses the CIPP_* environment variables when set, otherwise starts the offline simulator.
import fs from 'node:fs'
import cipp from 'cipp'

const { Client, Sim } = cipp

const BASELINE = {
  GUID: 'example-baseline',
  templateName: 'Example baseline',
  tenantFilter: [{ label: 'All tenants', value: 'AllTenants' }],
  standards: {
    DisableSMS: { action: ['Report'] },
    AuditLog: { action: ['Report'] },
    EXOOutboundSpamLimits: { action: ['Report'] }
  }
}

const [templateFile, htmlFile] = process.argv.slice(2)
const template = templateFile ? JSON.parse(fs.readFileSync(templateFile, 'utf8')) : BASELINE

let sim = null
let client
if (process.env.CIPP_APPLICATION_ID) {
  client = Client.fromEnv()
} else {
  sim = await Sim.start()
  client = sim.client()
}
try {
  const report = await client.standards.run(template, { mode: 'report' })
  for (const t of report.tenants) {
    const drifted = t.results.filter((r) => r.state === 'drifted').map((r) => r.standard)
    console.log(JSON.stringify({ tenant: t.tenant, alignment: t.summary.alignment, drifted, error: t.error ?? null }))
  }
  if (htmlFile) fs.writeFileSync(htmlFile, report.toHtml())
} finally {
  if (sim) await sim.stop()
}
