"""``python -m api.cli …`` runs the ``civgeo`` command (tests and ``make`` call it so)."""

from api.cli import main

if __name__ == "__main__":
    main()
