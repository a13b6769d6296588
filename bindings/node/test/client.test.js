'use strict'
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')

const cipp = require('..')
const { Client, Sim, CippError, HttpError, NotFoundError, AuthError, InvalidInputError } = cipp

const ALPHA = 'alpha.onmicrosoft.com'
let sim
let client

before(async () => {
  sim = await Sim.start({ users: 250 })
  client = sim.client()
})

after(async () => {
  await sim.stop()
})

test('tenants are the active GDAP customers, sorted by name', async () => {
  const tenants = await client.tenants()
  const names = tenants.map(t => t.display_name)
  assert.deepEqual(names, [...names].sort((a, b) => a.localeCompare(b)))
  const ids = (await sim.tenants()).map(t => t.id).sort()
  assert.deepEqual(tenants.map(t => t.customer_id).sort(), ids)
})

test('get, getAll and for-await iteration agree', async () => {
  const g = client.tenant(ALPHA).graph
  const org = await g.get('organization')
  assert.equal(org.value[0].displayName, 'Alpha Dental')
  const all = await g.getAll('users', { select: ['id', 'userPrincipalName'], top: 100 })
  assert.ok(all.length > 250)
  assert.equal(all[0].displayName, undefined)
  await sim.clearRequests()
  const seen = []
  for await (const u of g.iter('users', { select: ['id'], top: 100 })) {
    seen.push(u.id)
    if (seen.length === 1) {
      assert.equal((await sim.stats()).graph_requests, 1, 'lazy: one page fetched so far')
    }
  }
  assert.deepEqual(new Set(seen), new Set(all.map(u => u.id)))
  const page = await g.get('users', { count: true, top: 1 })
  assert.ok(page['@odata.count'] > 250)
})

test('iter: early exit, calls made before a page arrives, typed errors', async () => {
  const g = client.tenant(ALPHA).graph
  const all = await g.getAll('users', { select: ['id'], top: 7 })
  const it = g.iter('users', { select: ['id'], top: 7 })
  const [a, b, c] = await Promise.all([it.next(), it.next(), it.next()])
  assert.deepEqual([a, b, c].map((r) => r.value.id), all.slice(0, 3).map((u) => u.id))
  const seen = []
  for await (const u of it) {
    seen.push(u.id)
    if (seen.length === 10) break
  }
  assert.deepEqual(seen, all.slice(3, 13).map((u) => u.id), 'pages 1-2 continue where next() left off')
  assert.deepEqual(await it.next(), { value: undefined, done: true }, 'break ends the iterator')
  const bad = g.iter('nosuchcollection')
  await assert.rejects(bad.next(), (e) => e instanceof HttpError && e.status === 400)
  assert.deepEqual(await bad.next(), { value: undefined, done: true })
  const wrong = g.iter('users', { top: 'ten' })
  await assert.rejects(wrong.next(), /top/, 'bad options reject on the first next(), not at iter()')
})

test('writes round trip and errors are typed', async () => {
  const g = client.tenant('bravo.onmicrosoft.com').graph
  const created = await g.post('groups', { displayName: 'From Node', mailEnabled: false, securityEnabled: true, mailNickname: 'node' })
  assert.equal(await g.patch(`groups/${created.id}`, { description: 'x' }), null)
  assert.equal((await g.get(`groups/${created.id}`)).description, 'x')
  await g.put(`groups/${created.id}`, { displayName: 'Replaced' })
  await g.delete(`groups/${created.id}`)
  await assert.rejects(g.get(`groups/${created.id}`), (e) => {
    assert.ok(e instanceof NotFoundError && e instanceof HttpError && e instanceof CippError)
    assert.equal(e.status, 404)
    assert.equal(e.code, 'Request_ResourceNotFound')
    assert.equal(e.tenant, 'bravo.onmicrosoft.com')
    return true
  })
})

test('batch returns every answer in request order in ceil(n/20) round trips', async () => {
  const g = client.tenant(ALPHA).graph
  await sim.clearRequests()
  const reqs = Array.from({ length: 45 }, (_, i) => ({ id: String(i), method: 'GET', url: '/organization' }))
  reqs.push({ id: 'missing', method: 'GET', url: '/users/nobody' })
  const out = await g.batch(reqs)
  assert.deepEqual(out.map(r => r.id), reqs.map(r => r.id))
  assert.equal(out[45].status, 404)
  assert.equal((await sim.stats()).batch_requests, 3)
})

test('throttling is survived', async () => {
  await sim.addFault({ status: 429, pathContains: '/domains', retryAfter: 1, times: 1 })
  const started = Date.now()
  assert.ok((await client.tenant(ALPHA).graph.getAll('domains')).length > 0)
  assert.ok(Date.now() - started >= 1000)
})

test('a wrong secret is an AuthError with the AADSTS code; bad options are InvalidInputError', async () => {
  const c = sim.credentials()
  const bad = new Client({
    applicationId: c.application_id,
    applicationSecret: 'Wr0ng+S3cret!',
    refreshToken: c.refresh_token,
    tenantId: c.partner_tenant_id,
    endpoints: { login: sim.baseUrl + '/login', graph: sim.baseUrl + '/graph' }
  })
  await assert.rejects(bad.tenant(ALPHA).graph.get('organization'), (e) => {
    assert.ok(e instanceof AuthError)
    assert.equal(e.code, 'AADSTS7000215')
    assert.ok(!e.message.includes('Wr0ng'))
    return true
  })
  assert.throws(() => new Client({ applicationId: 'x', tenantId: 't', cloud: 'mars' }), (e) => {
    assert.ok(e instanceof InvalidInputError)
    assert.equal(e.field, 'CIPP_CLOUD')
    return true
  })
  await assert.rejects(client.tenant(ALPHA).graph.batch([{ id: 'a' }]), InvalidInputError)
})

test('Client.fromEnv and the partner tenant', async () => {
  const c = sim.credentials()
  Object.assign(process.env, {
    CIPP_APPLICATION_ID: c.application_id,
    CIPP_APPLICATION_SECRET: c.application_secret,
    CIPP_REFRESH_TOKEN: c.refresh_token,
    CIPP_TENANT_ID: c.partner_tenant_id,
    CIPP_LOGIN_URL: sim.baseUrl + '/login',
    CIPP_GRAPH_URL: sim.baseUrl + '/graph'
  })
  const fromEnv = Client.fromEnv()
  assert.equal(await fromEnv.partner().guid(), c.partner_tenant_id)
})

test('beta, appOnly and renewal after expired tokens', async () => {
  const g = client.tenant(ALPHA).graph
  const v1 = await g.get('organization')
  const beta = await g.beta.get('organization')
  assert.equal(beta.value[0].id, v1.value[0].id)
  assert.ok((await g.appOnly.getAll('domains')).length > 0)
  const before = (await sim.stats()).token_requests
  await sim.expireTokens()
  await g.get('organization')
  assert.equal((await sim.stats()).token_requests, before + 1)
})

test('the process exits promptly after the last call', () => {
  const script = `
    const { Sim } = require(${JSON.stringify(path.join(__dirname, '..'))});
    (async () => {
      const sim = await Sim.start();
      const orgs = await sim.client().tenant('alpha.onmicrosoft.com').graph.get('organization');
      console.log(orgs.value.length);
    })();`
  const started = Date.now()
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20000 })
  assert.equal(r.status, 0, r.stderr)
  assert.equal(r.stdout.trim(), '1')
  assert.ok(Date.now() - started < 10000, 'no lingering handles keep node alive')
})

test('tenant health reports roles, services and properties', async () => {
  const h = await client.tenant(ALPHA).health()
  assert.equal(h.relationship.count, 1)
  assert.deepEqual(h.services.map((s) => s.service).sort(), ['exchange', 'graph', 'sharepoint', 'teams'])
  assert.ok(h.services.every((s) => s.ok), JSON.stringify(h.services))
  assert.ok(h.properties.verifiedDomains.includes(ALPHA))
  assert.equal(h.healthy, false)
  assert.equal(h.issues[0].severity, 'error')
  const unknown = await client.tenant('unknown.example').health()
  assert.equal(unknown.tenant_id, null)
  assert.ok(unknown.issues.some((i) => i.area === 'directory'))
})

test('NAPI_RS_NATIVE_LIBRARY_PATH loads the native module from elsewhere', () => {
  const fs = require('node:fs')
  const os = require('node:os')
  const built = fs.readdirSync(path.join(__dirname, '..')).find((f) => f.endsWith('.node'))
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cipp-native-'))
  try {
    const elsewhere = path.join(dir, 'elsewhere.node')
    fs.copyFileSync(path.join(__dirname, '..', built), elsewhere)
    const script = `
      const { Sim } = require(${JSON.stringify(path.join(__dirname, '..'))});
      (async () => {
        const sim = await Sim.start();
        const users = await sim.client().tenant('alpha.onmicrosoft.com').graph.getAll('users', { select: ['id'] });
        await sim.stop();
        const loaded = Object.keys(require.cache).filter((f) => f.endsWith('.node'));
        console.log(JSON.stringify({ users: users.length, loaded }));
      })();`
    const run = (env) => spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20000, env: { ...process.env, ...env } })
    const r = run({ NAPI_RS_NATIVE_LIBRARY_PATH: elsewhere })
    assert.equal(r.status, 0, r.stderr)
    const out = JSON.parse(r.stdout)
    assert.ok(out.users > 0)
    assert.deepEqual(out.loaded, [elsewhere])
    const missing = run({ NAPI_RS_NATIVE_LIBRARY_PATH: path.join(dir, 'missing.node') })
    assert.notEqual(missing.status, 0)
    assert.match(missing.stderr, /missing\.node/)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
