// An RPA-style handler (Rewst, n8n...): one JSON request on stdin, one JSON answer on stdout.
// Request: {"tenant", "action": "get" | "getAll" | "batch", "path", "select", "requests"}
// Answer:  {"ok": true, "result"} or {"ok": false, "error": {"type", "message", "code", "status", "tenant"}}
import cipp from 'cipp'

const { Client, CippError } = cipp

export async function handle (request) {
  const graph = Client.fromEnv().tenant(request.tenant).graph
  try {
    switch (request.action ?? 'get') {
      case 'get': return { ok: true, result: await graph.get(request.path, { select: request.select }) }
      case 'getAll': return { ok: true, result: await graph.getAll(request.path, { select: request.select, filter: request.filter }) }
      case 'batch': return { ok: true, result: await graph.batch(request.requests) }
      default: throw new cipp.InvalidInputError(`unknown action ${request.action}`, { field: 'action' })
    }
  } catch (e) {
    if (!(e instanceof CippError)) throw e
    return { ok: false, error: { type: e.name, message: e.message, code: e.code, status: e.status, tenant: e.tenant } }
  }
}

let input = ''
for await (const chunk of process.stdin) input += chunk
console.log(JSON.stringify(await handle(JSON.parse(input))))
