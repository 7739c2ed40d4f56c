"""How much of a TF1 corpus's TensorFlow API sluice has: scan programs for `tf.X.Y` uses and resolve them.

    python tools/resolve_names.py PATH_OR_GIT_DIR ... [--exclude GLOB] [--notebooks] [--top 40] [--json OUT]

Each argument is a .py/.ipynb file, a directory (walked), or a bare git directory (its HEAD tree is
read with `git ls-tree` / `git show`, as /work/.mirror/<owner>+<repo> holds them).

What counts as a use. Imports bind local names to TensorFlow paths: `import tensorflow as tf`,
`import tensorflow.compat.v1 as tf`, `import tensorflow.contrib.slim as slim`, `from tensorflow.contrib
import rnn`, `from tensorflow.python.client import device_lib`. Every attribute chain that starts at
such a name (`tf.nn.rnn_cell.LSTMCell`, `slim.conv2d`) is one use of the full dotted path, and every
`from tensorflow.x import y` is one use of `tensorflow.x.y`; attributes a program sets on the module
itself (`tf.model = Sequential()`) are the program's, not TensorFlow's. Files Python 3 cannot parse
(Python 2 print statements) are scanned token by token instead of through the AST.

How a use resolves. `tensorflow` maps to `sluice`; the path is walked one name at a time with
getattr, importing `sluice.<path>` as a module where getattr fails (tensorflow.core.framework.graph_pb2).
The walk stops successfully at the first value that is neither a module nor a class: what follows
(`tf.app.flags.FLAGS.batch_size`, `tf.float32.as_numpy_dtype`) is an attribute of an object, which
depends on the program. A path resolves when every name up to there exists.

Reported: the share of uses that resolve, the share of files whose uses all resolve, the missing
paths ranked by the number of files using them (then by uses), and the same ranking of the first
absent name of each (tf.contrib.boosted_trees for tf.contrib.boosted_trees.proto.learner_pb2).
"""
import argparse
import ast
import collections
import fnmatch
import importlib
import io
import json
import os
import re
import subprocess
import sys
import tokenize
import types

ROOT = 'tensorflow'


# -- reading the corpus ----------------------------------------------------------------------------
# Cell magics whose body is still Python that IPython runs (timed or with its output captured).
_PYTHON_CELL_MAGICS = ('%%time', '%%timeit', '%%capture')
# `%name` or `!command`; not a continuation line such as `% (a, b))` or `!= b`.
_MAGIC_OR_SHELL = re.compile(r'%%?[A-Za-z]|![^=]')


def _cell_lines(source):
    """The Python lines of one code cell as IPython runs them: a magic or shell line is a statement
    there, so it becomes `pass` at its indentation (a `try:` around `%tensorflow_version 1.x` keeps a
    body), except `%time STATEMENT`, which runs the statement; a cell magic of another language
    (%%bash, %%writefile) drops the cell."""
    lines = source.splitlines()
    first = next((line.strip() for line in lines if line.strip()), '')
    if first.startswith('%%'):
        if not first.startswith(_PYTHON_CELL_MAGICS):
            return []
        lines = lines[[line.strip() for line in lines].index(first) + 1:]
    kept = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith('%time ') and not stripped.startswith('%time -'):   # times a statement it runs
            line = line[:len(line) - len(stripped)] + stripped[len('%time '):].lstrip()
        elif _MAGIC_OR_SHELL.match(stripped):
            line = line[:len(line) - len(stripped)] + 'pass'
        kept.append(line)
    return kept


def _notebook_source(text):
    """The code cells of a notebook as one program: magics and shell lines as `pass`, cell magics of
    other languages dropped, `from __future__` imports (legal only at the top) moved first."""
    try:
        cells = json.loads(text).get('cells', [])
    except ValueError:
        return ''
    lines = []
    for cell in cells:
        if cell.get('cell_type') == 'code':
            source = cell.get('source', [])
            lines.extend(_cell_lines(''.join(source) if isinstance(source, list) else source))
    future = [line for line in lines if line.startswith('from __future__ import')]
    return '\n'.join(future + [line for line in lines if not line.startswith('from __future__ import')])


def _wanted(path, notebooks, excludes):
    if not (path.endswith('.py') or (notebooks and path.endswith('.ipynb'))):
        return False
    return not any(fnmatch.fnmatch(path, pattern) for pattern in excludes)


def iter_sources(target, notebooks=False, excludes=()):
    """(name, source text) of each program under `target` (file, directory or bare git directory)."""
    if os.path.isfile(target):
        paths = [target] if _wanted(target, notebooks, excludes) else []
        for path in paths:
            with open(path, encoding='utf-8', errors='replace') as f:
                yield path, _read(path, f.read())
    elif os.path.isdir(os.path.join(target, 'objects')) and os.path.exists(os.path.join(target, 'HEAD')):
        listing = subprocess.run(['git', '--git-dir', target, 'ls-tree', '-r', '--name-only', 'HEAD'],
                                 capture_output=True, text=True, check=True).stdout.splitlines()
        for path in sorted(listing):
            if _wanted(path, notebooks, excludes):
                shown = subprocess.run(['git', '--git-dir', target, 'show', 'HEAD:' + path], capture_output=True)
                if shown.returncode != 0:  # a snapshot may list a large file without holding it
                    print('skipped (not in the snapshot): %s:%s' % (target, path), file=sys.stderr)
                    continue
                yield '%s:%s' % (target, path), _read(path, shown.stdout.decode('utf-8', errors='replace'))
    else:
        for root, dirs, files in os.walk(target):
            dirs[:] = sorted(d for d in dirs if not d.startswith('.'))
            for name in sorted(files):
                path = os.path.join(root, name)
                if _wanted(path, notebooks, excludes):
                    with open(path, encoding='utf-8', errors='replace') as f:
                        yield path, _read(path, f.read())


def _read(path, text):
    return _notebook_source(text) if path.endswith('.ipynb') else text


# -- finding the uses ------------------------------------------------------------------------------
def _import_bindings(node):
    """[(local name, TF path, counts as a use)] bound by one Import / ImportFrom node."""
    bound = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name == ROOT or alias.name.startswith(ROOT + '.'):
                if alias.asname:
                    bound.append((alias.asname, alias.name, alias.name != ROOT))
                else:  # `import tensorflow.contrib.slim` binds `tensorflow`
                    bound.append((ROOT, ROOT, False))
    elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        if node.module == ROOT or node.module.startswith(ROOT + '.'):
            for alias in node.names:
                if alias.name != '*':
                    bound.append((alias.asname or alias.name, node.module + '.' + alias.name, True))
    return bound


def _chain(node):
    """'a.b.c' for an Attribute chain over a Name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return '.'.join(reversed(parts))


def uses_from_ast(tree):
    """The TF paths a parsed module uses (one entry per use)."""
    aliases, uses = {}, []
    for node in ast.walk(tree):
        for local, path, is_use in _import_bindings(node) if isinstance(node, (ast.Import, ast.ImportFrom)) else ():
            aliases[local] = path
            if is_use:
                uses.append(path)
    inner, assigned = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            chain = _chain(node)
            if chain and chain.partition('.')[0] in aliases:
                assigned.add(chain)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and id(node) not in inner and isinstance(node.ctx, ast.Load):
            value = node.value
            while isinstance(value, ast.Attribute):  # only the outermost node of a chain counts
                inner.add(id(value))
                value = value.value
            chain = _chain(node)
            if chain and not _assigned_prefix(chain, assigned):
                head, _, rest = chain.partition('.')
                if head in aliases:
                    uses.append(aliases[head] + '.' + rest)
    return uses


def _assigned_prefix(chain, assigned):
    """Whether the program itself set an attribute this chain starts with (`tf.model = ...; tf.model.fit`)."""
    return any(chain == a or chain.startswith(a + '.') for a in assigned)


def uses_from_tokens(source):
    """The same, from the token stream (for files Python 3 cannot parse)."""
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
                  if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT)]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []
    aliases, uses = {}, []
    lines = source.splitlines()
    for line in lines:  # imports, one statement a line
        try:
            tree = ast.parse(line.strip())
        except SyntaxError:
            continue
        for node in tree.body:
            for local, path, is_use in _import_bindings(node):
                aliases[local] = path
                if is_use:
                    uses.append(path)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        prev = tokens[i - 1].string if i else ''
        if tok.type == tokenize.NAME and tok.string in aliases and prev != '.' and \
                i + 2 < len(tokens) and tokens[i + 1].string == '.':
            parts = [tok.string]
            j = i + 1
            while j + 1 < len(tokens) and tokens[j].string == '.' and tokens[j + 1].type == tokenize.NAME:
                parts.append(tokens[j + 1].string)
                j += 2
            if not _inside_import(lines, tok.start[0]):
                uses.append(aliases[parts[0]] + '.' + '.'.join(parts[1:]))
            i = j
        else:
            i += 1
    return uses


def _inside_import(lines, lineno):
    stripped = lines[lineno - 1].lstrip()
    return stripped.startswith(('import ', 'from '))


def find_uses(source):
    try:
        return uses_from_ast(ast.parse(source))
    except (SyntaxError, ValueError):
        return uses_from_tokens(source)


# -- resolving in sluice ---------------------------------------------------------------------------
class Resolver:
    """Resolves TF paths against a root package (sluice), caching by path."""

    def __init__(self, root_module='sluice'):
        self._root_name = root_module
        self._root = importlib.import_module(root_module)
        self._cache = {}

    def resolves(self, path):
        return self.first_missing(path) is None

    def first_missing(self, path):
        """The path up to its first name the root lacks, or None when it resolves."""
        if path not in self._cache:
            names = path.split('.')
            depth = self._walk(names[1:])
            self._cache[path] = None if depth is None else '.'.join(names[:depth + 2])
        return self._cache[path]

    def _walk(self, names):
        """None when `names` resolve from the root, else the index of the first that does not."""
        value, module_path = self._root, self._root_name
        for i, name in enumerate(names):
            if not isinstance(value, (types.ModuleType, type)):
                return None  # an attribute of an object: the program's business
            try:
                value = getattr(value, name)
            except Exception:  # pylint: disable=broad-except  (AttributeError, or a lazy import failing)
                value = self._import(module_path + '.' + name)
                if value is None:
                    return i
            module_path = value.__name__ if isinstance(value, types.ModuleType) else module_path + '.' + name
        return None

    @staticmethod
    def _import(module_path):
        try:
            return importlib.import_module(module_path)
        except Exception:  # pylint: disable=broad-except  (ImportError, or an error inside the module)
            return None


# -- the report ------------------------------------------------------------------------------------
def analyse(targets, resolver, notebooks=False, excludes=()):
    """{'files': {name: [paths]}, ...} with per-use and per-file counts and the missing paths."""
    per_file = {}
    for target in targets:
        for name, source in iter_sources(target, notebooks, excludes):
            uses = find_uses(source)
            if uses:
                per_file[name] = uses
    total = resolved = files_ok = 0
    missing_files, missing_uses = collections.Counter(), collections.Counter()
    absent_files, absent_uses = collections.Counter(), collections.Counter()
    for name, uses in per_file.items():
        bad = [u for u in uses if not resolver.resolves(u)]
        absent = [resolver.first_missing(u) for u in bad]
        total += len(uses)
        resolved += len(uses) - len(bad)
        files_ok += not bad
        missing_uses.update(bad)
        missing_files.update(set(bad))
        absent_uses.update(absent)
        absent_files.update(set(absent))
    return {'files': len(per_file), 'files_resolving': files_ok, 'uses': total, 'uses_resolving': resolved,
            'missing': _ranked(missing_files, missing_uses), 'first_absent': _ranked(absent_files, absent_uses)}


def _ranked(files, uses):
    """[(path, files, uses)] by files, then uses, then path."""
    return [(p, files[p], uses[p]) for p in sorted(files, key=lambda p: (-files[p], -uses[p], p))]


def _share(part, whole):
    return 100.0 * part / whole if whole else 0.0


def format_report(result, top):
    lines = ['files using TensorFlow: %d; uses: %d' % (result['files'], result['uses']),
             'uses that resolve:  %d / %d = %.1f%%' % (result['uses_resolving'], result['uses'],
                                                      _share(result['uses_resolving'], result['uses'])),
             'files resolving every use: %d / %d = %.1f%%' % (result['files_resolving'], result['files'],
                                                              _share(result['files_resolving'], result['files'])),
             'most used missing names (files, uses):']
    lines += ['  %-60s %4d %5d' % (path.replace(ROOT, 'tf', 1), files, uses)
              for path, files, uses in result['missing'][:top]]
    lines.append('the first absent name of those uses (files, uses):')
    lines += ['  %-60s %4d %5d' % (path.replace(ROOT, 'tf', 1), files, uses)
              for path, files, uses in result['first_absent'][:top]]
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('targets', nargs='+', help='files, directories or bare git directories')
    parser.add_argument('--exclude', action='append', default=[], help='glob of paths to skip (repeatable)')
    parser.add_argument('--notebooks', action='store_true', help='also scan the code cells of .ipynb files')
    parser.add_argument('--root', default='sluice', help='the package tensorflow maps to (default sluice)')
    parser.add_argument('--path', default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        help='a directory put first on sys.path to import the root from (default: this checkout)')
    parser.add_argument('--top', type=int, default=40, help='how many missing names to list')
    parser.add_argument('--json', help='write the full result here')
    args = parser.parse_args(argv)
    sys.path.insert(0, args.path)
    result = analyse(args.targets, Resolver(args.root), args.notebooks, args.exclude)
    print(format_report(result, args.top))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
