'use strict'
// What every Node job shares: the environment, a token from the simulator, peak RSS.

const { readFileSync } = require('node:fs')

const ENV = JSON.parse(process.env.BENCH_ENV)

/** `VmHWM` (peak) or `VmRSS` (current) of this process, in KiB. */
function rssKib (field) {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find(l => l.startsWith(field + ':'))
  return line ? Number(line.split(/\s+/)[1]) : 0
}

/** A delegated Graph token for the customer tenant, by the refresh-token grant (GDAP). */
async function graphToken () {
  const reply = await fetch(`${ENV.endpoints.login}/${ENV.tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      client_id: ENV.app,
      client_secret: ENV.secret,
      grant_type: 'refresh_token',
      refresh_token: ENV.refresh,
      scope: 'https://graph.microsoft.com/.default'
    })
  })
  if (!reply.ok) throw new Error(`token endpoint answered ${reply.status}: ${await reply.text()}`)
  return (await reply.json()).access_token
}

/** Print the job's figures as one JSON line; fail loudly on a wrong count. */
function finish (items, seconds, rssBeforeKib) {
  console.log(JSON.stringify({ items, seconds, rss_before_kib: rssBeforeKib, peak_rss_kib: rssKib('VmHWM') }))
  if (items !== ENV.expected) {
    console.error(`saw ${items} users, the simulator holds ${ENV.expected}`)
    process.exitCode = 1
  }
}

module.exports = { ENV, rssKib, graphToken, finish }
