"""Allow ``python -m sim`` as an alias for the ``triplewin`` command."""

from sim.cli import main

if __name__ == "__main__":
    main()
