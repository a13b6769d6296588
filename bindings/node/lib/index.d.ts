// Types of the public wrapper. The native layer's generated types are in ../native.d.ts.
import type { ClientOptions, QueryOptions, SimOptions } from '../native'

export type { ClientOptions, QueryOptions, SimOptions }

export interface ErrorInfo {
  status?: number | null
  code?: string | null
  tenant?: string | null
  hint?: string | null
  requestId?: string | null
  field?: string | null
  path?: string | null
}

/** Base class of every error the SDK throws. */
export declare class CippError extends Error {
  constructor (message: string, info?: ErrorInfo)
  /** HTTP status, when the service answered. */
  status: number | null
  /** The service's error code (`Request_ResourceNotFound`, `AADSTS7000215`...). */
  code: string | null
  /** The tenant the operation was for. */
  tenant: string | null
  /** A plain-language explanation of well-known Microsoft errors. */
  hint: string | null
  requestId: string | null
  /** For InvalidInputError: the argument or setting that was wrong. */
  field: string | null
  /** For DecodeError: the JSON path that did not match. */
  path: string | null
}
export declare class AuthError extends CippError {}
export declare class HttpError extends CippError {}
export declare class ThrottledError extends HttpError {}
export declare class NotFoundError extends HttpError {}
export declare class CmdletError extends HttpError {
  /** The cmdlet, e.g. `Set-Mailbox`. */
  readonly cmdlet: string | null
  /** The full .NET exception type (`code` holds its last segment). */
  readonly exceptionType: string | null
  /** Exchange's `ExNNNNNN` code. */
  readonly exchangeCode: string | null
  /** The object the error is about. */
  readonly target: string | null
  /** The message without the code and type prefixes. */
  readonly detail: string | null
}
export declare class InvalidInputError extends CippError {}
export declare class TransportError extends CippError {}
export declare class DecodeError extends CippError {}

export interface BatchRequest {
  id: string
  method: string
  url: string
  body?: unknown
  headers?: Record<string, string>
  dependsOn?: string[]
}

export interface BatchResponse {
  id: string
  status: number
  headers: Record<string, string>
  body: any
}

export declare class Graph {
  readonly beta: Graph
  readonly appOnly: Graph
  get (path: string, options?: QueryOptions): Promise<any>
  getAll (path: string, options?: QueryOptions): Promise<any[]>
  iter (path: string, options?: QueryOptions): AsyncGenerator<any, void, undefined>
  post (path: string, body: unknown): Promise<any>
  patch (path: string, body: unknown): Promise<any>
  put (path: string, body: unknown): Promise<any>
  delete (path: string): Promise<void>
  batch (requests: BatchRequest[]): Promise<BatchResponse[]>
}

export declare class Tenant {
  readonly id: string
  readonly graph: Graph
  /** Exchange Online cmdlets (`.compliance` for Security & Compliance). */
  readonly exchange: Exchange
  /** Teams policies and configurations. */
  readonly teams: Teams
  /** SharePoint Online tenant administration. */
  readonly sharepoint: SharePoint
  /** Conditional Access, Intune, transport rule and group templates in this tenant. */
  readonly templates: Templates
  guid (): Promise<string>
  /** Directory entry and GDAP expiry, roles partner groups hold, one probe per service, issues (errors first). */
  health (): Promise<TenantHealth>
  /** Compromised-account research and remediation. */
  readonly bec: Bec
  /** User management. */
  readonly users: Users
  /** CIPP's offboarding. */
  readonly offboarding: Offboarding
}

export declare class Users {
  get (user: string): Promise<Record<string, any>>
  /** A generated password comes back once as `password`. */
  create (options: { displayName: string, username: string, domain: string, password?: string, givenName?: string, surname?: string, usageLocation?: string, jobTitle?: string, department?: string, mustChangePassword?: boolean, licences?: string[], extra?: Record<string, unknown> }): Promise<{ user: Record<string, any>, password?: string }>
  blockSignIn (user: string): Promise<StepOutcome>
  unblockSignIn (user: string): Promise<StepOutcome>
  revokeSessions (user: string): Promise<StepOutcome>
  /** The password is in the result only with `reveal: true`. */
  resetPassword (user: string, options?: { reveal?: boolean, forceChange?: boolean }): Promise<StepOutcome & { password?: string }>
  removeMfaMethods (user: string, options?: { methodId?: string }): Promise<StepOutcome>
  createTap (user: string, options?: { lifetimeMinutes?: number, usableOnce?: boolean, start?: string }): Promise<{ temporaryAccessPass: string, methodId: string, lifetimeInMinutes: number | null, startDateTime: string | null, isUsableOnce: boolean }>
  /**
   * Resolves to the SKU ids held afterwards. Licences are SKU part numbers or ids, or product
   * names when `catalogue` is the path of CIPP's `ConversionTable.csv`.
   */
  setLicences (user: string, options: { add?: string[], remove?: string[], catalogue?: string }): Promise<string[]>
  convertMailbox (user: string, kind: 'shared' | 'regular'): Promise<void>
  /** `to` (a mailbox in the tenant) or `external`; neither turns forwarding off. */
  setForwarding (user: string, options?: { to?: string, external?: string, keepCopy?: boolean }): Promise<void>
  /** Rejects with InvalidInputError unless `confirm: true`. */
  delete (user: string, options?: { confirm?: boolean }): Promise<void>
  deleted (): Promise<Array<Record<string, any>>>
  restore (id: string): Promise<Record<string, any>>
  /** Deletes a recycle-bin user for good, by id. Rejects with InvalidInputError unless `confirm: true`. */
  purgeDeleted (id: string, options?: { confirm?: boolean }): Promise<void>
  /**
   * Edits profile fields; a field left out or empty is left alone, fields named in `clear` are
   * cleared. Resolves to the Graph properties sent (none when nothing changed). Unknown option
   * keys are refused with InvalidInputError.
   */
  edit (user: string, options: UserEdit): Promise<string[]>
  /** Changes the sign-in name to `username@domain` (a verified domain); resolves to the new UPN. */
  changeUpn (user: string, options: { username: string, domain: string }): Promise<string>
  /** The user's manager, or null. */
  manager (user: string): Promise<Record<string, any> | null>
  setManager (user: string, manager: string): Promise<void>
  /** Nothing to do when no manager is set. */
  removeManager (user: string): Promise<void>
  /** Resolves to the SKU ids removed. */
  removeAllLicences (user: string): Promise<string[]>
  /** The mailbox as `Get-Mailbox` returns it. */
  mailbox (user: string): Promise<Record<string, any>>
  /** Resolves to the mailbox's addresses afterwards (`SMTP:` marks the primary). */
  editAliases (user: string, options: { add?: string[], remove?: string[], makePrimary?: string }): Promise<string[]>
  /** `internalMessage` is needed unless the state is `disabled`; `externalMessage` defaults to it. */
  setOutOfOffice (user: string, options: OutOfOffice): Promise<void>
  /** As Exchange reports it: `AutoReplyState`, `InternalMessage`, `ExternalMessage`, `StartTime`, `EndTime`, ... */
  outOfOffice (user: string): Promise<Record<string, any>>
  /** `automap` (FullAccess only) defaults to true. */
  grantMailboxRight (mailbox: string, delegate: string, right: MailboxRight, options?: { automap?: boolean }): Promise<void>
  revokeMailboxRight (mailbox: string, delegate: string, right: MailboxRight): Promise<void>
  /** Full Access grants on the mailbox (`Get-MailboxPermission`). */
  mailboxPermissions (mailbox: string): Promise<Array<Record<string, any>>>
  /** Hides the mailbox from the global address list; `{ hidden: false }` shows it again. */
  hideFromAddressLists (user: string, options?: { hidden?: boolean }): Promise<void>
  /**
   * Join groups (`addTo`), leave groups (`removeFrom`) and join every assigned group `copyFrom`
   * (a user) is in. Groups by id, display name or mail address; security and Microsoft 365
   * groups change through Graph, distribution lists through Exchange. One outcome per group
   * (`detail.group`, `detail.via`); a failing group does not stop the others.
   */
  editGroups (user: string, options: GroupMembershipEdit): Promise<StepOutcome[]>
  /** Makes `people` (UPNs) site collection administrators of the user's OneDrive; a user without a OneDrive is a warning. */
  grantOnedriveAccess (user: string, people: string[]): Promise<StepOutcome>
  /** Takes OneDrive administrator access away from `people`. */
  revokeOnedriveAccess (user: string, people: string[]): Promise<StepOutcome>
  /** Turns off external sharing of the user's OneDrive. */
  disableOnedriveSharing (user: string): Promise<StepOutcome>
}

/** Options of `users.editGroups`; unknown keys are refused. */
export interface GroupMembershipEdit {
  addTo?: string[]
  removeFrom?: string[]
  /** A user (UPN or id) whose assigned groups to join; dynamic groups are left out. */
  copyFrom?: string
}

/** Profile fields that `users.edit` can clear (Graph names). */
export type ClearableField = 'givenName' | 'surname' | 'department' | 'jobTitle' | 'mobilePhone' | 'streetAddress' | 'city' | 'state' | 'postalCode' | 'country' | 'companyName' | 'businessPhones' | 'otherMails'

/** Options of `users.edit` (CIPP's EditUser fields). */
export interface UserEdit {
  givenName?: string
  surname?: string
  displayName?: string
  department?: string
  jobTitle?: string
  mobilePhone?: string
  streetAddress?: string
  city?: string
  state?: string
  postalCode?: string
  country?: string
  companyName?: string
  /** Two-letter country code. */
  usageLocation?: string
  businessPhones?: string[]
  /** Each entry may hold several addresses, comma-separated. */
  otherMails?: string[]
  mustChangePassword?: boolean
  /** Fields to clear (sent as null, or [] for lists). */
  clear?: ClearableField[]
  /** Other Graph user properties, sent as given. */
  extra?: Record<string, unknown>
}

/** Options of `users.setOutOfOffice`. */
export interface OutOfOffice {
  state: 'enabled' | 'disabled' | 'scheduled'
  /** ISO 8601; with `scheduled`. */
  start?: string
  /** ISO 8601, after `start`; with `scheduled`. */
  end?: string
  internalMessage?: string
  externalMessage?: string
  /** Who outside gets the reply (default `all`). */
  externalAudience?: 'all' | 'known' | 'none'
}

export type MailboxRight = 'FullAccess' | 'SendAs' | 'SendOnBehalf'

/** OffboardOptions' fields in camelCase or snake_case (docs/actions.md). */
export type OffboardOptions = Record<string, boolean | number | string | string[] | undefined>

/**
 * Work an offboarding run handed over to run later (`licenceRemovalDelayMinutes`): a task for
 * the scheduler's `offboard` command; see `Scheduler.addFollowUp`.
 */
export interface FollowUp {
  name: string
  tenant: string
  /** Earliest run, Unix seconds. */
  notBefore: number
  command: 'offboard'
  parameters: { user: string, options: Record<string, unknown> }
}

export declare class Offboarding {
  /** The steps the options select, in CIPP's order; nothing is sent. */
  plan (user: string, options: OffboardOptions): { tenant: string, user: string, steps: Array<{ step: string, description: string, destructive: boolean }> }
  /** Runs the steps in order; each step's outcome is recorded and a failure does not stop the rest. */
  /** Steps deferred by `licenceRemovalDelayMinutes` are `scheduled`; `followUps` holds the task that runs them. */
  run (user: string, options: OffboardOptions): Promise<{ tenant: string, user: string, dryRun: boolean, steps: StepOutcome[], followUps?: FollowUp[] }>
}

export type BecStep = 'resetPassword' | 'disableSignIn' | 'revokeSessions' | 'removeMfaMethods' | 'disableInboxRules' | 'removeForwarding' | 'disableOneDriveSharing'

/** One step of a remediation (CIPP's `{resultText, state}` shape). */
export interface StepOutcome {
  step: string
  state: 'success' | 'warning' | 'error' | 'info' | 'planned' | 'skipped' | 'scheduled'
  resultText: string
  detail?: unknown
}

export interface RemediationReport {
  tenant: string
  user: { id: string, userPrincipalName: string, [key: string]: unknown }
  dryRun: boolean
  steps: StepOutcome[]
  markdown: string
}

/** One source of a BEC report: its data, or why there is none. */
export type BecSource<T> = { status: 'ok', data: T } | { status: 'failed', error: string, httpStatus?: number } | { status: 'unavailable', reason: string }

/** The research report (docs/bec.md): each source is `{status: 'ok', data}`, `{status: 'failed', error}` or unavailable. */
export interface BecReport {
  indicators: Array<{ severity: string, kind: string, source: string, summary: string }>
  /** Phones syncing the mailbox (`Get-MobileDevice`); one first synced in the window is a `newMobileDevice` indicator. */
  mobileDevices?: BecSource<Array<{ identity?: string, friendlyName?: string, deviceModel?: string, deviceOs?: string, clientType?: string, deviceAccessState?: string, firstSyncTime?: string, recentlyAdded: boolean }>>
  alarming: boolean
  markdown: string
  [source: string]: unknown
}

export declare class Bec {
  research (user: string, options?: { days?: number, asOf?: string }): Promise<BecReport>
  /** The steps that would run; nothing is written. */
  plan (user: string, options?: { skip?: Array<BecStep | string> }): Promise<RemediationReport>
  /** Runs the steps; rejects with InvalidInputError unless `confirm: true`. */
  remediate (user: string, options?: { skip?: Array<BecStep | string>, confirm?: boolean }): Promise<RemediationReport>
}

export interface TenantHealth {
  tenant: string
  tenant_id: string | null
  display_name: string | null
  default_domain: string | null
  groups: string[]
  relationship: { count: number, ends: string | null, days_left: number | null, auto_extend: boolean } | null
  access: { tenant: string, graph_ok: boolean, summary: string, roles: Array<{ role: string, role_id: string, required: boolean, groups: string[] }>, missing_required: string[], missing_optional: string[] } | null
  properties: { displayName?: string, countryLetterCode?: string, verifiedDomains?: string[], onPremisesSyncEnabled?: boolean | null, createdDateTime?: string } | null
  services: Array<{ service: 'graph' | 'exchange' | 'sharepoint' | 'teams', ok: boolean, detail: string }>
  issues: Array<{ severity: 'warning' | 'error', area: string, issue: string }>
  /** No issue is an error. */
  healthy: boolean
}

export interface ManagedTenant {
  customer_id: string
  display_name: string
  default_domain_name: string | null
  initial_domain_name: string | null
  relationship_end: string | null
  relationship_count: number
  has_auto_extend: boolean
  access: 'gdap' | 'partner'
  groups: string[]
  requires_refresh: boolean
}

/** A GDAP relationship as Graph returns it (camelCase, with `@odata.etag`). */
export interface Relationship {
  id: string
  displayName: string
  status: string
  duration?: string
  autoExtendDuration?: string
  customer?: { tenantId?: string, displayName?: string }
  accessDetails?: { unifiedRoles: Array<{ roleDefinitionId: string }> }
  endDateTime?: string
  [key: string]: any
}

export interface InviteOptions {
  /** Role template ids (default: the recommended set, never Global Administrator). */
  roles?: string[]
  name?: string
  /** At most 730. */
  days?: number
}

export interface GdapIssue {
  severity: 'warning' | 'error'
  issue: string
  tenant: string | null
  relationship: string | null
  link: string | null
}

/** A row of an Exchange cmdlet: PascalCase properties as Exchange returns them. */
export type ExchangeRow = Record<string, unknown>

export interface InvokeOptions {
  /** Properties to return. */
  select?: string[]
  /** Run on this mailbox (UPN or object id) instead of the system mailbox. */
  anchor?: string
}

export interface BulkOperation {
  cmdlet: string
  parameters?: Record<string, unknown>
  id?: string
  select?: string[]
}

export interface BulkOperationResult {
  id: string
  cmdlet: string
  success: boolean
  rows?: ExchangeRow[]
  warnings?: string[]
  error?: { message: string, exception_type: string | null, code: string | null, status: number | null, target: string | null }
}

export declare class Exchange {
  readonly compliance: Exchange
  invoke (cmdlet: string, parameters?: Record<string, unknown> | null, options?: InvokeOptions): Promise<ExchangeRow[]>
  invokeOutput (cmdlet: string, parameters?: Record<string, unknown> | null, options?: InvokeOptions): Promise<{ rows: ExchangeRow[], warnings: string[], pages: number }>
  bulk (operations: BulkOperation[]): Promise<{ operations: BulkOperationResult[], round_trips: number }>
  mailboxes (): Promise<ExchangeRow[]>
  inboxRules (mailbox: string): Promise<ExchangeRow[]>
  organizationConfig (): Promise<ExchangeRow>
  availableCmdlets (): Promise<string[]>
}

/** Teams policies; `kind` is a type, noun or cmdlet name (`Get-CsTeamsMeetingPolicy`). */
export declare class Teams {
  list (kind: string): Promise<Record<string, unknown>[]>
  get (kind: string, identity?: string): Promise<Record<string, unknown>>
  /** Read-modify-write; nothing is written when every value already matches. */
  set (kind: string, changes: Record<string, unknown>, identity?: string): Promise<{ changed: boolean, object: Record<string, unknown> }>
  delete (kind: string, identity: string): Promise<void>
}

export declare class SharePoint {
  name (): Promise<string>
  tenantSettings (): Promise<Record<string, unknown>>
  setTenantSettings (changes: Record<string, boolean | number | string>): Promise<void>
  storageQuota (): Promise<{ tenantStorageMb: number | null, usedStorageMb: number | null, usedPercent: number | null }>
}

/** One cache type in a snapshot. */
export interface TypeSnapshot {
  status: 'complete' | 'failed' | 'not_licensed'
  rows: Record<string, unknown>[]
  error?: string
  collected_at: number
}

/** What one collection read in one tenant. */
export interface Snapshot {
  tenant: string
  collected_at: number
  round_trips: number
  types: Record<string, TypeSnapshot>
}

export declare class Gdap {
  relationships (options?: { all?: boolean }): Promise<Relationship[]>
  relationship (id: string): Promise<Relationship>
  createInvite (options?: InviteOptions): Promise<{ relationship: Relationship, link: string }>
  enableAutoExtend (id: string): Promise<{ outcome: 'changed' | 'unchanged', relationship?: Relationship, reason?: string }>
  removeGlobalAdministrator (id: string): Promise<Relationship>
  terminate (id: string): Promise<{ id?: string, action?: string, status?: string }>
  health (): Promise<{ service_account: string | null, issues: GdapIssue[], missing_groups: string[], memberships: string[], gdap_group_count: number }>
  tenantAccess (tenant: string): Promise<{ tenant: string, graph_ok: boolean, summary: string, roles: Array<{ role: string, role_id: string, required: boolean, groups: string[] }>, missing_required: string[], missing_optional: string[] }>
  samCheck (manifest: string, options?: { repair?: boolean }): Promise<Record<string, any>>
  /** CPV: consent the SAM application in `tenant` and grant what `manifest` (JSON text) asks. */
  refreshCpv (tenant: string, manifest: string): Promise<{ tenant: string, consented: boolean, service_principals_created: string[], app_roles_added: string[], scopes_added: string[], unresolved: string[], errors: string[] }>
  customers (): Promise<Array<{ id: string, companyProfile: Record<string, any>, [key: string]: any }>>
  addApplicationConsent (customer: string, options?: { applicationId?: string }): Promise<{ outcome: 'granted' | 'alreadyExisted', consent?: Record<string, any> }>
}

export interface SecretProperties {
  name: string | null
  version: string | null
  id: string
  attributes: { enabled?: boolean, created?: number, updated?: number, exp?: number, nbf?: number, recoveryLevel?: string, recoverableDays?: number, [key: string]: any }
  tags?: Record<string, string>
  contentType?: string
  [key: string]: any
}

export declare class KeyVault {
  readonly name: string
  /** A secret's value: the latest version, or `options.version`. Rejects with NotFoundError. */
  getSecret (name: string, options?: { version?: string }): Promise<string>
  /** Store a new version (a soft-deleted name is recovered first). */
  setSecret (name: string, value: string): Promise<SecretProperties>
  /** Every secret's name and attributes, never values. */
  listSecrets (): Promise<SecretProperties[]>
  deleteSecret (name: string): Promise<SecretProperties & { recoveryId?: string, deletedDate?: number, scheduledPurgeDate?: number }>
  recoverSecret (name: string): Promise<SecretProperties>
}

/** Options of `templates.deploy` and `templates.compare`. */
export interface DeployTemplateOptions {
  /** A CA policy's state: `enabled`, `disabled`, `report-only`, `donotchange`. */
  state?: string
  /** Create groups the template names that the tenant lacks (deploy only). */
  createGroups?: boolean
  /** The template's kind (`dlp`, `retention`, `label`, `sit`, `reusablesetting`...) when its JSON alone does not tell. */
  kind?: string
}

/** Portable Conditional Access, Intune, transport rule and group templates in one tenant. */
/** Who `templates.assign` assigns an Intune policy to. */
export interface TemplateAssignment {
  allUsers?: boolean
  allDevices?: boolean
  groups?: string[]
  excludeGroups?: string[]
}

export declare class Templates {
  /** Create or update by display name; a second deploy writes nothing. */
  deploy (template: Record<string, unknown> | string, options?: DeployTemplateOptions): Promise<{ result: 'created' | 'updated' | 'unchanged', id: string, changed?: string[] }>
  /** How the tenant stands against the template. Reads only. */
  compare (template: Record<string, unknown> | string, options?: DeployTemplateOptions): Promise<{ status: 'missing' | 'equal' | 'different', id?: string, differences?: Array<{ path: string, expected?: unknown, found?: unknown }> }>
  /** A live object as a portable template (ids turned into names). */
  capture (kind: 'ca' | 'intune' | 'transport' | 'group', id: string): Promise<Record<string, unknown>>
  /**
   * Assigns the tenant's policy of an Intune template (deployed before, found by name) to all
   * licensed users, all devices and/or groups (display name or id). Nothing is sent when the
   * assignments already match; an unknown group rejects with an InvalidInputError naming it.
   */
  assign (template: Record<string, unknown> | string, to: TemplateAssignment): Promise<{ result: 'updated' | 'unchanged', id: string, changed?: string[] }>
}

/** Options of `standards.run` and `standards.plan`. */
export interface RunOptions {
  /** `report` (default), `alert` or `remediate`. */
  mode?: 'report' | 'alert' | 'remediate'
  /** Only these managed tenants (GUIDs or domains). */
  tenants?: string[]
  /** A folder of definition files instead of the built-in catalogue. */
  definitions?: string
  /** A SQLite file keeping snapshots, results and drift since the last run. */
  store?: string
  /** Tenants in flight at once (default 8). */
  concurrency?: number
  /** Exact comparison instead of CIPP's loose rules. */
  strict?: boolean
  /** Let remediation disable the users, guests and devices destructive standards found. */
  allowDestructive?: boolean
  /** Judge day-counting standards at this time (unix seconds). */
  asOf?: number
}

export type StandardState = 'compliant' | 'drifted' | 'remediated' | 'unconfirmed' | 'remediation_failed' | 'not_applicable' | 'no_data' | 'unsupported' | 'error'

/** Counts by state and the alignment score (percent of decided standards aligned). */
export interface StandardsSummary {
  total: number
  states: Partial<Record<StandardState, number>>
  alerts: number
  changed_since_last: number
  alignment: number | null
}

/** One standard instance in one tenant. */
export interface StandardResult {
  standard: string
  key: string
  label?: string
  template: string
  actions: { remediate: boolean, alert: boolean, report: boolean }
  state: StandardState
  outcome?: { state: string, current?: unknown, expected?: unknown, diff?: Array<{ property: string, expected: unknown, current: unknown }>, needs?: string[], cache_type?: string, reason?: string }
  error?: string
  /** What remediation sends (or sent) for a drifted standard. */
  planned?: Array<Record<string, unknown>>
  remediation?: { before: Record<string, unknown>, steps: Array<{ step: Record<string, unknown>, error: string | null, skipped: boolean }>, confirmed: boolean }
  alerted: boolean
  since_last?: { run_id: number, state: StandardState, changed: boolean }
}

export interface TenantStandardsReport {
  tenant: string
  tenant_id?: string
  error?: string
  store_error?: string
  conflicts?: Array<{ standard: string, tier: string, templates: string[] }>
  results: StandardResult[]
  read_round_trips: number
  writes: number
  summary: StandardsSummary
}

/** The report of one standards run; `JSON.stringify(report)` gives the documented shape. */
export declare class RunReport {
  readonly mode: 'report' | 'alert' | 'remediate'
  readonly runId: number | null
  readonly summary: StandardsSummary
  readonly tenants: TenantStandardsReport[]
  toJSON (): { schema: number, run_id?: number, mode: string, started_at: number, finished_at: number, templates: string[], tenants: TenantStandardsReport[], summary: StandardsSummary, store_error?: string }
  toMarkdown (): string
  toHtml (): string
}

/** A CIPP standards template (or an array of them, or their JSON text). */
export type StandardsTemplates = Record<string, unknown> | Array<Record<string, unknown>> | string

export declare class Standards {
  /** The standards the engine knows: the built-in catalogue, or the files under `definitions`. */
  catalogue (options?: { definitions?: string }): Array<{ name: string, label: string, category: string, impact: string | null, kind: 'definition' | 'code' | 'unsupported', executor: string | null, reads: string[], settings: Record<string, unknown>, required_capabilities: string[], destructive: boolean }>
  /** Run templates over the managed tenants they reach. Report and alert modes never write. */
  run (templates: StandardsTemplates, options?: RunOptions): Promise<RunReport>
  /** `run` in report mode: each drifted result's `planned` lists what remediation would send. */
  plan (templates: StandardsTemplates, options?: Omit<RunOptions, 'mode'>): Promise<RunReport>
}

/** An alert configuration: rules with parameters, re-send intervals and destinations (docs/alerts.md). */
export interface AlertConfig {
  rules?: Record<string, { params?: unknown, resend_hours?: number, destinations?: string[] }>
  destinations?: Array<Record<string, unknown>>
}

/** Options of `alerts.run`. */
export interface AlertRunOptions {
  /** Only these tenants (GUIDs or domains); default: every managed tenant. */
  tenants?: string[]
  /** A SQLite file: deduplication, re-send intervals, snoozes and history. */
  store?: string
  /** Tenants in flight at once (default 8). */
  concurrency?: number
  /** Judge tenants at this time: RFC 3339 text or unix seconds. */
  asOf?: string | number
  /** Standards alignment per tenant (percent), for LowTenantAlignment. */
  alignment?: Record<string, number>
  /** A standards run (alert mode): flagged standards become StandardsAlerts findings. */
  standards?: RunReport | Record<string, unknown>
}

/** One finding and what the store decided about it. */
export interface AlertFinding {
  rule: string
  tenant: string
  title: string
  data: Record<string, unknown>
  hash: string
  raw_key: string
  disposition?: string
  delivered?: boolean
}

export interface AlertSummary {
  tenants: number
  tenant_errors: number
  findings: number
  delivered: number
  undelivered: number
  suppressed: number
  snoozed: number
  in_flight: number
  no_data: number
  errors: number
  failed_deliveries: number
}

export interface AlertSnooze {
  rule: string
  tenant: string
  hash: string
  /** Unix seconds; null: for ever. */
  until: number | null
  snoozed_by: string
  snoozed_at: number
  preview: string
  reason: string
}

/** The report of one alert run; `JSON.stringify(report)` gives the documented shape. */
export declare class AlertReport {
  readonly summary: AlertSummary
  readonly tenants: Array<{ tenant: string, error?: string, store_error?: string, round_trips: number, rules: Array<{ rule: string, status: string, error?: string, findings: AlertFinding[] }> }>
  readonly deliveries: Array<{ destination: string, findings: number, ok: boolean, attempts?: number, error?: string }>
  /** Every finding of the run, flat. */
  findings (): AlertFinding[]
  toJSON (): Record<string, unknown>
  toMarkdown (): string
}

export declare class Alerts {
  /** The alert rules with their parameters, the cache types each reads and its output fields. */
  catalogue (): Array<{ name: string, description: string, cache_types: string[], params: Array<{ name: string, kind: string, default: string, description: string }>, output: string[], history: boolean }>
  /** Run the rules of `config` (default: every rule without parameters, no destinations). */
  run (config?: AlertConfig | string | null, options?: AlertRunOptions): Promise<AlertReport>
  /** Hold back one finding for 7, 14, 30 or 90 days, or -1 for ever. */
  snooze (store: string, rule: string, tenant: string, hash: string, options?: { days?: number, reason?: string, by?: string }): AlertSnooze
  /** The snoozes in force. */
  snoozes (store: string, options?: { tenant?: string }): AlertSnooze[]
}

/** A scheduled task as added (docs/scheduler.md). */
export interface ScheduledTask {
  name: string
  command: Record<string, unknown> & { type: 'standards' | 'alerts' | 'collect' | 'graph' | 'exchange' | 'custom' }
  tenants: { tenant?: string, group?: string, all?: boolean, exclude?: string[], exclude_groups?: string[] }
  first_run?: number
  recurrence?: string | number
  destinations?: Array<Record<string, unknown>>
  hidden?: boolean
}

export type TaskState = 'Planned' | 'Pending' | 'Running' | 'Processing' | 'Completed' | 'Failed' | 'Failed - Planned'

export interface TaskRunResults {
  summary: string
  tenants: Array<{ tenant: string, ok: boolean, result: unknown, error?: string }>
  notifications: Array<Record<string, unknown>>
  error?: string
}

export declare class Scheduler {
  readonly runnerId: string
  /** Add a task; returns its id. Allow/deny lists are checked now and at each run. */
  add (task: ScheduledTask | string): string
  /** Add an offboarding follow-up as a one-off `offboard` task first run at its `notBefore`; returns its id. */
  addFollowUp (followUp: FollowUp): string
  list (): Array<ScheduledTask & { id: string, state: TaskState, next_run: number, last_result?: unknown, executed_at?: number, created_at: number, updated_at: number }>
  get (id: string): ScheduledTask & { id: string, state: TaskState, next_run: number }
  remove (id: string): void
  /** The task's last `limit` (default 20) runs, newest first. */
  history (id: string, limit?: number): Array<{ id: number, task_id: string, slot: number, runner: string, attempts: number, started_at?: number, finished_at?: number, state: string, results?: TaskRunResults }>
  /** Claim and run every task due at `now` (unix seconds; default now). */
  runDue (now?: number): Promise<Array<{ task_id: string, name: string, slot: number, state: TaskState, next_run: number | null, results: TaskRunResults }>>
  /** Run one task at once, whatever its schedule. */
  runNow (id: string): Promise<{ task_id: string, name: string, slot: number, state: TaskState, next_run: number | null, results: TaskRunResults }>
}

export declare class Client {
  constructor (options?: ClientOptions)
  static fromEnv (): Client
  tenant (tenant: string): Tenant
  partner (): Tenant
  tenants (): Promise<ManagedTenant[]>
  /** The managed tenant named by GUID, default domain or initial domain. */
  managedTenant (name: string): Promise<ManagedTenant>
  /** Read cache types from one tenant into a snapshot. */
  collect (tenant: string, types: string[]): Promise<Snapshot>
  readonly gdap: Gdap
  /** Alerts: the rule catalogue, runs and snoozes. */
  readonly alerts: Alerts
  /** Scheduled tasks kept in the SQLite file `store`. */
  scheduler (store: string, options?: { runnerId?: string, concurrency?: number }): Scheduler
  /** Standards: the catalogue and template runs. */
  readonly standards: Standards
  /** The secrets of Key Vault `name`; throws InvalidInputError for a bad name. */
  keyVault (name: string): KeyVault
}

export interface FaultRule {
  status?: number
  pathContains?: string
  tenant?: string
  method?: string
  retryAfter?: number
  times?: number
  batchItemsOnly?: boolean
}

export declare class Sim {
  static start (options?: SimOptions): Promise<Sim>
  readonly baseUrl: string
  client (): Client
  credentials (): { application_id: string, application_secret: string, refresh_token: string, partner_tenant_id: string }
  tenants (): Promise<any[]>
  stats (): Promise<Record<string, any>>
  clearRequests (): Promise<void>
  /** The customer accepts a pending GDAP invitation. */
  approveRelationship (relationship: string, customer: string): Promise<Relationship>
  exchangeObjects (tenant: string, noun: string, options?: { compliance?: boolean }): Promise<ExchangeRow[]>
  generateMailboxes (tenant: string, count: number): Promise<void>
  teamsConfigurations (tenant: string, kind: string): Promise<Record<string, unknown>[]>
  sharepointSettings (tenant: string): Promise<Record<string, unknown>>
  /** One SharePoint site (a OneDrive too) by URL, or null. */
  sharepointSite (tenant: string, url: string): Promise<Record<string, any> | null>
  addFault (rule: FaultRule): Promise<number>
  expireTokens (): Promise<void>
  stop (): Promise<void>
}
