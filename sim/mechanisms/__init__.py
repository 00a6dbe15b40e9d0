"""Clearing mechanisms: pure functions over arrays of agent state (STYLE.md habit 2).

One module per step phase of docs/ODD.md section 3; each is documented as a submodel in
``docs/ODD.md``. Agents decide (which tenders to bid on, where to invest); these functions clear.
"""
