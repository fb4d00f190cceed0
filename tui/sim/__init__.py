"""A loopback simulator of the Anthropic Message Batches and OpenAI Batch APIs.

The unmodified official SDKs work against it (they use ``httpx2``, so only a real HTTP server
can stand in for the services). Batches progress on a simulated clock; outcomes are synthetic
and fully determined by the seed::

    async with Simulator(SimOptions(seed=0, speed=0.0)) as sim:
        client = AsyncAnthropic(base_url=sim.anthropic_base_url, api_key="sk-test")
        ...
        sim.clock.advance(hours=2)
"""

from tui.sim.clock import SimClock
from tui.sim.faults import Fault, Faults
from tui.sim.server import SimOptions, Simulator

__all__ = ["Fault", "Faults", "SimClock", "SimOptions", "Simulator"]
