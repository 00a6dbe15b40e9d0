"""Allow ``python -m sim`` as an alias for the ``triplewin`` command."""

from sim.cli import entry

if __name__ == "__main__":
    entry()
