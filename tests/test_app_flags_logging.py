"""tf.app.run, tf.flags / tf.app.flags and tf.logging, checked against TF 1.x behaviour.

Expected values, messages and exit codes were taken from the scratch TensorFlow
(tensorflow.compat.v1, whose tf.flags wraps absl.flags), except log_first_n: TF 2.21's counts the
wrong frame, so the expected values follow TF 1.x's documented behaviour (first n calls per line).
"""
import logging
import os
import subprocess
import sys
import textwrap

import pytest

import sluice as tf
from sluice import app, flags
from sluice import tf_logging

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def fv():
    """A fresh registry with the flags of the TF examples."""
    values = flags.FlagValues()
    flags.DEFINE_boolean('self_test', False, 'True if running a self test.', flag_values=values)
    flags.DEFINE_string('name', 'x', 'a name', flag_values=values)
    flags.DEFINE_integer('n', 3, 'a number', flag_values=values)
    flags.DEFINE_float('lr', 0.1, 'learning rate', flag_values=values)
    flags.DEFINE_list('ls', ['a', 'b'], 'a list', flag_values=values)
    flags.DEFINE_enum('mode', 'train', ['train', 'eval'], 'the mode', flag_values=values)
    return values


# ------------------------------------------------------------------ flags: values and forms

def test_defaults_before_parse_and_types(fv, monkeypatch):
    monkeypatch.setattr(sys, 'argv', ['prog'])
    assert not fv.is_parsed()
    assert (fv.self_test, fv.name, fv.n, fv.lr, fv.ls, fv.mode) == (False, 'x', 3, 0.1, ['a', 'b'], 'train')
    assert fv.is_parsed()      # the first read parsed sys.argv
    assert type(fv.lr) is float and type(fv.n) is int


def test_lazy_parse_reads_sys_argv(fv, monkeypatch):
    monkeypatch.setattr(sys, 'argv', ['prog', '--n=5', '--self_test'])
    assert fv.n == 5 and fv.self_test is True


def test_lazy_parse_unknown_flag_errors(fv, monkeypatch):
    monkeypatch.setattr(sys, 'argv', ['prog', '--zz=1'])
    with pytest.raises(flags.UnrecognizedFlagError, match="Unknown command line flag 'zz'"):
        fv.n
    assert not fv.is_parsed()


def test_call_form_returns_positionals(fv):
    left = fv(['prog', '--self_test', '--name=bob', '-n', '5', '--lr', '2.5', '--ls=x,y,z', '--mode', 'eval',
               'pos1', '--n=7', 'pos2'])
    assert left == ['prog', 'pos1', 'pos2']          # flags after positionals are still parsed (GNU style)
    assert (fv.self_test, fv.name, fv.n, fv.lr, fv.ls, fv.mode) == (True, 'bob', 7, 2.5, ['x', 'y', 'z'], 'eval')


def test_single_dash_and_double_dash(fv):
    assert fv(['p', '-n=6', 'a', '--', '--n=3']) == ['p', 'a', '--n=3']
    assert fv.n == 6
    assert fv(['p', 'a', '--', '--n=3'], known_only=True) == ['p', 'a', '--', '--n=3']


@pytest.mark.parametrize('args, value', [
    (['--self_test'], True), (['--noself_test'], False), (['--self_test=false'], False),
    (['--self_test=0'], False), (['--self_test=True'], True), (['--self_test=t'], True),
    (['--self_test', '--noself_test'], False), ([], False)])
def test_boolean_forms(fv, args, value):
    fv(['p'] + args)
    assert fv.self_test is value


def test_boolean_does_not_take_next_arg(fv):
    assert fv(['p', '--self_test', 'false']) == ['p', 'false']
    assert fv.self_test is True


def test_bad_values(fv):
    with pytest.raises(flags.IllegalFlagValueError) as e:
        fv(['p', '--self_test=yes'])
    assert str(e.value) == "flag --self_test=yes: ('Non-boolean argument to boolean flag', 'yes')"
    with pytest.raises(flags.IllegalFlagValueError,
                       match=r"^flag --n=abc: invalid literal for int\(\) with base 10: 'abc'$"):
        fv(['p', '--n=abc'])
    with pytest.raises(flags.IllegalFlagValueError, match=r'^flag --mode=foo: value should be one of <train\|eval>$'):
        fv(['p', '--mode=foo'])
    with pytest.raises(flags.Error, match='^Missing value for flag --n$'):
        fv(['p', '--n'])
    assert issubclass(flags.IllegalFlagValueError, flags.Error)


def test_unknown_flags(fv):
    with pytest.raises(flags.UnrecognizedFlagError, match="Unknown command line flag 'zz'"):
        fv(['p', '--zz=1'])
    with pytest.raises(flags.UnrecognizedFlagError, match="Unknown command line flag 'nolr'"):
        fv(['p', '--nolr'])         # --no only negates booleans
    assert fv(['p', 'a', '--zz=1', 'b', '--n=2'], known_only=True) == ['p', 'a', '--zz=1', 'b']
    assert fv.n == 2


def test_integer_and_float_details():
    values = flags.FlagValues()
    flags.DEFINE_integer('lb', 3, 'bounded', lower_bound=0, flag_values=values)
    flags.DEFINE_integer('h', 0, 'hex', flag_values=values)
    flags.DEFINE_float('f', 3, 'bounded', upper_bound=5, flag_values=values)
    values(['p', '--h=0x10'])
    assert values.h == 16 and values.f == 3.0 and type(values.f) is float
    with pytest.raises(flags.IllegalFlagValueError, match='^flag --lb=-1: -1 is not a non-negative integer$'):
        values(['p', '--lb=-1'])
    with pytest.raises(flags.IllegalFlagValueError, match='^flag --f=6: 6.0 is not number <= 5$'):
        values(['p', '--f=6'])


def test_list_and_enum_details():
    values = flags.FlagValues()
    flags.DEFINE_list('ls', 'a, b,c', 'l', flag_values=values)
    flags.DEFINE_enum('e', 'A', ['A', 'b'], 'e', case_sensitive=False, flag_values=values)
    values(['p'])
    assert values.ls == ['a', 'b', 'c']
    values(['p', '--ls=', '--e=B'])
    assert values.ls == [] and values.e == 'b'
    values(['p', '--ls', '"a,b",c'])
    assert values.ls == ['a,b', 'c']
    values(['p', '--ls=x', '--ls=y'])           # the last one wins
    assert values.ls == ['y']


def test_value_as_next_arg_even_if_flag_like():
    values = flags.FlagValues()
    flags.DEFINE_string('req', None, 'r', flag_values=values)
    flags.DEFINE_integer('n', 3, 'n', flag_values=values)
    assert values(['p', '--req', '--n=0x10']) == ['p']
    assert values.req == '--n=0x10' and values.n == 3


def test_mark_flag_as_required():
    values = flags.FlagValues()
    flags.DEFINE_string('req', None, 'required', flag_values=values)
    flags.mark_flag_as_required('req', flag_values=values)
    with pytest.raises(flags.IllegalFlagValueError,
                       match='^flag --req=None: Flag --req must have a value other than None.$'):
        values(['p'])
    values(['p', '--req=x'])
    assert values.req == 'x'


def test_duplicate_definition(fv):
    with pytest.raises(flags.DuplicateFlagError, match="The flag 'n' is defined twice"):
        flags.DEFINE_integer('n', 3, 'a number', flag_values=fv)


def test_setattr_and_access(fv):
    fv(['p'])
    fv.n = 9
    assert fv.n == 9 and fv['n'].value == 9 and fv['n'].default == 3
    with pytest.raises(flags.UnrecognizedFlagError, match="Unknown command line flag 'qq'"):
        fv.qq = 1
    with pytest.raises(AttributeError):
        fv.undefined_flag
    assert 'n' in fv and 'zz' not in fv and len(fv) == 6
    assert fv.flag_values_dict()['name'] == 'x'
    fv(['p', '--n=4'])          # FLAGS(argv) again re-parses
    assert fv.n == 4


def test_old_keyword_names_and_tf14_api(monkeypatch):
    values = flags.FlagValues()
    flags.DEFINE_integer(flag_name='steps', default_value=10, docstring='steps', flag_values=values)
    monkeypatch.setattr(sys, 'argv', ['p', '--steps=3', 'extra'])
    assert values._parse_flags() == ['extra']
    assert values.__flags == {'steps': 3}


def test_help_exits_1(fv, capsys):
    with pytest.raises(SystemExit) as e:
        fv(['prog', '--help'])
    assert e.value.code == 1
    out = capsys.readouterr().out
    assert '--mode' in out and 'the mode' in out and 'learning rate' in out


def test_namespace_wiring():
    if getattr(tf, 'logging', None) is not tf_logging:
        pytest.skip('tf.app / tf.flags / tf.logging not wired into sluice/__init__.py yet')
    assert tf.app.flags is tf.flags
    assert tf.app.flags.FLAGS is tf.flags.FLAGS
    assert tf.logging.INFO == 20 and tf.logging.set_verbosity is tf_logging.set_verbosity


# ------------------------------------------------------------------ tf.app.run

_PROGRAM = textwrap.dedent('''
    import sys
    from sluice import app, flags
    flags.DEFINE_boolean('self_test', False, 'True if running a self test.')
    flags.DEFINE_integer('n', 3, 'num')
    FLAGS = flags.FLAGS

    def main(argv):
        print('argv', argv[1:])
        print(FLAGS.self_test, FLAGS.n)
        return RETURN

    if __name__ == '__main__':
        app.run(ARGS)
''')


def _run_program(tmp_path, args=(), ret='3', run_args=''):
    script = tmp_path / 'prog.py'
    script.write_text(_PROGRAM.replace('RETURN', ret).replace('ARGS', run_args))
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get('PYTHONPATH', ''))
    return subprocess.run([sys.executable, str(script)] + list(args), capture_output=True, text=True,
                          timeout=60, env=env)


def test_app_run_parses_and_exits_with_main_return(tmp_path):
    proc = _run_program(tmp_path, ['--self_test', '-n', '5', 'pos1', '--unknown=3', 'pos2'])
    assert proc.returncode == 3, proc.stderr
    # TF hands flags nobody defined on to main, in their place among the positionals
    assert proc.stdout.splitlines() == ["argv ['pos1', '--unknown=3', 'pos2']", 'True 5']


def test_app_run_none_exits_0_and_argv_param(tmp_path):
    proc = _run_program(tmp_path, ['--n=100'], ret='None', run_args="argv=['x', '--n=7', 'a']")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["argv ['a']", 'False 7']


def test_app_run_bad_flag_value(tmp_path):
    proc = _run_program(tmp_path, ['--n=abc'])
    assert proc.returncode == 1
    assert 'IllegalFlagValueError: flag --n=abc' in proc.stderr


def test_app_run_calls_main_with_argv(monkeypatch):
    seen = []
    monkeypatch.setattr(sys, 'argv', ['prog', 'rest'])
    monkeypatch.setattr(flags, 'FLAGS', flags.FlagValues())
    with pytest.raises(SystemExit) as e:
        app.run(lambda argv: seen.append(argv) or 'bye')
    assert seen == [['prog', 'rest']] and e.value.code == 'bye'


# ------------------------------------------------------------------ tf.logging

@pytest.fixture
def records():
    """Records reaching the tf.logging logger's handlers; verbosity restored afterwards."""
    got = []

    class Keep(logging.Handler):
        def emit(self, record):
            got.append(record)

    handler = Keep()
    logger = tf_logging.get_logger()
    logger.addHandler(handler)
    level = logger.level
    tf_logging.set_verbosity(tf_logging.WARN)   # TF's default (a TF test beside may have changed the shared logger)
    yield got
    logger.removeHandler(handler)
    tf_logging.set_verbosity(level)


def test_logging_constants_and_default_verbosity():
    assert (tf_logging.DEBUG, tf_logging.INFO, tf_logging.WARN, tf_logging.WARNING, tf_logging.ERROR,
            tf_logging.FATAL) == (10, 20, 30, 30, 40, 50)
    # TF's default, WARN, seen in a fresh process: TensorFlow, imported beside sluice by other tests,
    # shares the 'tensorflow' logger, and its set_verbosity changes ours (as it would in a program)
    code = 'from sluice import tf_logging; print(tf_logging.get_verbosity())'
    done = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120,
                          cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert done.stdout.strip() == '30', done.stderr


def test_logging_levels_and_verbosity(records):
    tf_logging.info('info %d', 1)
    tf_logging.warning('warn %s', 'x')
    tf_logging.set_verbosity(tf_logging.INFO)
    assert tf_logging.get_verbosity() == 20
    tf_logging.info('info %d', 2)
    tf_logging.vlog(1, 'vlog1')
    tf_logging.vlog(20, 'vlog20')
    tf_logging.log(tf_logging.INFO, 'log %s', 'a')
    tf_logging.log_if(tf_logging.INFO, 'if %d', True, 7)
    tf_logging.log_if(tf_logging.INFO, 'if %d', False, 8)
    tf_logging.fatal('fatal!')                    # logs, does not exit
    tf_logging.error('err')
    tf_logging.debug('dbg')
    tf_logging.warn('warn2')
    tf_logging.set_verbosity(tf_logging.DEBUG)
    tf_logging.debug('dbg2')
    assert [(r.levelno, r.getMessage()) for r in records] == [
        (30, 'warn x'), (20, 'info 2'), (20, 'vlog20'), (20, 'log a'), (20, 'if 7'), (50, 'fatal!'),
        (40, 'err'), (30, 'warn2'), (10, 'dbg2')]
    assert all(r.name == 'tensorflow' for r in records)
    assert records[0].filename == os.path.basename(__file__)     # the caller's line, not tf_logging's


def test_log_every_n_and_first_n(records):
    tf_logging.set_verbosity(tf_logging.INFO)
    for i in range(5):
        tf_logging.log_every_n(tf_logging.INFO, 'every %d', 2, i)
    for i in range(5):
        tf_logging.log_first_n(tf_logging.INFO, 'first %d', 2, i)
    assert [r.getMessage() for r in records] == ['every 0', 'every 2', 'every 4', 'first 0', 'first 1']


def test_logging_reaches_the_root_logger(caplog):
    tf_logging.set_verbosity(tf_logging.INFO)
    try:
        with caplog.at_level(logging.INFO):
            tf_logging.info('through the sluice logger')
    finally:
        tf_logging.set_verbosity(tf_logging.WARN)
    assert any(r.getMessage() == 'through the sluice logger' for r in caplog.records)
    assert tf_logging.get_logger() is logging.getLogger('tensorflow')
