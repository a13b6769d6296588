"""Offboard a leaver the way CIPP does: block sign-in, end sessions, hide them from the address
book, turn the mailbox into a shared one their successor opens, hand the OneDrive to the
successor, and remove the licences five minutes later (once Exchange has finished the
conversion) through a task queued in a scheduler store. Prints one JSON object.

    offboard_user.py [DOMAIN USER SUCCESSOR STORE]

The queued task runs when a scheduler runner over STORE ticks after it is due
(`cipp schedule serve --store STORE`, or `cipp schedule run-due --store STORE` from cron). Uses the CIPP_* environment variables when they are set; otherwise it starts the
offline simulator and offboards Elif Ortiz at Alpha Dental, handing over to Sofia Wilke.
"""

import json
import os
import sys
import tempfile

import cipp


def offboard(client: cipp.Client, domain: str, user: str, successor: str, store: str) -> dict:
    """Run the offboarding and queue its follow-ups in `store`; what was done, as a dict."""
    report = client.tenant(domain).offboarding.run(
        user,
        {
            "disable_sign_in": True,
            "revoke_sessions": True,
            "hide_from_gal": True,
            "convert_to_shared": True,
            "mailbox_access_automap": [successor],
            "onedrive_access": [successor],
            "remove_licences": True,
            # A mailbox that loses its licence before the conversion finishes is disabled.
            "licence_removal_delay_minutes": 5,
            "confirm": True,
        },
    )
    scheduler = client.scheduler(store)
    queued = [scheduler.add_follow_up(f) for f in report.get("followUps", [])]
    return {
        "user": report["user"],
        "steps": {s["step"]: s["state"] for s in report["steps"]},
        "queued": [{"task": t, "not_before": scheduler.get(t)["next_run"]} for t in queued],
    }


def main() -> None:
    domain, user, successor, store = (
        sys.argv[1:5]
        if len(sys.argv) >= 5
        else [
            "alphadental.com",
            "elif.ortiz@alphadental.com",
            "sofia.wilke@alphadental.com",
            os.path.join(tempfile.mkdtemp(), "cipp.db"),
        ]
    )
    sim = None
    if os.environ.get("CIPP_APPLICATION_ID"):
        client = cipp.Client.from_env()
    else:
        sim = cipp.sim.start()
        client = sim.client()
    try:
        done = offboard(client, domain, user, successor, store)
        print(json.dumps(done))
        if "error" in done["steps"].values():
            sys.exit(1)
    finally:
        if sim is not None:
            sim.stop()


if __name__ == "__main__":
    main()
