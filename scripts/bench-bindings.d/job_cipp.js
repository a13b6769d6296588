'use strict'
// cipp (Node): `for await` over `graph.iter('users', { select, top: 999 })`, counting items.
// The package is the worktree's bindings/node (ENV.node_package); the orchestrator sets
// NAPI_RS_NATIVE_LIBRARY_PATH to the release-built native module, which lib/index.js loads.

const path = require('node:path')
const { ENV, rssKib, finish } = require('./common.js')
const { Client } = require(path.join(ENV.node_package, 'lib/index.js'))

async function main () {
  const client = new Client({
    applicationId: ENV.app,
    applicationSecret: ENV.secret,
    refreshToken: ENV.refresh,
    tenantId: ENV.partner,
    endpoints: ENV.endpoints
  })
  const graph = client.tenant(ENV.tenant).graph
  // Sign in before measuring, as the Rust figures do.
  await graph.get('organization')
  const rssBefore = rssKib('VmRSS')
  const started = process.hrtime.bigint()
  let count = 0
  for await (const _user of graph.iter('users', { select: ENV.select, top: ENV.top })) count++ // eslint-disable-line no-unused-vars
  finish(count, Number(process.hrtime.bigint() - started) / 1e9, rssBefore)
}

main().catch(e => { console.error(e); process.exitCode = 1 })
