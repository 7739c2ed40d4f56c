"""The package stays readable: no module of sluice/ over 800 lines (the project's guide, checked
like tinygrad's line budget), and no module named after a batch instead of a domain."""
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / 'sluice'
LIMIT = 800
MODULES = sorted(p for p in PACKAGE.rglob('*.py') if '_pb2' not in p.name)


def test_modules_are_found():
    assert len(MODULES) > 100  # a wrong path would make the checks below pass vacuously


@pytest.mark.parametrize('path', MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_is_under_the_line_limit(path):
    with open(path, encoding='utf-8') as f:
        lines = sum(1 for _ in f)
    assert lines <= LIMIT, '%s has %d lines (limit %d): split it by job' % (path.relative_to(PACKAGE), lines, LIMIT)


def test_module_names_come_from_the_domain():
    vague = [str(p.relative_to(PACKAGE)) for p in MODULES
             if p.stem.split('_')[0] in ('misc', 'more', 'extra', 'common', 'utils', 'helpers')]
    assert not vague
