"""`sluice bench [NAME] [ARGS...]`: runs a benchmark of the checkout's benchmarks/ folder.

The benchmark suite is a folder of scripts beside the package in a source checkout (it is not
installed with the package). Without NAME, lists them with the first line of each docstring;
with NAME (a script's name, with or without '.py'), runs it in this interpreter with ARGS.
"""
import argparse
import ast
import os
import runpy
import sys


def benchmarks_dir():
    """The checkout's benchmarks/ folder, or None when the package was installed without it."""
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(here, 'benchmarks')
    return path if os.path.isdir(path) else None


def _scripts(folder):
    return sorted(f[:-3] for f in os.listdir(folder) if f.endswith('.py') and not f.startswith('_'))


def _summary(path):
    with open(path, encoding='utf-8') as f:
        doc = ast.get_docstring(ast.parse(f.read())) or ''
    return doc.splitlines()[0] if doc else ''


def run(args):
    folder = benchmarks_dir()
    if folder is None:
        print('sluice bench: the benchmark suite comes with a source checkout of sluice (its benchmarks/ '
              'folder); this installation has none.')
        return 1
    names = _scripts(folder)
    if not args.name:
        for name in names:
            print('%-20s %s' % (name, _summary(os.path.join(folder, name + '.py'))))
        return 0
    name = args.name[:-3] if args.name.endswith('.py') else args.name
    if name not in names:
        print('sluice bench: no benchmark %r; there are: %s' % (args.name, ', '.join(names)))
        return 1
    script = os.path.join(folder, name + '.py')
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.argv = [script] + list(args.args)
    sys.path.insert(0, folder)
    try:
        runpy.run_path(script, run_name='__main__')
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
    return 0


def add_parser(subparsers):
    parser = subparsers.add_parser('bench', help="list or run the checkout's benchmarks")
    parser.add_argument('name', nargs='?', default='', help='the benchmark to run (none: list them)')
    parser.add_argument('args', nargs=argparse.REMAINDER, help="the benchmark's own flags")
    parser.set_defaults(run=run)
