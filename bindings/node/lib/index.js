'use strict'
// The public face of the native module: errors become CippError subclasses with `code`,
// `status` and `tenant`; pagers become async iterators; everything else passes through.

// napi-rs's generated native.js reads NAPI_RS_NATIVE_LIBRARY_PATH but drops what it loads
// (@napi-rs/cli 3.1.5: the branch assigns instead of returning, and the result is then
// overwritten), so the variable is honoured here instead: it points at a `.node` file built
// elsewhere (a release build, another target) to use in place of the package's own.
const native = process.env.NAPI_RS_NATIVE_LIBRARY_PATH
  ? require(process.env.NAPI_RS_NATIVE_LIBRARY_PATH)
  : require('../native.js')

class CippError extends Error {
  constructor (message, info = {}) {
    super(message)
    this.name = new.target.name
    this.status = info.status ?? null
    this.code = info.code ?? null
    this.tenant = info.tenant ?? null
    this.hint = info.hint ?? null
    this.requestId = info.requestId ?? null
    this.field = info.field ?? null
    this.path = info.path ?? null
  }
}
class AuthError extends CippError {}
class HttpError extends CippError {}
class ThrottledError extends HttpError {}
class NotFoundError extends HttpError {}
class CmdletError extends HttpError {
  constructor (message, info = {}) {
    super(message, info)
    this.cmdlet = info.cmdlet ?? null
    this.exceptionType = info.exceptionType ?? null
    this.exchangeCode = info.exchangeCode ?? null
    this.target = info.target ?? null
    this.detail = info.detail ?? null
  }
}
class InvalidInputError extends CippError {}
class TransportError extends CippError {}
class DecodeError extends CippError {}

const classes = { CippError, AuthError, HttpError, ThrottledError, NotFoundError, CmdletError, InvalidInputError, TransportError, DecodeError }
const MARK = 'CIPP_ERROR:'

function translate (err) {
  const text = err && typeof err.message === 'string' ? err.message : ''
  const at = text.indexOf(MARK)
  if (at < 0) return err
  let info
  try {
    info = JSON.parse(text.slice(at + MARK.length))
  } catch {
    return err
  }
  const Cls = classes[info.kind] || CippError
  const e = new Cls(info.message, info)
  e.cause = err
  return e
}

async function call (fn) {
  try {
    return await fn()
  } catch (e) {
    throw translate(e)
  }
}

function sync (fn) {
  try {
    return fn()
  } catch (e) {
    throw translate(e)
  }
}

// Graph results cross from Rust as JSON text and are parsed here: V8's JSON.parse builds
// objects much faster than N-API can, one call per property (see BENCHMARKS.md).
const parse = text => (text === null || text === undefined ? null : JSON.parse(text))

const DONE = Object.freeze({ value: undefined, done: true })

// The async iterator of `graph.iter`: items are served from the current page without a
// generator step each (an async generator's per-item bookkeeping cost a quarter of the listing
// time); a page is fetched only when the previous one is used up, and calls made before a
// fetch completes wait for it in order.
class Items {
  // `open` makes the native pager on the first `next()`, so bad options reject there, as
  // they did from the async generator this replaces.
  constructor (open) {
    this._open = open
    this._pager = undefined
    this._page = []
    this._at = 0
    this._fetching = null
  }

  [Symbol.asyncIterator] () { return this }

  next () {
    if (this._fetching) return this._fetching.then(() => this.next())
    if (this._at < this._page.length) return Promise.resolve({ value: this._page[this._at++], done: false })
    if (this._pager === null) return Promise.resolve(DONE)
    this._fetching = call(() => {
      if (this._pager === undefined) this._pager = this._open()
      return this._pager.nextPageJson()
    }).then(
      (text) => {
        this._fetching = null
        this._at = 0
        if (text === null) {
          this._pager = null
          this._page = []
        } else {
          this._page = JSON.parse(text)
        }
      },
      (e) => {
        this._fetching = null
        this._pager = null
        this._page = []
        throw e
      })
    return this._fetching.then(() => this.next())
  }

  return (value) {
    this._pager = null
    this._page = []
    return Promise.resolve({ value, done: true })
  }

  throw (e) {
    this.return()
    return Promise.reject(e)
  }
}

class Graph {
  constructor (inner) { this._n = inner }
  get beta () { return new Graph(this._n.beta) }
  get appOnly () { return new Graph(this._n.appOnly) }
  async get (path, options) { return parse(await call(() => this._n.getJson(path, options))) }
  async getAll (path, options) {
    const pager = sync(() => this._n.pager(path, options))
    const all = []
    for (;;) {
      const page = parse(await call(() => pager.nextPageJson()))
      if (page === null) return all
      for (let i = 0; i < page.length; i++) all.push(page[i])
    }
  }

  iter (path, options) { return new Items(() => this._n.pager(path, options)) }

  post (path, body) { return call(() => this._n.post(path, body)) }
  patch (path, body) { return call(() => this._n.patch(path, body)) }
  put (path, body) { return call(() => this._n.put(path, body)) }
  delete (path) { return call(() => this._n.delete(path)) }
  async batch (requests) { return parse(await call(() => this._n.batchJson(requests))) }
}

class Tenant {
  constructor (inner) { this._n = inner }
  get id () { return this._n.id }
  get graph () { return new Graph(this._n.graph) }
  get exchange () { return new Exchange(this._n.exchange) }
  get teams () { return new Teams(this._n.teams) }
  get sharepoint () { return new SharePoint(this._n.sharepoint) }
  get templates () { return new Templates(this._n.templates) }
  guid () { return call(() => this._n.guid()) }
  health () { return call(() => this._n.health()) }
  get bec () { return new Bec(this._n.bec) }
  get users () { return new Users(this._n.users) }
  get offboarding () { return new Offboarding(this._n.offboarding) }
}

class Users {
  constructor (inner) { this._n = inner }
  get (user) { return call(() => this._n.get(user)) }
  create (options) { return call(() => this._n.create(options)) }
  blockSignIn (user) { return call(() => this._n.blockSignIn(user)) }
  unblockSignIn (user) { return call(() => this._n.unblockSignIn(user)) }
  revokeSessions (user) { return call(() => this._n.revokeSessions(user)) }
  resetPassword (user, options) { return call(() => this._n.resetPassword(user, options)) }
  removeMfaMethods (user, options = {}) { return call(() => this._n.removeMfaMethods(user, options.methodId)) }
  createTap (user, options) { return call(() => this._n.createTap(user, options)) }
  setLicences (user, options = {}) { return call(() => this._n.setLicences(user, options.add, options.remove, options.catalogue)) }
  convertMailbox (user, kind) { return call(() => this._n.convertMailbox(user, kind)) }
  setForwarding (user, options) { return call(() => this._n.setForwarding(user, options)) }
  delete (user, options = {}) { return call(() => this._n.delete(user, options.confirm)) }
  deleted () { return call(() => this._n.deleted()) }
  restore (id) { return call(() => this._n.restore(id)) }
  purgeDeleted (id, options = {}) { return call(() => this._n.purgeDeleted(id, options.confirm)) }
  edit (user, options) { return call(() => this._n.edit(user, options)) }
  changeUpn (user, options = {}) { return call(() => this._n.changeUpn(user, options.username, options.domain)) }
  manager (user) { return call(() => this._n.manager(user)) }
  setManager (user, manager) { return call(() => this._n.setManager(user, manager)) }
  removeManager (user) { return call(() => this._n.removeManager(user)) }
  removeAllLicences (user) { return call(() => this._n.removeAllLicences(user)) }
  mailbox (user) { return call(() => this._n.mailbox(user)) }
  editAliases (user, options) { return call(() => this._n.editAliases(user, options)) }
  setOutOfOffice (user, options) { return call(() => this._n.setOutOfOffice(user, options)) }
  outOfOffice (user) { return call(() => this._n.outOfOffice(user)) }
  grantMailboxRight (mailbox, delegate, right, options = {}) { return call(() => this._n.grantMailboxRight(mailbox, delegate, right, options.automap)) }
  revokeMailboxRight (mailbox, delegate, right) { return call(() => this._n.revokeMailboxRight(mailbox, delegate, right)) }
  mailboxPermissions (mailbox) { return call(() => this._n.mailboxPermissions(mailbox)) }
  hideFromAddressLists (user, options = {}) { return call(() => this._n.hideFromAddressLists(user, options.hidden)) }
  editGroups (user, options) { return call(() => this._n.editGroups(user, options)) }
  grantOnedriveAccess (user, people) { return call(() => this._n.grantOnedriveAccess(user, people)) }
  revokeOnedriveAccess (user, people) { return call(() => this._n.revokeOnedriveAccess(user, people)) }
  disableOnedriveSharing (user) { return call(() => this._n.disableOnedriveSharing(user)) }
}

class Offboarding {
  constructor (inner) { this._n = inner }
  plan (user, options) { return sync(() => this._n.plan(user, options)) }
  run (user, options) { return call(() => this._n.run(user, options)) }
}

class Bec {
  constructor (inner) { this._n = inner }
  research (user, options) { return call(() => this._n.research(user, options)) }
  plan (user, options) { return call(() => this._n.plan(user, options)) }
  remediate (user, options) { return call(() => this._n.remediate(user, options)) }
}

class Templates {
  constructor (inner) { this._n = inner }
  deploy (template, options) { return call(() => this._n.deploy(template, options)) }
  compare (template, options) { return call(() => this._n.compare(template, options)) }
  capture (kind, id) { return call(() => this._n.capture(kind, id)) }
  assign (template, to) { return call(() => this._n.assign(template, to ?? {})) }
}

class Teams {
  constructor (inner) { this._n = inner }
  list (kind) { return call(() => this._n.list(kind)) }
  get (kind, identity) { return call(() => this._n.get(kind, identity)) }
  set (kind, changes, identity) { return call(() => this._n.set(kind, changes, identity)) }
  delete (kind, identity) { return call(() => this._n.delete(kind, identity)) }
}

class SharePoint {
  constructor (inner) { this._n = inner }
  name () { return call(() => this._n.name()) }
  tenantSettings () { return call(() => this._n.tenantSettings()) }
  setTenantSettings (changes) { return call(() => this._n.setTenantSettings(changes)) }
  storageQuota () { return call(() => this._n.storageQuota()) }
}

class Exchange {
  constructor (inner) { this._n = inner }
  get compliance () { return new Exchange(this._n.compliance) }
  async invoke (cmdlet, parameters, options) { return parse(await call(() => this._n.invokeJson(cmdlet, parameters, options))) }
  async invokeOutput (cmdlet, parameters, options) { return parse(await call(() => this._n.invokeOutputJson(cmdlet, parameters, options))) }
  bulk (operations) { return call(() => this._n.bulk(operations)) }
  async mailboxes () { return parse(await call(() => this._n.mailboxesJson())) }
  inboxRules (mailbox) { return call(() => this._n.inboxRules(mailbox)) }
  organizationConfig () { return call(() => this._n.organizationConfig()) }
  availableCmdlets () { return call(() => this._n.availableCmdlets()) }
}

class Gdap {
  constructor (inner) { this._n = inner }
  relationships (options = {}) { return call(() => this._n.relationships(options.all ?? false)) }
  relationship (id) { return call(() => this._n.relationship(id)) }
  createInvite (options) { return call(() => this._n.createInvite(options)) }
  enableAutoExtend (id) { return call(() => this._n.enableAutoExtend(id)) }
  removeGlobalAdministrator (id) { return call(() => this._n.removeGlobalAdministrator(id)) }
  terminate (id) { return call(() => this._n.terminate(id)) }
  health () { return call(() => this._n.health()) }
  tenantAccess (tenant) { return call(() => this._n.tenantAccess(tenant)) }
  samCheck (manifest, options = {}) { return call(() => this._n.samCheck(manifest, options.repair ?? false)) }
  refreshCpv (tenant, manifest) { return call(() => this._n.refreshCpv(tenant, manifest)) }
  customers () { return call(() => this._n.customers()) }
  addApplicationConsent (customer, options = {}) { return call(() => this._n.addApplicationConsent(customer, options.applicationId)) }
}

class KeyVault {
  constructor (inner) { this._n = inner }
  get name () { return this._n.name }
  getSecret (name, options = {}) { return call(() => this._n.getSecret(name, options.version)) }
  setSecret (name, value) { return call(() => this._n.setSecret(name, value)) }
  listSecrets () { return call(() => this._n.listSecrets()) }
  deleteSecret (name) { return call(() => this._n.deleteSecret(name)) }
  recoverSecret (name) { return call(() => this._n.recoverSecret(name)) }
}

class Standards {
  constructor (inner) { this._n = inner }
  catalogue (options = {}) { return sync(() => this._n.catalogue(options.definitions)) }
  run (templates, options) { return call(() => this._n.run(templates, options)) }
  plan (templates, options = {}) { return call(() => this._n.run(templates, { ...options, mode: 'report' })) }
}

class Alerts {
  constructor (inner) { this._n = inner }
  catalogue () { return sync(() => this._n.catalogue()) }
  run (config, options) {
    const standards = options?.standards
    const o = standards && typeof standards.toJSON === 'function' ? { ...options, standards: standards.toJSON() } : options
    return call(() => this._n.run(config ?? null, o))
  }

  snooze (store, rule, tenant, hash, options) { return sync(() => this._n.snooze(store, rule, tenant, hash, options)) }
  snoozes (store, options = {}) { return sync(() => this._n.snoozes(store, options.tenant)) }
}

class Scheduler {
  constructor (inner) { this._n = inner }
  get runnerId () { return this._n.runnerId }
  add (task) { return sync(() => this._n.add(task)) }
  addFollowUp (followUp) { return sync(() => this._n.addFollowUp(followUp)) }
  list () { return sync(() => this._n.list()) }
  get (id) { return sync(() => this._n.get(id)) }
  remove (id) { return sync(() => this._n.remove(id)) }
  history (id, limit) { return sync(() => this._n.history(id, limit)) }
  runDue (now) { return call(() => this._n.runDue(now)) }
  runNow (id) { return call(() => this._n.runNow(id)) }
}

class Client {
  constructor (options) {
    this._n = options instanceof native.Client ? options : sync(() => new native.Client(options))
  }

  static fromEnv () { return new Client(sync(() => native.Client.fromEnv())) }
  tenant (tenant) { return new Tenant(this._n.tenant(tenant)) }
  partner () { return new Tenant(this._n.partner()) }
  tenants () { return call(() => this._n.tenants()) }
  managedTenant (name) { return call(() => this._n.managedTenant(name)) }
  collect (tenant, types) { return call(() => this._n.collect(tenant, types)) }
  get gdap () { return new Gdap(this._n.gdap) }
  get alerts () { return new Alerts(this._n.alerts) }
  scheduler (store, options) { return new Scheduler(sync(() => this._n.scheduler(store, options))) }
  get standards () { return new Standards(this._n.standards) }
  keyVault (name) { return new KeyVault(sync(() => this._n.keyVault(name))) }
}

class Sim {
  constructor (inner) { this._n = inner }
  static async start (options) { return new Sim(await call(() => native.startSim(options))) }
  get baseUrl () { return this._n.baseUrl }
  client () { return new Client(sync(() => this._n.client())) }
  credentials () { return this._n.credentials() }
  tenants () { return call(() => this._n.tenants()) }
  stats () { return call(() => this._n.stats()) }
  clearRequests () { return call(() => this._n.clearRequests()) }
  approveRelationship (relationship, customer) { return call(() => this._n.approveRelationship(relationship, customer)) }
  exchangeObjects (tenant, noun, options = {}) { return call(() => this._n.exchangeObjects(tenant, noun, options.compliance ?? false)) }
  generateMailboxes (tenant, count) { return call(() => this._n.generateMailboxes(tenant, count)) }
  teamsConfigurations (tenant, kind) { return call(() => this._n.teamsConfigurations(tenant, kind)) }
  sharepointSettings (tenant) { return call(() => this._n.sharepointSettings(tenant)) }
  sharepointSite (tenant, url) { return call(() => this._n.sharepointSite(tenant, url)) }
  addFault (rule) { return call(() => this._n.addFault(rule)) }
  expireTokens () { return call(() => this._n.expireTokens()) }
  stop () { return call(() => this._n.stop()) }
}

module.exports = { Client, Tenant, Graph, Exchange, Teams, SharePoint, Gdap, KeyVault, Standards, Templates, Sim, ...classes }
