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
export declare class CmdletError extends HttpError {}
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
  guid (): Promise<string>
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

export declare class Client {
  constructor (options?: ClientOptions)
  static fromEnv (): Client
  tenant (tenant: string): Tenant
  partner (): Tenant
  tenants (): Promise<ManagedTenant[]>
  /** The managed tenant named by GUID, default domain or initial domain. */
  managedTenant (name: string): Promise<ManagedTenant>
  readonly gdap: Gdap
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
  addFault (rule: FaultRule): Promise<number>
  expireTokens (): Promise<void>
  stop (): Promise<void>
}
