"""Mesa's classic Boltzmann wealth model, non-spatial, in Mesa 3.5 idioms: the yardstick.

Every agent starts with one unit of wealth; each step the agents act in random order
(``model.agents.shuffle_do("step")``) and each one with wealth gives one unit to a random other
agent. The partner is drawn with ``self.random.choice`` from a plain list of the agents made once
at construction, not from the AgentSet (``random.choice`` over an AgentSet would index a weakref
set, and ``list(model.agents)`` copies it every call: a quadratic idiom). No data collection: this
is the cheapest honest Mesa step, so the comparison is strict for triplewin.

Source: Mesa tutorial "Introductory Tutorial" (MoneyAgent / MoneyModel), Dragulescu and
Yakovenko (2000), "Statistical mechanics of money".
"""

from __future__ import annotations

import mesa


class MoneyAgent(mesa.Agent):
    """An agent with some wealth that it gives away one unit at a time."""

    def __init__(self, model: BoltzmannWealth) -> None:
        super().__init__(model)
        self.wealth = 1

    def step(self) -> None:
        """Give one unit to a random other agent, if there is wealth to give."""
        if self.wealth > 0:
            others = self.model.agent_list
            other = self.random.choice(others)
            while other is self:  # a random *other* agent (rarely redrawn)
                other = self.random.choice(others)
            other.wealth += 1
            self.wealth -= 1


class BoltzmannWealth(mesa.Model):
    """``n`` money agents in one AgentSet; ``step`` activates them all in random order."""

    def __init__(self, n: int = 100, *, rng: int | None = None) -> None:
        super().__init__(rng=rng)
        MoneyAgent.create_agents(self, n)
        #: plain list for the random partner draw (built once: the AgentSet is not copied)
        self.agent_list: list[MoneyAgent] = list(self.agents)

    def step(self) -> None:
        self.agents.shuffle_do("step")

    def total_wealth(self) -> int:
        """Conserved: equals the number of agents."""
        return sum(a.wealth for a in self.agent_list)
