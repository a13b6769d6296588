// List every user of every managed tenant. Uses the CIPP_* environment variables when set,
// otherwise starts the offline simulator. Prints one JSON line per tenant.
import cipp from 'cipp'

const { Client, Sim } = cipp

let sim = null
let client
if (process.env.CIPP_APPLICATION_ID) {
  client = Client.fromEnv()
} else {
  sim = await Sim.start()
  client = sim.client()
}
try {
  for (const tenant of await client.tenants()) {
    const graph = client.tenant(tenant.customer_id).graph
    let users = 0
    let disabled = 0
    for await (const u of graph.iter('users', { select: ['id', 'accountEnabled'], top: 999 })) {
      users++
      if (u.accountEnabled === false) disabled++
    }
    console.log(JSON.stringify({ tenant: tenant.display_name, domain: tenant.default_domain_name, users, disabled }))
  }
} finally {
  if (sim) await sim.stop()
}
