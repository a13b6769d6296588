"""cipp: multi-tenant Microsoft 365 management for MSPs (CIPP's features as a library).

>>> import cipp
>>> sim = cipp.sim.start()
>>> c = sim.client()
>>> [t["display_name"] for t in c.tenants()]
['Alpha Dental', 'Bravo Logistics', 'Charlie Legal']
>>> users = c.tenant("alpha.onmicrosoft.com").graph.get_all("users", select=["id", "userPrincipalName"])
>>> sim.stop()
"""

from . import aio, sim
from ._errors import (
    AuthError,
    CippError,
    CmdletError,
    DecodeError,
    HttpError,
    InvalidInputError,
    NotFoundError,
    ThrottledError,
    TransportError,
)
from ._native import (
    Bec,
    BecReport,
    RemediationReport,
    AlertReport,
    Alerts,
    Client,
    Exchange,
    Gdap,
    Graph,
    GraphIter,
    Offboarding,
    Users,
    KeyVault,
    RunReport,
    Scheduler,
    SharePoint,
    Standards,
    Teams,
    Templates,
    Tenant,
    __version__,
)
from .aio import AsyncClient

__all__ = [
    "Bec",
    "BecReport",
    "RemediationReport",
    "AlertReport",
    "Alerts",
    "AsyncClient",
    "AuthError",
    "CippError",
    "Client",
    "CmdletError",
    "DecodeError",
    "Exchange",
    "Gdap",
    "SharePoint",
    "Teams",
    "Templates",
    "Graph",
    "GraphIter",
    "Offboarding",
    "Users",
    "HttpError",
    "InvalidInputError",
    "KeyVault",
    "NotFoundError",
    "RunReport",
    "Scheduler",
    "Standards",
    "Tenant",
    "ThrottledError",
    "TransportError",
    "__version__",
    "aio",
    "sim",
]
