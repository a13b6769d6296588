"""An RPA-style handler: one JSON request on standard input, one JSON answer on standard output.

Request: {"tenant": "alpha.onmicrosoft.com", "action": "get" | "get_all" | "batch",
          "path": "users", "select": ["id"], "requests": [...]}
Answer:  {"ok": true, "result": ...} or {"ok": false, "error": {"type", "message", "code", "status", "tenant"}}
Configuration comes from the CIPP_* environment variables.
"""

import json
import sys

import cipp


def handle(request: dict) -> dict:
    client = cipp.Client.from_env()
    graph = client.tenant(request["tenant"]).graph
    action = request.get("action", "get")
    try:
        if action == "get":
            result = graph.get(request["path"], select=request.get("select"))
        elif action == "get_all":
            result = graph.get_all(request["path"], select=request.get("select"), filter=request.get("filter"))
        elif action == "batch":
            result = graph.batch(request["requests"])
        else:
            raise cipp.InvalidInputError(f"unknown action {action!r}", field="action")
        return {"ok": True, "result": result}
    except cipp.CippError as e:
        return {"ok": False, "error": {"type": type(e).__name__, "message": str(e), "code": e.code, "status": e.status, "tenant": e.tenant}}


if __name__ == "__main__":
    print(json.dumps(handle(json.load(sys.stdin))))
