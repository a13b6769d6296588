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
}

export declare class Client {
  constructor (options?: ClientOptions)
  static fromEnv (): Client
  tenant (tenant: string): Tenant
  partner (): Tenant
  tenants (): Promise<ManagedTenant[]>
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
  addFault (rule: FaultRule): Promise<number>
  expireTokens (): Promise<void>
  stop (): Promise<void>
}
