"""Serve one simulator in this process until stdin closes.

Prints one JSON line (base URL, endpoints, seeded credentials) so the orchestrator and the
job processes can reach it. The simulator lives here, apart from every measured client, so
each client's peak memory is its own.
"""

import json
import sys

import cipp

users = int(sys.argv[1])
tenant = sys.argv[2]
sim = cipp.sim.start(users=users, users_tenant=tenant)
creds = sim.credentials()
print(
    json.dumps(
        {
            "base": sim.base_url,
            "endpoints": {
                "login": f"{sim.base_url}/login",
                "graph": f"{sim.base_url}/graph",
            },
            "app": creds["application_id"],
            "secret": creds["application_secret"],
            "refresh": creds["refresh_token"],
            "partner": creds["partner_tenant_id"],
        }
    ),
    flush=True,
)
# The simulator serves on its own threads; block until the orchestrator closes our stdin.
sys.stdin.read()
sim.stop()
