"""Run a standards baseline in report mode and print one JSON line per tenant.

    python run_baseline.py [TEMPLATE.json] [REPORT.html]

TEMPLATE.json is a CIPP standards template (or an export holding several); without one a
small built-in baseline is used. Nothing is written to any tenant: report mode only reads.
Uses the CIPP_* environment variables when they are set; otherwise it starts the offline
simulator so the example runs anywhere.
"""

import json
import os
import sys

import cipp

BASELINE = {
    "GUID": "example-baseline",
    "templateName": "Example baseline",
    "tenantFilter": [{"label": "All tenants", "value": "AllTenants"}],
    "standards": {
        "DisableSMS": {"action": ["Report"]},
        "AuditLog": {"action": ["Report"]},
        "EXOOutboundSpamLimits": {"action": ["Report"]},
    },
}


def main() -> None:
    template = BASELINE
    if len(sys.argv) > 1:
        with open(sys.argv[1], encoding="utf-8") as f:
            template = json.load(f)
    sim = None
    if os.environ.get("CIPP_APPLICATION_ID"):
        client = cipp.Client.from_env()
    else:
        sim = cipp.sim.start()
        client = sim.client()
    try:
        report = client.standards.run(template, "report")
        for t in report.tenants:
            drifted = [r["standard"] for r in t["results"] if r["state"] == "drifted"]
            print(json.dumps({
                "tenant": t["tenant"],
                "alignment": t["summary"]["alignment"],
                "drifted": drifted,
                "error": t.get("error"),
            }))
        if len(sys.argv) > 2:
            with open(sys.argv[2], "w", encoding="utf-8") as f:
                f.write(report.to_html())
    finally:
        if sim is not None:
            sim.stop()


if __name__ == "__main__":
    main()
