'use strict'
// lib/index.d.ts declares exactly the members the classes of lib/index.js have.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const cipp = require('..')

/** `{ instance: Set, statics: Set }` of each `export declare class` in the d.ts. */
function declared () {
  const text = fs.readFileSync(path.join(__dirname, '..', 'lib', 'index.d.ts'), 'utf8')
  const classes = {}
  for (const m of text.matchAll(/^export declare class (\w+)[^{]*\{\n([\s\S]*?)^\}/gm)) {
    const instance = new Set()
    const statics = new Set()
    for (const line of m[2].split('\n')) {
      const member = /^ {2}(static )?(?:readonly )?(?:get )?([A-Za-z_]\w*)\s*[(:<?]/.exec(line)
      if (member) (member[1] ? statics : instance).add(member[2])
    }
    instance.delete('constructor')
    classes[m[1]] = { instance, statics }
  }
  return classes
}

const own = (o) => new Set(Object.getOwnPropertyNames(o).filter((n) => !n.startsWith('_')))

test('every wrapper class matches its declaration', async () => {
  const sim = await cipp.Sim.start()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cipp-types-'))
  try {
    const client = sim.client()
    const tenant = client.tenant('alpha.onmicrosoft.com')
    const instances = {
      Client: client,
      Sim: sim,
      Tenant: tenant,
      Graph: tenant.graph,
      Users: tenant.users,
      Offboarding: tenant.offboarding,
      Bec: tenant.bec,
      Templates: tenant.templates,
      Teams: tenant.teams,
      SharePoint: tenant.sharepoint,
      Exchange: tenant.exchange,
      Gdap: client.gdap,
      KeyVault: client.keyVault('vault'),
      Standards: client.standards,
      Alerts: client.alerts,
      Scheduler: client.scheduler(path.join(dir, 'tasks.db'))
    }
    const types = declared()
    for (const [name, obj] of Object.entries(instances)) {
      assert.ok(types[name], `${name} is declared`)
      const proto = Object.getPrototypeOf(obj)
      const actual = own(proto)
      actual.delete('constructor')
      assert.deepEqual([...actual].sort(), [...types[name].instance].sort(), `${name}'s members`)
      const statics = own(proto.constructor)
      for (const builtin of ['length', 'name', 'prototype']) statics.delete(builtin)
      assert.deepEqual([...statics].sort(), [...types[name].statics].sort(), `${name}'s static members`)
    }
  } finally {
    await sim.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
