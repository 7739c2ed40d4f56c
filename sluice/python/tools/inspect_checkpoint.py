"""`tensorflow.python.tools.inspect_checkpoint`: the tool lives in sluice/cli/inspect_checkpoint.py."""
import sys

from sluice.cli.inspect_checkpoint import (main, parse_numpy_printoption,  # noqa: F401
                                           print_tensors_in_checkpoint_file)

if __name__ == '__main__':
    sys.exit(main())
