'use strict'
// @microsoft/microsoft-graph-client (Node): `client.api('/users').select(...).top(999).get()`,
// then the nextLinks, on Node's global fetch.
//
// Two things keep the stock client from talking to a plain-http simulator, and both are
// worked around through the client's public API rather than patched:
// - its AuthenticationHandler adds the bearer token only to https:// Graph (or custom) hosts
//   and strips any Authorization header from other URLs, so the default middleware chain is
//   rebuilt (`initWithMiddleware`) with a small handler that sets the simulator's token in its
//   place, followed by the stock retry, redirect, telemetry and fetch handlers;
// - `client.api(url)` only recognises absolute https:// URLs, so an http:// nextLink is
//   passed as the path relative to the Graph base (PageIterator would pass it absolute and
//   break, hence the manual loop).

const {
  Client, RetryHandler, RetryHandlerOptions, RedirectHandler, RedirectHandlerOptions,
  TelemetryHandler, HTTPMessageHandler
} = require('@microsoft/microsoft-graph-client')
const { ENV, rssKib, graphToken, finish } = require('./common.js')

/** Sets the bearer token on every request, whatever its scheme (the simulator is http). */
class SimBearer {
  constructor (token) { this.auth = `Bearer ${token}` }
  setNext (next) { this.next = next }
  async execute (context) {
    context.options = context.options ?? {}
    const headers = context.options.headers ?? {}
    if (headers instanceof Headers) headers.set('Authorization', this.auth)
    else headers.Authorization = this.auth
    context.options.headers = headers
    return this.next.execute(context)
  }
}

async function main () {
  const token = await graphToken()
  const client = Client.initWithMiddleware({
    baseUrl: ENV.endpoints.graph,
    defaultVersion: 'v1.0',
    middleware: [
      new SimBearer(token),
      new RetryHandler(new RetryHandlerOptions()),
      new RedirectHandler(new RedirectHandlerOptions()),
      new TelemetryHandler(),
      new HTTPMessageHandler()
    ]
  })
  const prefix = `${ENV.endpoints.graph}/v1.0/`
  const relative = link => {
    if (!link.startsWith(prefix)) throw new Error(`nextLink outside the Graph base: ${link}`)
    return link.slice(prefix.length)
  }
  // Warm the connection before measuring, like the cipp jobs.
  await client.api('/organization').get()
  const rssBefore = rssKib('VmRSS')
  const started = process.hrtime.bigint()
  let count = 0
  let page = await client.api('/users').select(ENV.select).top(ENV.top).get()
  for (;;) {
    count += (page.value ?? []).length
    const next = page['@odata.nextLink']
    if (!next) break
    page = await client.api(relative(next)).get()
  }
  finish(count, Number(process.hrtime.bigint() - started) / 1e9, rssBefore)
}

main().catch(e => { console.error(e); process.exitCode = 1 })
