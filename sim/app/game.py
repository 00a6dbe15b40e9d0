"""The class as players: one shared world, three groups of governments, rounds of a few years.

``triplewin app --class`` starts one :class:`GameSession` on the local network. Students open
``/join`` on their own devices, type the session's join code and pick a group: China, developed
countries or developing countries. Each group moves only the levers its governments hold
(:data:`GROUP_LEVERS`, declared once here; the page builds its sliders from it and from the lever
declarations); the developed countries also set their investment-screening stance, a
schedulable uncertainty of the model that the game hands to them (:data:`GAME_STANCES`). Moves wait until the instructor, on ``/class`` (opened with a private key printed
at start), advances the round: the pending moves take effect at the round's first quarter and
the world steps a few simulated years, beside a reference run in the same world (the
no-cooperation scenario by default, same seed). Every screen shows each group's welfare index
against the reference; the instructor can freeze moves and reveal the other groups' results.

The session's lever history is a scenario: every move is a schedule entry of the live run
(:func:`sim.app.live.lever_path`), so :meth:`GameSession.scenario_yaml` writes a file that
``triplewin run`` replays exactly (replication 0 of its seed is the game's world).

Access: joining needs the join code (attempts with a wrong code are limited per address); every
player request carries the token that joining returned; instructor requests carry the
instructor key. Tokens and keys are compared in constant time.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..groups import BY_KEY
from ..scenario.params import LEVERS, START_YEAR, UNCERTAINTIES, Param
from ..scenario.schema import Scenario, value_at
from .live import GAINS, LiveError, LiveRun, Reference, check_value, slider

#: Which levers each group's governments hold (docs/classroom.md). Names not declared as
#: levers (yet) are skipped, so the lists may name levers that a newer model adds.
GROUP_LEVERS: dict[str, tuple[str, ...]] = {
    "china": ("joint_bidding", "soe_reform", "ipr_protection", "branding",
              "standards_integration", "state_support", "overseas_parks", "localization",
              "policy_bank_lending"),
    "developed": ("bit_coverage", "third_party_cooperation", "joint_fund",
                  "investment_screening"),
    "developing": ("local_content", "lending_discipline"),
}
#: Uncertainties of the model that the game treats as a government's stance: a group moves them
#: like its levers (they must take a schedule). In a scenario file they stay under ``world:``.
GAME_STANCES: tuple[str, ...] = ("investment_screening",)
#: Each group's name as the game shows it.
GROUP_NAMES = {k: BY_KEY[k].title for k in GROUP_LEVERS}
#: Join codes use letters and digits that cannot be mistaken for each other when read aloud.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
#: Most players in one session, and wrong join codes accepted from one address.
MAX_PLAYERS = 300
MAX_BAD_CODES = 20


def control(name: Any) -> Param | None:
    """The declaration of a lever, or of a stance the game hands to a group; None otherwise."""
    if not isinstance(name, str):
        return None
    if name in LEVERS:
        return LEVERS[name]
    p = UNCERTAINTIES.get(name) if name in GAME_STANCES else None
    return p if p is not None and p.schedulable else None


def group_levers() -> dict[str, list[str]]:
    """The levers (and stances) each group holds in this model (declared names only)."""
    return {g: [n for n in names if control(n) is not None]
            for g, names in GROUP_LEVERS.items()}


def stance_sliders() -> list[dict[str, Any]]:
    """Slider declarations of the stances a group holds (the levers' are in the page config)."""
    return [slider(p) for n in GAME_STANCES if (p := control(n)) is not None]


def holder_of(lever: str) -> str | None:
    for g, names in GROUP_LEVERS.items():
        if lever in names:
            return g
    return None


@dataclass
class Player:
    token: str
    group: str
    joined: float


@dataclass
class GameSession:
    """One class game: the live run beside its reference, the players, the rounds."""

    scenario: Scenario
    reference: Reference
    seed: int
    rounds: int
    round_quarters: int
    code: str = field(default_factory=lambda: "".join(
        secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)))
    key: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    players: dict[str, Player] = field(default_factory=dict)
    pending: dict[str, float] = field(default_factory=dict)  # lever -> value for next round
    moves: list[dict[str, Any]] = field(default_factory=list)  # every move that took effect
    bad_codes: dict[str, int] = field(default_factory=dict)
    frozen: bool = False
    revealed: bool = False
    round: int = 0
    join_address: str = ""  # what students type, shown on the instructor's screen
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        steps = self.rounds * self.round_quarters
        if steps > self.scenario.run.steps:
            self.scenario = self.scenario.model_copy(
                update={"run": self.scenario.run.model_copy(update={"steps": steps})})
        self.live = LiveRun(self.scenario, reference_spec=self.reference, seed=self.seed)

    # --- access ----------------------------------------------------------------------------
    def check_key(self, key: Any) -> None:
        if not (isinstance(key, str) and hmac.compare_digest(key, self.key)):
            raise GameAccessError("this needs the instructor's key (the /class address printed "
                                  "when the session started)")

    def player(self, token: Any) -> Player:
        p = self.players.get(token) if isinstance(token, str) and len(token) < 100 else None
        if p is None or not hmac.compare_digest(p.token, token):
            raise GameAccessError("you are not in this session; join again with the code")
        return p

    def join(self, client: str, code: Any, group: Any) -> Player:
        """A device joins a group with the session's code; returns its player (with a token)."""
        with self.lock:
            if self.bad_codes.get(client, 0) >= MAX_BAD_CODES:
                raise GameAccessError("too many wrong codes from this device; ask the instructor",
                                      429)
            given = str(code).strip().upper() if isinstance(code, (str, int)) else ""
            if not hmac.compare_digest(given.encode()[:20], self.code.encode()):
                self.bad_codes[client] = self.bad_codes.get(client, 0) + 1
                raise GameAccessError("wrong join code (it is shown on the instructor's screen)")
            if group not in GROUP_LEVERS:
                raise LiveError(f"group must be one of {', '.join(GROUP_LEVERS)}")
            if len(self.players) >= MAX_PLAYERS:
                raise GameAccessError("this session is full", 503)
            p = Player(secrets.token_urlsafe(18), group, time.time())
            self.players[p.token] = p
            return p

    # --- play ------------------------------------------------------------------------------
    def move(self, player: Player, name: Any, value: Any) -> None:
        """A group's move for the next round (its own levers only, not while frozen)."""
        p = control(name)
        if p is None:
            raise LiveError(f"unknown lever {str(name)[:40]!r}; levers are "
                            f"{', '.join(n for names in group_levers().values() for n in names)}")
        v = check_value(p, name, value)
        if name not in group_levers()[player.group]:
            raise GameAccessError(f"{name} is not a lever of {GROUP_NAMES[player.group]} "
                                  f"(held by {GROUP_NAMES.get(holder_of(name) or '', 'nobody')})")
        with self.lock:
            if self.frozen:
                raise GameAccessError("moves are frozen by the instructor", 409)
            if self.over:
                raise GameAccessError("the game is over", 409)
            self.pending[name] = v

    def advance(self) -> None:
        """Apply the pending moves from this quarter on and play one round."""
        with self.lock, self.live.lock:
            if self.over:
                raise GameAccessError("the game is over", 409)
            step = len(self.live.model.history)
            for name, v in sorted(self.pending.items()):
                if v != self.lever_value(name):
                    if name in LEVERS:
                        self.live.set_lever(name, v)
                    else:
                        self.live.set_uncertainty(name, v)
                    self.moves.append({"round": self.round + 1, "step": step,
                                       "quarter": _quarter(step), "lever": name, "value": v,
                                       "group": holder_of(name)})
            self.pending.clear()
            self.live.step(self.round_quarters)
            self.round += 1

    def set_flag(self, frozen: bool | None = None, revealed: bool | None = None) -> None:
        with self.lock:
            if frozen is not None:
                self.frozen = frozen
            if revealed is not None:
                self.revealed = revealed

    @property
    def over(self) -> bool:
        return self.round >= self.rounds or not self.live.model.running

    def lever_value(self, name: str) -> float:
        step = len(self.live.model.history)
        m = self.live.model
        if name in LEVERS:
            return value_at(m.levers[name], step, LEVERS[name].default)
        return value_at(m.world[name], step, UNCERTAINTIES[name].default)

    # --- what screens show -----------------------------------------------------------------
    def state(self, player: Player | None = None) -> dict[str, Any]:
        """The session as a screen sees it: the instructor (``player`` None) sees everything; a
        player sees its group's levers and result, the others' only once revealed."""
        with self.lock, self.live.lock:
            m, r = self.live.model, self.live.reference
            step = len(m.history)
            gains = {}
            for g, metric in GAINS.items():
                if player is not None and not self.revealed and g != player.group:
                    continue
                mine = [row[metric] for row in m.history]
                ref = [row[metric] for row in r.history]
                gains[g] = {"live": mine, "reference": ref,
                            "difference": [a - b for a, b in zip(mine, ref, strict=True)]}
            groups = {}
            for g, names in group_levers().items():
                groups[g] = {
                    "name": GROUP_NAMES[g],
                    "players": sum(p.group == g for p in self.players.values()),
                    "levers": {n: {"value": self.lever_value(n),
                                   "pending": self.pending.get(n)} for n in names},
                }
            out = {"round": self.round, "rounds": self.rounds,
                   "round_quarters": self.round_quarters, "step": step,
                   "steps": self.rounds * self.round_quarters,
                   "quarter": _quarter(step - 1) if step else None,
                   "next_quarter": _quarter(step), "over": self.over, "frozen": self.frozen,
                   "revealed": self.revealed, "reference": self.reference.describe(),
                   "gains": gains, "groups": groups, "moves": list(self.moves)}
            if player is None or self.revealed:
                out["world"] = self.live.state()["world"]
            if player is not None:
                out["you"] = {"group": player.group, "name": GROUP_NAMES[player.group]}
            else:
                out["code"] = self.code
                out["join_address"] = self.join_address
            return out

    def scenario_yaml(self) -> str:
        """The game as a scenario file: the start scenario with every lever's path as played,
        run for the quarters played, with the session's seed. ``triplewin run FILE`` replays
        the game's world exactly (replication 0)."""
        with self.lock, self.live.lock:
            played = max(len(self.live.model.history), 1)
            data = self.scenario.model_dump()
            levers = {}
            for name in LEVERS:
                raw = self.live.model.levers[name]
                levers[name] = ({int(k): float(v) for k, v in raw.items()}
                                if isinstance(raw, dict) else float(raw))
            world = dict(data["world"])
            for name in GAME_STANCES:  # a stance moved in the game: its path as played
                raw = self.live.model.world.get(name)
                if isinstance(raw, dict):
                    world[name] = {int(k): float(v) for k, v in raw.items()}
            moves = "; ".join(f"{m['quarter']} {m['group']}: {m['lever']} = {m['value']:g}"
                              for m in self.moves) or "no lever was moved"
            doc = {
                "name": f"class-game-{self.code.lower()}",
                "description": (
                    f"A class game played from {self.scenario.name} ({self.rounds} rounds of "
                    f"{self.round_quarters} quarters, seed {self.seed}), compared in class with "
                    f"{self.reference.describe()}. Moves: {moves}."),
                "run": {"steps": played, "seed": self.seed, "replications": 2},
                "world": world,
                "levers": levers,
            }
            header = ("# Written by the triplewin class game. Lever schedules {step: value} hold "
                      "each value from that quarter\n# (step 0 = 2015Q1) until the next listed "
                      "step. Replay: triplewin run THIS_FILE\n")
            return header + yaml.safe_dump(doc, sort_keys=False, width=96)


class GameAccessError(LiveError):
    """A game request refused for who is asking or when (403 unless said otherwise)."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.status = status


def _quarter(step: int) -> str:
    return f"{START_YEAR + step // 4}Q{step % 4 + 1}"
