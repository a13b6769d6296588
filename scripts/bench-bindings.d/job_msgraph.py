"""msgraph-sdk (Python): `client.users.get(...)` with $select/$top, then `with_url(nextLink)`.

The SDK is pointed at the simulator through its request adapter's base URL and signed in
with a bearer token the simulator issued (kiota's BaseBearerTokenAuthenticationProvider with
a provider that hands out that token; azure-identity cannot be pointed at a custom authority
over plain http).
"""

import asyncio
import sys
import time
import urllib.parse

from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.users.users_request_builder import UsersRequestBuilder

from common import ENV, SELECT, TOP, finish, graph_token, rss_kib


class SimToken(AccessTokenProvider):
    """Hands out one token obtained from the simulator's token endpoint."""

    def __init__(self, token: str, host: str) -> None:
        self._token = token
        self._hosts = AllowedHostsValidator([host])

    async def get_authorization_token(self, uri, additional_authentication_context=None):
        return self._token

    def get_allowed_hosts_validator(self):
        return self._hosts


async def main() -> None:
    graph_url = ENV["endpoints"]["graph"]
    host = urllib.parse.urlparse(graph_url).hostname
    auth = BaseBearerTokenAuthenticationProvider(SimToken(graph_token(), host))
    adapter = GraphRequestAdapter(auth)
    adapter.base_url = f"{graph_url}/v1.0"
    client = GraphServiceClient(request_adapter=adapter)
    # Sign in and warm the connection before measuring, like the cipp jobs.
    await client.organization.get()
    config = RequestConfiguration(
        query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
            select=SELECT, top=TOP
        )
    )
    rss_before = rss_kib("VmRSS")
    started = time.perf_counter()
    count = 0
    page = await client.users.get(request_configuration=config)
    while page is not None:
        count += len(page.value or [])
        if count // 10_000 != (count - len(page.value or [])) // 10_000:
            # Progress on stderr: this job takes minutes.
            print(f"msgraph-sdk: {count} users after {time.perf_counter() - started:.1f} s",
                  file=sys.stderr, flush=True)
        if not page.odata_next_link:
            break
        page = await client.users.with_url(page.odata_next_link).get()
    finish(count, time.perf_counter() - started, rss_before)


asyncio.run(main())
