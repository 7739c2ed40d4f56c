"""The source distribution: the licence and its metadata, and either the whole test suite with what it
reads (conftest.py, tests/io/data, seed programs, examples) or no tests at all; never half of it."""
import os
import subprocess
import sys
import tarfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope='module')
def sdist(tmp_path_factory):
    if not os.path.exists(os.path.join(REPO, 'setup.py')):
        pytest.skip('not a source checkout')
    out = tmp_path_factory.mktemp('sdist')
    # egg_info goes to the temporary folder too, leaving the checkout as it was
    subprocess.run([sys.executable, 'setup.py', '-q', 'egg_info', '--egg-base', str(out), 'sdist', '-d', str(out)],
                   cwd=REPO, check=True, capture_output=True, timeout=300)
    (archive,) = [p for p in os.listdir(out) if p.endswith('.tar.gz')]
    with tarfile.open(os.path.join(out, archive)) as tar:
        root = tar.getnames()[0].split('/')[0]
        names = {n[len(root) + 1:] for n in tar.getnames()}
        pkg_info = tar.extractfile('%s/PKG-INFO' % root).read().decode()
    return names, pkg_info


def test_sdist_ships_the_whole_test_suite_or_none(sdist):
    names, _ = sdist
    tests = {n for n in names if n.startswith('tests/')}
    repo_tests = set()
    for folder, dirs, files in os.walk(os.path.join(REPO, 'tests')):
        dirs[:] = [d for d in dirs if d != '__pycache__']
        repo_tests |= {os.path.relpath(os.path.join(folder, f), REPO).replace(os.sep, '/') for f in files
                       if not f.endswith(('.pyc', '.pyo'))}
    assert tests, 'no tests shipped: then say so here'
    assert 'tests/conftest.py' in tests and any(n.startswith('tests/io/data/') for n in tests)
    assert repo_tests <= tests, sorted(repo_tests - tests)[:10]
    assert any(n.startswith('examples/') for n in names)  # tests/test_examples.py runs them
    assert not any('__pycache__' in n for n in names)


def test_sdist_carries_the_licence_and_metadata(sdist):
    names, pkg_info = sdist
    assert 'LICENSE' in names
    assert 'License: MIT' in pkg_info or 'License-Expression: MIT' in pkg_info
    assert 'Classifier: License :: OSI Approved :: MIT License' in pkg_info
    assert 'Requires-Python: >=3.9' in pkg_info
