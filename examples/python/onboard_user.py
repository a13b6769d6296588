"""Onboard a new starter: create the account with a licence, fill in the profile, set the
manager, and print what was done as one JSON object (the generated password is not printed).

    onboard_user.py [DOMAIN USERNAME "Display Name" MANAGER]

Uses the CIPP_* environment variables when they are set; otherwise it starts the offline
simulator and onboards Ada Lovelace at Alpha Dental, reporting to Miriam Gu.
"""

import json
import os
import sys

import cipp


def main() -> None:
    domain, username, display_name, manager = (
        sys.argv[1:5]
        if len(sys.argv) >= 5
        else ["alphadental.com", "ada.lovelace", "Ada Lovelace", "miriam.gu@alphadental.com"]
    )
    sim = None
    if os.environ.get("CIPP_APPLICATION_ID"):
        client = cipp.Client.from_env()
    else:
        sim = cipp.sim.start()
        client = sim.client()
    try:
        users = client.tenant(domain).users
        created = users.create(display_name, username, domain, usage_location="GB", licences=["SPE_E3"])
        upn = created["user"]["userPrincipalName"]
        changed = users.edit(upn, job_title="Engineer", department="Engineering", city="London")
        users.set_manager(upn, manager)
        print(json.dumps({
            "user": upn,
            "generated_password": "password" in created,
            "profile": sorted(changed),
            "manager": users.manager(upn)["userPrincipalName"],
            "licences": [l["skuId"] for l in users.get(upn)["assignedLicenses"]],
        }))
    finally:
        if sim is not None:
            sim.stop()


if __name__ == "__main__":
    main()
