"""The groups of the triple win and of the metrics, declared once.

The three groups whose gains make the verdict (developed countries, developing countries,
China), each with its title, the short title a table column shows, its colour and its gain
metric; and the two further metric groups (:attr:`sim.metrics.Metric.group`): the welfare indices
and the mechanism metrics. Terminal summaries, figures, the report, the classroom page and the
generated docs read their names, order and colours from here (docs/ODD.md, "Outputs").

Pure data: no import of the model, numpy or matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Group:
    """A metric group (``Metric.group``); the three verdict groups also name their gain."""

    key: str
    #: As a heading or legend shows it ("Developed countries").
    title: str
    #: As a narrow table column shows it ("Developed").
    short: str
    #: A colour name of the Okabe-Ito palette (:data:`sim.plotting.palette.OKABE_ITO`).
    colour: str
    #: The group's cumulative welfare index (a metric), for the three verdict groups.
    gain: str | None = None

    @property
    def plural(self) -> bool:
        """Whether the group takes a plural verb ("developing countries fail", "China fails")."""
        return self.title.endswith("s")

    def verb(self, plural_form: str, singular_form: str) -> str:
        """The verb form that agrees with the group."""
        return plural_form if self.plural else singular_form

    @property
    def in_sentence(self) -> str:
        """The title inside a sentence: "China", "developing countries"."""
        return self.title if " " not in self.title else self.title.lower()


#: The three groups of the verdict, in the verdict's order.
GROUPS: tuple[Group, ...] = (
    Group("developed", "Developed countries", "Developed", "blue", "gain_developed"),
    Group("developing", "Developing countries", "Developing", "green", "gain_developing"),
    Group("china", "China", "China", "vermillion", "gain_china"),
)
#: The verdict groups by key.
BY_KEY: dict[str, Group] = {g.key: g for g in GROUPS}
#: The three gain metrics, in the verdict's order.
GAINS: tuple[str, ...] = tuple(g.gain for g in GROUPS if g.gain)
#: Each verdict group's gain metric, by group key.
GAIN_OF: dict[str, str] = {g.key: g.gain for g in GROUPS if g.gain}

#: Every metric group in the display order of summaries and the docs (China first: the model
#: is about China's programme), the three groups and then the welfare indices and mechanisms.
METRIC_GROUPS: dict[str, Group] = {
    "china": BY_KEY["china"],
    "developed": BY_KEY["developed"],
    "developing": BY_KEY["developing"],
    "gain": Group("gain", "Welfare indices", "Welfare", "purple"),
    "mechanism": Group("mechanism", "Mechanisms", "Mechanism", "orange"),
}


def group_order(group: str) -> tuple[int, str]:
    """Sort key of a metric group: the display order, unknown groups last."""
    order = list(METRIC_GROUPS)
    return (order.index(group) if group in order else len(order), group)


def short_title(group: str) -> str:
    """A metric group's short title ("Welfare"); an unknown group capitalised."""
    g = METRIC_GROUPS.get(group)
    return g.short if g is not None else group.capitalize()
