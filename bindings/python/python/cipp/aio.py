"""asyncio front for cipp: the same calls as :class:`cipp.Client`, as coroutines.

Every native call releases the GIL for its whole network wait, so running it on a worker
thread (``asyncio.to_thread``) gives real concurrency: ``asyncio.gather`` over 50 tenants
runs their requests at once, bounded by the executor's thread count (each call in flight
holds one worker thread while it waits) and, below that, by the SDK's own per-tenant limit
and throttling handling. A native-future implementation can replace this later without
changing the API.

>>> import asyncio, cipp
>>> async def main():
...     with cipp.sim.start() as sim:
...         client = cipp.aio.AsyncClient.from_sync(sim.client())
...         tenants = await client.tenants()
...         counts = await asyncio.gather(*(
...             client.tenant(t["customer_id"]).graph.get_all("users", select=["id"]) for t in tenants
...         ))
...         return [len(c) > 0 for c in counts]
>>> asyncio.run(main())
[True, True, True]
"""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Callable, TypeVar

from ._native import Client, Gdap, Graph, Tenant

T = TypeVar("T")

__all__ = ["AsyncClient", "AsyncExchange", "AsyncGdap", "AsyncGraph", "AsyncTenant"]


async def _run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await asyncio.to_thread(fn, *args, **kwargs)


class AsyncGraph:
    """Microsoft Graph for one tenant; see :class:`cipp.Graph` for the arguments."""

    def __init__(self, graph: Graph) -> None:
        self._g = graph

    @property
    def beta(self) -> "AsyncGraph":
        return AsyncGraph(self._g.beta)

    @property
    def app_only(self) -> "AsyncGraph":
        return AsyncGraph(self._g.app_only)

    async def get(self, path: str, **query: Any) -> Any:
        return await _run(self._g.get, path, **query)

    async def get_all(self, path: str, **query: Any) -> list[Any]:
        return await _run(self._g.get_all, path, **query)

    async def iter(self, path: str, **query: Any) -> AsyncIterator[Any]:
        """Items one by one, fetching a page only when the previous one is used up."""
        it = self._g.iter(path, **query)
        done = object()
        while True:
            item = await _run(next, it, done)
            if item is done:
                return
            yield item

    async def post(self, path: str, body: Any) -> Any:
        return await _run(self._g.post, path, body)

    async def patch(self, path: str, body: Any) -> Any:
        return await _run(self._g.patch, path, body)

    async def put(self, path: str, body: Any) -> Any:
        return await _run(self._g.put, path, body)

    async def delete(self, path: str) -> None:
        await _run(self._g.delete, path)

    async def batch(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return await _run(self._g.batch, requests)


class AsyncTenant:
    """One tenant (GUID, default or initial domain)."""

    def __init__(self, tenant: Tenant) -> None:
        self._t = tenant

    @property
    def id(self) -> str:
        return self._t.id

    @property
    def graph(self) -> AsyncGraph:
        return AsyncGraph(self._t.graph)

    @property
    def exchange(self) -> "AsyncExchange":
        return AsyncExchange(self._t.exchange)

    @property
    def teams(self) -> "_AsyncWrapper":
        """Teams policies; see :class:`cipp.Teams` for the arguments."""
        return _AsyncWrapper(self._t.teams)

    @property
    def sharepoint(self) -> "_AsyncWrapper":
        """SharePoint tenant settings; see :class:`cipp.SharePoint` for the arguments."""
        return _AsyncWrapper(self._t.sharepoint)

    @property
    def templates(self) -> "_AsyncWrapper":
        """CA / Intune / transport / group templates; see :class:`cipp.Templates`."""
        return _AsyncWrapper(self._t.templates)

    async def guid(self) -> str:
        return await _run(self._t.guid)

    async def health(self) -> dict[str, Any]:
        return await _run(self._t.health)

    @property
    def users(self) -> _AsyncWrapper:
        """User management; see :class:`cipp.Users` for the methods."""
        return _AsyncWrapper(self._t.users)

    @property
    def offboarding(self) -> _AsyncWrapper:
        """Offboarding; see :class:`cipp.Offboarding`."""
        return _AsyncWrapper(self._t.offboarding)

    @property
    def bec(self) -> _AsyncWrapper:
        """Compromised-account research and remediation; see :class:`cipp.Bec`."""
        return _AsyncWrapper(self._t.bec)


class _AsyncWrapper:
    """Every method of the wrapped native object, as a coroutine run on a worker thread."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._inner, name)
        if not callable(method):
            raise AttributeError(name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await _run(method, *args, **kwargs)

        call.__name__ = name
        call.__doc__ = method.__doc__
        return call


class AsyncExchange(_AsyncWrapper):
    """Exchange cmdlets; see :class:`cipp.Exchange` for the arguments."""

    @property
    def compliance(self) -> "AsyncExchange":
        return AsyncExchange(self._inner.compliance)


class AsyncGdap(_AsyncWrapper):
    """GDAP, checks and Partner Center; see :class:`cipp.Gdap` for the arguments."""


class AsyncClient:
    """The asyncio twin of :class:`cipp.Client` (same keyword arguments)."""

    def __init__(self, **kwargs: Any) -> None:
        self._c = Client(**kwargs)

    @classmethod
    def from_env(cls) -> "AsyncClient":
        return cls.from_sync(Client.from_env())

    @classmethod
    def from_sync(cls, client: Client) -> "AsyncClient":
        """Wrap an existing client (they share tokens and caches)."""
        obj = cls.__new__(cls)
        obj._c = client
        return obj

    @property
    def sync(self) -> Client:
        """The synchronous client underneath."""
        return self._c

    def tenant(self, tenant: str) -> AsyncTenant:
        return AsyncTenant(self._c.tenant(tenant))

    async def partner(self) -> AsyncTenant:
        return AsyncTenant(await _run(self._c.partner))

    async def tenants(self) -> list[dict[str, Any]]:
        return await _run(self._c.tenants)

    async def managed_tenant(self, name: str) -> dict[str, Any]:
        return await _run(self._c.managed_tenant, name)

    async def collect(self, tenant: str, types: list[str]) -> dict[str, Any]:
        return await _run(self._c.collect, tenant, types)

    def key_vault(self, name: str) -> _AsyncWrapper:
        """Secrets of one vault; see :class:`cipp.KeyVault` for the methods."""
        return _AsyncWrapper(self._c.key_vault(name))

    @property
    def gdap(self) -> AsyncGdap:
        return AsyncGdap(self._c.gdap)

    def scheduler(self, store: str, **kwargs: Any) -> _AsyncWrapper:
        """Scheduled tasks in `store`; see :class:`cipp.Scheduler` for the methods."""
        return _AsyncWrapper(self._c.scheduler(store, **kwargs))

    @property
    def alerts(self) -> _AsyncWrapper:
        """Alert runs and snoozes; see :class:`cipp.Alerts` for the arguments."""
        return _AsyncWrapper(self._c.alerts)

    @property
    def standards(self) -> _AsyncWrapper:
        """Standards runs; see :class:`cipp.Standards` for the arguments."""
        return _AsyncWrapper(self._c.standards)

    def __repr__(self) -> str:
        return f"cipp.aio.AsyncClient({self._c!r})"
