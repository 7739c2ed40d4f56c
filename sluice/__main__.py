"""`python -m sluice COMMAND ...`: see sluice/cli/__init__.py."""
import sys

from sluice.cli import main

if __name__ == '__main__':
    sys.exit(main())
