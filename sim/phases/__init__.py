"""The phase functions of one quarter, one module per group of phases.

Each phase is a function ``phase(model, quarter)``; their order is set in one place only, the
tuple :data:`sim.schedule.PHASES`, whose docstring lists them.

* :mod:`.markets`: 1 environment, 2 tendering;
* :mod:`.bids`: 3 bids (and the markup learning the payment phase calls);
* :mod:`.contracts`: 4 award, 5 payment;
* :mod:`.growth`: 6 technology, 7 location;
* :mod:`.hosts`: 8 reputation, 9 hosts, 10 record.

Every number of the phases that moves an outcome is a structural constant declared in
:mod:`sim.scenario.constants` (``CONSTANTS``) and read from the run's values, ``m.k.<name>``; the few
module constants left carry a ``#:`` comment and are listed in docs/parameters.md.
"""
