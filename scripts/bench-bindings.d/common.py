"""What every Python job shares: the environment, a token from the simulator, peak RSS."""

import json
import os
import sys
import urllib.parse
import urllib.request

ENV = json.loads(os.environ["BENCH_ENV"])
SELECT = ENV["select"]
TOP = ENV["top"]
TENANT = ENV["tenant"]


def rss_kib(field: str) -> int:
    """`VmHWM` (peak) or `VmRSS` (current) of this process, in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def graph_token() -> str:
    """A delegated Graph token for the customer tenant, by the refresh-token grant (GDAP),
    the way an MSP's script signs in to a customer."""
    body = urllib.parse.urlencode(
        {
            "client_id": ENV["app"],
            "client_secret": ENV["secret"],
            "grant_type": "refresh_token",
            "refresh_token": ENV["refresh"],
            "scope": "https://graph.microsoft.com/.default",
        }
    ).encode()
    url = f"{ENV['endpoints']['login']}/{TENANT}/oauth2/v2.0/token"
    with urllib.request.urlopen(url, data=body) as reply:
        return json.load(reply)["access_token"]


def finish(items: int, seconds: float, rss_before_kib: int) -> None:
    """Print the job's figures as one JSON line; fail loudly on a wrong count."""
    print(
        json.dumps(
            {
                "items": items,
                "seconds": seconds,
                "rss_before_kib": rss_before_kib,
                "peak_rss_kib": rss_kib("VmHWM"),
            }
        ),
        flush=True,
    )
    if items != ENV["expected"]:
        sys.exit(f"saw {items} users, the simulator holds {ENV['expected']}")
