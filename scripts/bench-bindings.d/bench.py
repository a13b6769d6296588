"""Orchestrate the listing benchmark: one simulator process, four job processes, one table.

Usage: bench.py --users N --node-package DIR --node-native FILE --node-modules DIR
                [--tenant T] [--top 999] [--skip JOB]... [--rounds R]

With --rounds R every job runs R times, the jobs taking turns (so a burst of load elsewhere on
the machine lands on all of them), and each figure in the tables is the median of its R runs.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
SELECT = ["id", "displayName", "userPrincipalName", "accountEnabled"]


def get_json(url: str, token: str | None = None) -> dict:
    req = urllib.request.Request(url)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req) as reply:
        return json.load(reply)


def reference_count(env: dict) -> int:
    """The users the simulator holds, counted by plain HTTP (no SDK) before any job runs."""
    body = urllib.parse.urlencode(
        {
            "client_id": env["app"],
            "client_secret": env["secret"],
            "grant_type": "refresh_token",
            "refresh_token": env["refresh"],
            "scope": "https://graph.microsoft.com/.default",
        }
    ).encode()
    login = f"{env['endpoints']['login']}/{env['tenant']}/oauth2/v2.0/token"
    with urllib.request.urlopen(login, data=body) as reply:
        token = json.load(reply)["access_token"]
    url = f"{env['endpoints']['graph']}/v1.0/users?$select=id&$top=999"
    count = 0
    while url:
        page = get_json(url, token)
        count += len(page["value"])
        url = page.get("@odata.nextLink")
    return count


def run_job(name: str, argv: list[str], env: dict, extra_env: dict) -> dict:
    before = get_json(f"{env['base']}/_sim/stats")
    started = time.perf_counter()
    proc = subprocess.run(
        argv,
        cwd=HERE,
        env={**os.environ, **extra_env, "BENCH_ENV": json.dumps(env)},
        stdout=subprocess.PIPE,
        text=True,
    )
    process_seconds = time.perf_counter() - started
    after = get_json(f"{env['base']}/_sim/stats")
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout)
        sys.exit(f"job {name} failed (exit {proc.returncode})")
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    if figures["items"] != env["expected"]:
        sys.exit(f"job {name} saw {figures['items']} users, the simulator holds {env['expected']}")
    figures["process_seconds"] = process_seconds
    for key in ("http_requests", "token_requests", "graph_requests"):
        figures[key] = after[key] - before[key]
    figures["job"] = name
    return figures


def median_row(runs: list[dict]) -> dict:
    """One row per job: each measured figure is the median over the job's runs."""
    row = dict(runs[0])
    for key in ("seconds", "process_seconds", "rss_before_kib", "peak_rss_kib"):
        row[key] = statistics.median(r[key] for r in runs)
    row["runs"] = len(runs)
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--tenant", default="alpha.onmicrosoft.com")
    ap.add_argument("--top", type=int, default=999)
    ap.add_argument("--node-package", required=True)
    ap.add_argument("--node-native", required=True, help="the release-built .node file")
    ap.add_argument("--node-modules", required=True)
    ap.add_argument("--skip", action="append", default=[], help="a job name to leave out")
    ap.add_argument("--rounds", type=int, default=1, help="runs per job; figures are medians")
    args = ap.parse_args()

    sim = subprocess.Popen(
        [sys.executable, str(HERE / "sim_launcher.py"), str(args.users), args.tenant],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = sim.stdout.readline() if sim.stdout else ""
        if not line:
            sys.exit("the simulator did not start")
        env = json.loads(line)
        env.update(tenant=args.tenant, select=SELECT, top=args.top, node_package=args.node_package)
        env["expected"] = reference_count(env)
        print(f"simulator: {env['base']}, {env['expected']} users in {args.tenant}", flush=True)

        py = sys.executable
        # msgraph-sdk (Python) last: it is by far the slowest, and every other row is printed
        # before it starts.
        jobs = [
            ("cipp (Python)", [py, "job_cipp.py"], {}),
            ("cipp (Node)", ["node", "job_cipp.js"], {"NAPI_RS_NATIVE_LIBRARY_PATH": args.node_native}),
            ("microsoft-graph-client (Node)", ["node", "job_msgraph.js"], {"NODE_PATH": args.node_modules}),
            ("msgraph-sdk (Python)", [py, "job_msgraph.py"], {}),
        ]
        unknown = set(args.skip) - {name for name, _, _ in jobs}
        if unknown:
            sys.exit(f"--skip names no job: {sorted(unknown)}")
        runs: dict[str, list[dict]] = {}
        for round_no in range(1, args.rounds + 1):
            for name, argv, extra in (j for j in jobs if j[0] not in args.skip):
                print(f"running {name} (round {round_no} of {args.rounds}) ...", flush=True)
                runs.setdefault(name, []).append(run_job(name, argv, env, extra))
                print(json.dumps(runs[name][-1]), flush=True)
        rows = [median_row(r) for r in runs.values()]
    finally:
        if sim.stdin:
            sim.stdin.close()
        sim.wait(timeout=30)

    mib = lambda kib: kib / 1024  # noqa: E731
    print()
    print(
        "| job | users | listing wall (s) | users/s | HTTP requests (Graph + token) "
        "| process wall (s) | RSS before listing (MiB) | peak RSS (MiB) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['job']} | {r['items']} | {r['seconds']:.2f} | {r['items'] / r['seconds']:.0f} "
            f"| {r['http_requests']} ({r['graph_requests']} + {r['token_requests']}) "
            f"| {r['process_seconds']:.2f} | {mib(r['rss_before_kib']):.1f} "
            f"| {mib(r['peak_rss_kib']):.1f} |"
        )
    print()
    print("| language | listing wall: SDK / cipp | process wall: SDK / cipp | peak RSS: SDK / cipp |")
    print("|---|---|---|---|")
    by_job = {r["job"]: r for r in rows}
    pairs = (
        ("Python", "cipp (Python)", "msgraph-sdk (Python)"),
        ("Node", "cipp (Node)", "microsoft-graph-client (Node)"),
    )
    present = ((lang, a, b) for lang, a, b in pairs if a in by_job and b in by_job)
    for lang, ours, theirs in ((lang, by_job[a], by_job[b]) for lang, a, b in present):
        print(
            f"| {lang} | {theirs['seconds'] / ours['seconds']:.1f}x "
            f"| {theirs['process_seconds'] / ours['process_seconds']:.1f}x "
            f"| {theirs['peak_rss_kib'] / ours['peak_rss_kib']:.1f}x |"
        )
    print()
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
