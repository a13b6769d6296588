"""List every user of every managed tenant.

Uses the CIPP_* environment variables when they are set; otherwise it starts the offline
simulator so the example runs anywhere. Prints one JSON object per tenant.
"""

import json
import os

import cipp


def main() -> None:
    sim = None
    if os.environ.get("CIPP_APPLICATION_ID"):
        client = cipp.Client.from_env()
    else:
        sim = cipp.sim.start()
        client = sim.client()
    try:
        for tenant in client.tenants():
            graph = client.tenant(tenant["customer_id"]).graph
            users = graph.get_all("users", select=["id", "userPrincipalName", "accountEnabled"], top=999)
            print(json.dumps({
                "tenant": tenant["display_name"],
                "domain": tenant["default_domain_name"],
                "users": len(users),
                "disabled": sum(1 for u in users if u.get("accountEnabled") is False),
            }))
    finally:
        if sim is not None:
            sim.stop()


if __name__ == "__main__":
    main()
