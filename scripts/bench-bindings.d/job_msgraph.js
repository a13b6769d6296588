'use strict'
// @microsoft/microsoft-graph-client (Node): `client.api('/users').select(...).top(999).get()`,
// then the nextLinks, on Node's global fetch.
//
// Two things keep the stock client from talking to a plain-http simulator, and both are
// worked around here rather than patched:
// - its AuthenticationHandler adds the bearer token only to https:// Graph (or custom) hosts,
//   so the token the simulator issued is set as a request header instead;
// - `client.api(url)` only recognises absolute https:// URLs, so an http:// nextLink is
//   passed as the path relative to the Graph base (PageIterator would pass it absolute and
//   break, hence the manual loop).

const { Client } = require('@microsoft/microsoft-graph-client')
const { ENV, rssKib, graphToken, finish } = require('./common.js')

async function main () {
  const token = await graphToken()
  const auth = `Bearer ${token}`
  const client = Client.init({
    baseUrl: ENV.endpoints.graph,
    defaultVersion: 'v1.0',
    authProvider: done => done(null, token)
  })
  const prefix = `${ENV.endpoints.graph}/v1.0/`
  const relative = link => {
    if (!link.startsWith(prefix)) throw new Error(`nextLink outside the Graph base: ${link}`)
    return link.slice(prefix.length)
  }
  // Warm the connection before measuring, like the cipp jobs.
  await client.api('/organization').header('Authorization', auth).get()
  const rssBefore = rssKib('VmRSS')
  const started = process.hrtime.bigint()
  let count = 0
  let page = await client.api('/users').header('Authorization', auth).select(ENV.select).top(ENV.top).get()
  for (;;) {
    count += (page.value ?? []).length
    const next = page['@odata.nextLink']
    if (!next) break
    page = await client.api(relative(next)).header('Authorization', auth).get()
  }
  finish(count, Number(process.hrtime.bigint() - started) / 1e9, rssBefore)
}

main().catch(e => { console.error(e); process.exitCode = 1 })
