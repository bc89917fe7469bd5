"""Sources of events on a gateway."""

from edge_agent.sources.simulator import SimulatorSource

__all__ = ["SimulatorSource"]
