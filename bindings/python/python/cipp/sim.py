"""The offline Microsoft 365 simulator, for testing automation without a tenant.

>>> import cipp
>>> with cipp.sim.start(users=1000) as sim:
...     c = sim.client()
...     len(c.tenant("alpha.onmicrosoft.com").graph.get_all("users", top=999)) > 1000
True
"""

from ._native import Sim, start

__all__ = ["Sim", "start"]
