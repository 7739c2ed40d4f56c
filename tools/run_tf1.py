"""Runs a TF1 program on sluice as it stands: `import tensorflow` (and every `tensorflow.x.y` import) is
answered by sluice, nothing else in the program changes.

    python tools/run_tf1.py PROGRAM.py|NOTEBOOK.ipynb [--seconds 60] [--data DIR] [-- program arguments]

A notebook runs as the program its code cells make (IPython magics and shell lines dropped, as
tools/resolve_names.py reads them). The program runs in its own directory as `__main__`, so its relative paths and `if __name__` blocks
behave as when run directly. `--seconds` bounds the run: a program still running then is stopped and
counted as running ("timeout"), since most training loops never end on their own; the point is to reach
its first steps. `--data DIR` links every entry of DIR into a scratch copy of the program's directory
(MNIST_data/, data/...) for programs that would download them. `--path DIR` puts DIR on sys.path (a repository laid out as a package). `--keras` answers standalone Keras
(`import keras`: Keras 2 on TF's backend) with sluice.keras too.

The last line printed is one JSON object: {"program", "status": ok | timeout | error | exit | not-python3, "seconds",
"error": "Class: message", "where": the innermost frame of sluice, "line": the program's line}, the line
tools that run a whole corpus collect.
"""
import argparse
import importlib
import importlib.abc
import importlib.util
import json
import os
import runpy
import shutil
import signal
import sys
import tempfile
import time
import traceback


class _TensorFlowIsSluice(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers `tensorflow[.path]` with `sluice[.path]`: the module when there is one, else the attribute
    reached by walking the path from sluice (tensorflow.contrib.slim is an attribute in sluice).
    With `keras=True`, standalone Keras (`import keras`, Keras 2 on the TF backend) is `sluice.keras`."""

    def __init__(self, keras=False):
        self._roots = {'tensorflow': 'sluice'}
        if keras:
            self._roots['keras'] = 'sluice.keras'

    def _root(self, fullname):
        head = fullname.split('.', 1)[0]
        return head if head in self._roots else None

    def find_spec(self, fullname, path=None, target=None):
        if self._root(fullname) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self, is_package=True)

    def create_module(self, spec):
        root = self._root(spec.name)
        name = self._roots[root] + spec.name[len(root):]
        try:
            return importlib.import_module(name)
        except ImportError:
            value = importlib.import_module(self._roots[root])
            for part in spec.name.split('.')[1:]:
                try:
                    value = getattr(value, part)
                except AttributeError:
                    raise ModuleNotFoundError('sluice has no %s (asked for %s)' % (name, spec.name))
            return value

    def exec_module(self, module):
        pass  # sluice's module is already executed


class _Stop(BaseException):
    """Raised in the program when its time is up (not an Exception: the program's handlers let it by)."""


def _on_alarm(signum, frame):
    raise _Stop()


def _where(tb):
    """(innermost sluice frame 'file:line func', the program's innermost line) of a traceback."""
    frames = traceback.extract_tb(tb)
    sluice_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep + 'sluice'
    inside = [f for f in frames if f.filename.startswith(sluice_root)]
    outside = [f for f in frames if not f.filename.startswith(sluice_root) and 'importlib' not in f.filename
               and f.filename != __file__]
    where = '%s:%d %s' % (os.path.relpath(inside[-1].filename, os.path.dirname(sluice_root)),
                          inside[-1].lineno, inside[-1].name) if inside else None
    line = '%s:%d %s' % (os.path.basename(outside[-1].filename), outside[-1].lineno,
                         (outside[-1].line or '').strip()) if outside else None
    return where, line


def _run_notebook(path):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from resolve_names import _notebook_source
    with open(path) as f:
        source = _notebook_source(f.read())
    main = type(sys)('__main__')
    main.__file__ = path
    sys.modules['__main__'] = main
    exec(compile(source, path, 'exec'), main.__dict__)


def run(program, seconds, data, argv, keras=False, paths=()):
    program = os.path.abspath(program)
    workdir = os.path.dirname(program)
    if data:
        scratch = tempfile.mkdtemp(prefix='run_tf1_')
        for name in os.listdir(workdir):
            os.symlink(os.path.join(workdir, name), os.path.join(scratch, name))
        for name in os.listdir(data):
            target = os.path.join(scratch, name)
            if not os.path.lexists(target):
                os.symlink(os.path.join(os.path.abspath(data), name), target)
        workdir = scratch
    sys.meta_path.insert(0, _TensorFlowIsSluice(keras))
    sys.argv = [program] + list(argv)
    sys.path[:0] = [os.path.dirname(program)] + [os.path.abspath(p) for p in paths]
    os.chdir(workdir)
    report = {'program': program, 'status': 'ok'}
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(seconds)
    start = time.time()
    try:
        if program.endswith('.ipynb'):
            _run_notebook(program)
        else:
            runpy.run_path(program, run_name='__main__')
    except _Stop:
        report['status'] = 'timeout'
    except SystemExit as e:
        report['status'] = 'ok' if e.code in (None, 0) else 'exit'
        if e.code not in (None, 0):
            report['error'] = 'SystemExit: %s' % (e.code,)
    except SyntaxError as e:  # Python 2 code: nothing sluice can run
        report['status'] = 'not-python3'
        report['error'] = 'SyntaxError: %s' % e.msg
    except BaseException as e:  # the program's failure is the result
        report['status'] = 'error'
        report['error'] = '%s: %s' % (type(e).__name__, str(e).splitlines()[0][:300] if str(e) else '')
        report['where'], report['line'] = _where(e.__traceback__)
        traceback.print_exc()
    finally:
        signal.alarm(0)
    report['seconds'] = round(time.time() - start, 1)
    if data:
        shutil.rmtree(workdir, ignore_errors=True)
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('program')
    parser.add_argument('--seconds', type=int, default=60)
    parser.add_argument('--data', default=None, help='entries linked into the program directory')
    parser.add_argument('--keras', action='store_true', help='answer standalone `import keras` with sluice.keras')
    parser.add_argument('--path', action='append', default=[],
                        help='a directory put on sys.path (a repository laid out as a package: `from gcn.utils import`)')
    own, argv = (sys.argv[1:], []) if '--' not in sys.argv else (
        sys.argv[1:sys.argv.index('--')], sys.argv[sys.argv.index('--') + 1:])
    args = parser.parse_args(own)
    report = run(args.program, args.seconds, args.data, argv, args.keras, args.path)
    sys.stdout.flush()
    print('\n' + json.dumps(report), flush=True)  # on its own line after a progress bar's '\r'
    os._exit(0)  # the program's threads (queue runners) must not keep the process


if __name__ == '__main__':
    main()
