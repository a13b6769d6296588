"""cipp (Python): `graph.iter("users", select=..., top=999)`, counting items as they arrive."""

import time

import cipp
from common import ENV, SELECT, TENANT, TOP, finish, rss_kib

client = cipp.Client(
    application_id=ENV["app"],
    application_secret=ENV["secret"],
    refresh_token=ENV["refresh"],
    tenant_id=ENV["partner"],
    endpoints=ENV["endpoints"],
)
graph = client.tenant(TENANT).graph
# Sign in before measuring, as the Rust figures do.
graph.get("organization")
rss_before = rss_kib("VmRSS")
started = time.perf_counter()
count = 0
for _user in graph.iter("users", select=SELECT, top=TOP):
    count += 1
finish(count, time.perf_counter() - started, rss_before)
