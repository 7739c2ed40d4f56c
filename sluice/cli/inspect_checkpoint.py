"""`sluice inspect_checkpoint`: TF's inspect_checkpoint tool over a V2 checkpoint.

Flags and output as TF 1.15's tensorflow/python/tools/inspect_checkpoint.py:
  no tensor flag           the reader's debug string: 'name (DT_FLOAT) [2,3]' per tensor;
  --tensor_name=NAME       'tensor_name:  NAME' then the value as NumPy prints it;
  --all_tensors            every tensor, sorted by name, with its value;
  --all_tensor_names       every name, sorted;
then '# Total number of params: N' (the element count of every tensor not matching
--count_exclude_pattern). A checkpoint that cannot be read prints the error (and, for a data
file named instead of its prefix, the hint to pass the prefix) instead of raising.
`--printoptions k=v ...` sets numpy.set_printoptions first.
"""
import re

import numpy as np

USAGE = ('Usage: inspect_checkpoint --file_name=checkpoint_file_name [--tensor_name=tensor_to_print] '
         '[--all_tensors] [--all_tensor_names] [--printoptions]')

_V2_HINT = """
It's likely that this is a V2 checkpoint and you need to provide the filename
*prefix*.  Try removing the '.' and extension.  Try:
inspect checkpoint --file_name = {}"""


def _count_total_params(reader, count_exclude_pattern=''):
    shapes = reader.get_variable_to_shape_map()
    if count_exclude_pattern:
        pattern = re.compile(count_exclude_pattern)
        excluded = {name for name in shapes if pattern.search(name)}
        print('# Excluding %d tensors (%d params) that match %s when counting.' % (
            len(excluded), sum(int(np.prod(shapes[n])) for n in excluded), count_exclude_pattern))
        shapes = {n: s for n, s in shapes.items() if n not in excluded}
    return sum(int(np.prod(s)) for s in shapes.values())


def print_tensors_in_checkpoint_file(file_name, tensor_name, all_tensors, all_tensor_names=False,
                                     count_exclude_pattern=''):
    """Prints the tensors (or their names and shapes) of the checkpoint `file_name`, as TF does."""
    from sluice.engine import errors
    from sluice.io.checkpoint_reader import NewCheckpointReader
    try:
        reader = NewCheckpointReader(file_name)
        if all_tensors or all_tensor_names:
            for key in sorted(reader.get_variable_to_shape_map()):
                print('tensor_name: ', key)
                if all_tensors:
                    print(reader.get_tensor(key))
        elif not tensor_name:
            print(reader.debug_string().decode('utf-8'))
        else:
            print('tensor_name: ', tensor_name)
            print(reader.get_tensor(tensor_name))
        print('# Total number of params: %d' % _count_total_params(reader, count_exclude_pattern))
    except (errors.OpError, OSError, ValueError) as e:
        print(str(e))
        if isinstance(e, errors.DataLossError) and any(s in file_name for s in ('.index', '.meta', '.data')):
            print(_V2_HINT.format('.'.join(file_name.split('.')[:-1])))


def _bool_flag(value):
    return value.lower() == 'true'


def parse_numpy_printoption(kv_str):
    """Sets one numpy print option from 'key=value' (argparse type of --printoptions)."""
    import argparse
    key, sep, value = kv_str.partition('=')
    if not sep or not key:
        raise argparse.ArgumentTypeError("'%s' is not in the form k=v." % kv_str)
    options = np.get_printoptions()
    if key not in options:
        raise argparse.ArgumentTypeError("'%s' is not a valid printoption." % key)
    kind = type(options[key])
    if kind is type(None):
        raise argparse.ArgumentTypeError("Setting '%s' from the command line is not supported." % key)
    try:
        np.set_printoptions(**{key: _bool_flag(value) if kind is bool else kind(value)})
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e))
    return kv_str


def add_flags(parser):
    parser.add_argument('--file_name', type=str, default='',
                        help='Checkpoint filename: for a V2 checkpoint, the prefix shared by its files.')
    parser.add_argument('--tensor_name', type=str, default='', help='Name of the tensor to inspect')
    parser.add_argument('--count_exclude_pattern', type=str, default='',
                        help='Pattern to exclude tensors, e.g., from optimizers, when counting.')
    parser.add_argument('--all_tensors', nargs='?', const=True, type=_bool_flag, default=False,
                        help='If True, print the names and values of all the tensors.')
    parser.add_argument('--all_tensor_names', nargs='?', const=True, type=_bool_flag, default=False,
                        help='If True, print the names of all the tensors.')
    parser.add_argument('--printoptions', nargs='*', type=parse_numpy_printoption,
                        help="Argument for numpy.set_printoptions(), in the form 'k=v'.")


def run(args):
    if not args.file_name:
        print(USAGE)
        return 1
    print_tensors_in_checkpoint_file(args.file_name, args.tensor_name, args.all_tensors, args.all_tensor_names,
                                     count_exclude_pattern=args.count_exclude_pattern)
    return 0


def add_parser(subparsers):
    parser = subparsers.add_parser('inspect_checkpoint', help="print a checkpoint's tensors (TF's flags)")
    add_flags(parser)
    parser.set_defaults(run=run)


def main(argv=None):
    """The tool as a standalone program (`python -m sluice.python.tools.inspect_checkpoint`)."""
    import argparse
    import sys
    parser = argparse.ArgumentParser(prog='inspect_checkpoint')
    add_flags(parser)
    args, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    return run(args)
