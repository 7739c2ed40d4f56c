"""`python -m sluice` / `sluice`: the command line, one module per subcommand.

Each subcommand module defines `add_parser(subparsers)`, which declares its flags and sets
`run(args) -> exit status` as the parser's default `run`. `main(argv)` dispatches:

    sluice inspect_checkpoint --file_name=PREFIX [--tensor_name=NAME] [--all_tensors] [--all_tensor_names]
    sluice graph FILE.pb|FILE.pbtxt|FILE.meta
    sluice bench [SCRIPT] [ARGS...]
"""
import argparse
import sys

from sluice.cli import bench, graph_summary, inspect_checkpoint

SUBCOMMANDS = (inspect_checkpoint, graph_summary, bench)


def build_parser():
    parser = argparse.ArgumentParser(prog='sluice', description="sluice's tools: TF1's command-line tools.")
    subparsers = parser.add_subparsers(dest='command', metavar='COMMAND')
    for module in SUBCOMMANDS:
        module.add_parser(subparsers)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.command is None:
        parser.print_help()
        return 1
    return args.run(args)
