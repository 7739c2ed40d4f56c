"""tf.test.TestCase: unittest.TestCase with TF 1.15's graph-mode helpers.

Each test starts from a fresh default graph (seeded with TF's DEFAULT_GRAPH_SEED, as are Python's and
NumPy's generators). Sessions: `session()` opens a new Session for the block; `cached_session()` and
the deprecated `test_session()` reuse one per test, closed in tearDown. Inside the block the session
and its graph are the defaults and ops are pinned to /device:CPU:0 unless `use_gpu` (placer's choice)
or `force_gpu` (pinned to the first GPU, no soft placement).

The array assertions compare values after evaluating Tensors in the default (or a cached) session.
assertAllClose walks nested dicts, namedtuples, lists and tuples, and on a mismatch reports, as TF
does, the path, where the values differ, both sides, the difference and the tolerance.
"""
import contextlib
import math
import random
import re
import tempfile
import threading
import unittest

import numpy as np

from sluice.engine import device_spec as _device_spec
from sluice.engine import errors
from sluice.engine import graph as _graph
from sluice.engine import session as _session
from sluice.engine.log import logger

__all__ = ['TestCase', 'get_temp_dir', 'main']

DEFAULT_GRAPH_SEED = 87654321  # TF's random_seed.DEFAULT_GRAPH_SEED
_process_temp_dir = None


def get_temp_dir():
    """A temporary directory for this process's tests (one per process, made on first use)."""
    global _process_temp_dir
    if _process_temp_dir is None:
        _process_temp_dir = tempfile.mkdtemp(prefix='sluice_test_')
    return _process_temp_dir


def main(argv=None):
    """Runs the unittest tests of the `__main__` module (command-line arguments as unittest's)."""
    return unittest.main(module='__main__', argv=argv)


class _CheckedThread:
    """A thread whose exception fails the test when joined (TestCase.checkedThread)."""

    def __init__(self, testcase, target, args=None, kwargs=None):
        self._testcase = testcase
        self._target, self._args, self._kwargs = target, tuple(args or ()), dict(kwargs or {})
        self._thread = threading.Thread(target=self._protected_run)
        self._exception = None
        self._is_thread_joined = False

    def _protected_run(self):
        try:
            self._target(*self._args, **self._kwargs)
        except Exception as e:  # noqa: BLE001  (re-raised as a test failure in join)
            self._exception = e

    def start(self):
        self._thread.start()

    def join(self):
        self._thread.join()
        self._is_thread_joined = True
        if self._exception is not None:
            self._testcase.fail('Error in checkedThread: %s' % self._exception)

    def is_alive(self):
        return self._thread.is_alive()

    def check_termination(self):
        """Fails the test if the thread was started and not joined by the end of the test."""
        if self._is_thread_joined:
            return
        if self.is_alive():
            raise RuntimeError('Thread was not joined with main thread, and is still running when the test '
                               'finished.')
        self._testcase.fail('A checked thread was not joined.')


class TestCase(unittest.TestCase):
    """Base class for tests of sluice graphs (tf.test.TestCase)."""

    def __init__(self, methodName='runTest'):
        super().__init__(methodName)
        self._threads = []
        self._tempdir = None
        self._cached_session = None
        self._cached_args = None

    # pytest and unittest collect the deprecated `test_session` helper as a test: it is skipped, as in TF
    def setUp(self):
        self._clear_cached_session()
        random.seed(DEFAULT_GRAPH_SEED)
        np.random.seed(DEFAULT_GRAPH_SEED)
        del _graph._default_graph_stack.stack[:]  # a test that failed inside `with g.as_default()` left it
        _graph.reset_default_graph()
        _graph.get_default_graph().seed = DEFAULT_GRAPH_SEED
        if self.id().endswith('.test_session'):
            self.skipTest('Not a test.')

    def tearDown(self):
        for thread in self._threads:
            thread.check_termination()
        self._clear_cached_session()

    def _clear_cached_session(self):
        if self._cached_session is not None:
            self._cached_session.close()
            self._cached_session = None

    def get_temp_dir(self):
        """A directory of this test's own, the same for every call within the test."""
        if not self._tempdir:
            self._tempdir = tempfile.mkdtemp(dir=get_temp_dir())
        return self._tempdir

    # --- sessions ---------------------------------------------------------------------------------------

    def _create_session(self, graph, config, force_gpu):
        from sluice.io.protos import ConfigProto
        if config is None:
            config = ConfigProto(allow_soft_placement=not force_gpu)
        elif force_gpu and config.allow_soft_placement:
            copy = ConfigProto()
            copy.CopyFrom(config)
            copy.allow_soft_placement = False
            config = copy
        return _session.Session(graph=graph, config=config)

    @contextlib.contextmanager
    def _constrain_devices_and_set_default(self, sess, use_gpu, force_gpu):
        with sess.graph.as_default(), sess.as_default():
            if force_gpu:
                from sluice.test import gpu_device_name
                with sess.graph.device(gpu_device_name() or '/device:GPU:0'):
                    yield sess
            elif use_gpu:
                yield sess
            else:
                with sess.graph.device('/device:CPU:0'):
                    yield sess

    def _get_cached_session(self, graph, config, force_gpu, crash_if_inconsistent_args):
        if self._cached_session is None:
            self._cached_session = self._create_session(graph, config, force_gpu)
            self._cached_args = (graph, config, force_gpu)
            return self._cached_session
        if crash_if_inconsistent_args:
            for label, old, new in zip(('graph', 'config', 'force_gpu value'), self._cached_args,
                                       (graph, config, force_gpu)):
                if old is not new:
                    raise ValueError('The %s used to get the cached session is different than the one that was '
                                     'used to create the session. Maybe create a new session with '
                                     'self.session()' % label)
        return self._cached_session

    @contextlib.contextmanager
    def session(self, graph=None, config=None, use_gpu=False, force_gpu=False):
        """A new Session for the block, default together with its graph; closed at the end of the block."""
        with self._create_session(graph, config, force_gpu) as sess:
            with self._constrain_devices_and_set_default(sess, use_gpu, force_gpu):
                yield sess

    @contextlib.contextmanager
    def cached_session(self, graph=None, config=None, use_gpu=False, force_gpu=False):
        """The test's one Session (made on first use, closed in tearDown); ValueError if its args change."""
        sess = self._get_cached_session(graph, config, force_gpu, crash_if_inconsistent_args=True)
        with self._constrain_devices_and_set_default(sess, use_gpu, force_gpu) as cached:
            yield cached

    @contextlib.contextmanager
    def test_session(self, graph=None, config=None, use_gpu=False, force_gpu=False):
        """Deprecated (use session() or cached_session()): the cached session, or a new one for `graph`."""
        if self.id().endswith('.test_session'):
            self.skipTest('Not a test.')
        if graph is None:
            sess = self._get_cached_session(graph, config, force_gpu, crash_if_inconsistent_args=False)
            with self._constrain_devices_and_set_default(sess, use_gpu, force_gpu) as cached:
                yield cached
        else:
            with self.session(graph, config, use_gpu, force_gpu) as sess:
                yield sess

    def evaluate(self, tensors):
        """The values of a Tensor or nest of Tensors, in the default session (else the cached one)."""
        sess = _session.get_default_session()
        if sess is None:
            with self.test_session() as sess:
                return sess.run(tensors)
        return sess.run(tensors)

    def checkedThread(self, target, args=None, kwargs=None):
        """A thread whose exception fails the test at join(); one never joined fails it at tearDown."""
        thread = _CheckedThread(self, target, args, kwargs)
        self._threads.append(thread)
        return thread

    # --- values -----------------------------------------------------------------------------------------

    def _GetNdArray(self, a):
        if isinstance(a, _graph.Tensor):
            a = self.evaluate(a)
        return a if isinstance(a, np.ndarray) else np.array(a)

    def assertNear(self, f1, f2, err, msg=None):
        """|f1 - f2| <= err (equal infinities pass)."""
        self.assertTrue(f1 == f2 or math.fabs(f1 - f2) <= err,
                        '%f != %f +/- %f%s' % (f1, f2, err, ' (%s)' % msg if msg is not None else ''))

    def assertArrayNear(self, farray1, farray2, err, msg=None):
        self.assertEqual(len(farray1), len(farray2), msg=msg)
        for f1, f2 in zip(farray1, farray2):
            self.assertNear(float(f1), float(f2), err, msg=msg)

    def assertNDArrayNear(self, ndarray1, ndarray2, err, msg=None):
        """The Euclidean norm of the difference is below err."""
        self.assertTrue(np.linalg.norm(ndarray1 - ndarray2) < err, msg=msg)

    def _assertArrayLikeAllClose(self, a, b, rtol=1e-6, atol=1e-6, msg=None):
        a, b = self._GetNdArray(a), self._GetNdArray(b)
        if a.shape != b.shape and (b.ndim <= 3 or b.size < 500):
            shape_msg = 'Shape mismatch: expected %s, got %s with contents %s.' % (a.shape, b.shape, b)
        else:
            shape_msg = 'Shape mismatch: expected %s, got %s.' % (a.shape, b.shape)
        self.assertEqual(a.shape, b.shape, shape_msg)
        if np.allclose(a, b, rtol=rtol, atol=atol):
            return
        # name the elements that break |a - b| <= atol + rtol * |b| before numpy's own report
        cond = np.logical_or(np.abs(a - b) > atol + rtol * np.abs(b), np.isnan(a) != np.isnan(b))
        msgs = [msg]
        if a.ndim:
            where = np.where(cond)
            x, y = a[where], b[where]
            msgs.append('not close where = {}'.format(where))
        else:
            x, y = a, b
        msgs.append('not close lhs = {}'.format(x))
        msgs.append('not close rhs = {}'.format(y))
        msgs.append('not close dif = {}'.format(np.abs(x - y)))
        msgs.append('not close tol = {}'.format(atol + rtol * np.abs(y)))
        msgs.append('dtype = {}, shape = {}'.format(a.dtype, a.shape))
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg='\n'.join(str(m) for m in msgs),
                                   equal_nan=True)

    def _assertAllCloseRecursive(self, a, b, rtol, atol, path, msg):
        path_str = ('[' + ']['.join(str(p) for p in path) + ']') if path else ''
        msg = msg or ''
        if hasattr(a, '_asdict'):
            a = a._asdict()
        if hasattr(b, '_asdict'):
            b = b._asdict()
        a_is_dict = isinstance(a, dict)
        if a_is_dict != isinstance(b, dict):
            raise ValueError("Can't compare dict to non-dict, a%s vs b%s. %s" % (path_str, path_str, msg))
        if a_is_dict:
            self.assertCountEqual(a.keys(), b.keys(),
                                  msg='mismatched keys: a%s has keys %s, but b%s has keys %s. %s'
                                  % (path_str, a.keys(), path_str, b.keys(), msg))
            for k in a:
                self._assertAllCloseRecursive(a[k], b[k], rtol, atol, path + [k], msg)
            return
        mismatch = 'Mismatched value: a%s is different from b%s. %s' % (path_str, path_str, msg)
        if isinstance(a, (list, tuple)):
            try:  # one array comparison when the nest is rectangular, else element by element
                self._assertArrayLikeAllClose(np.array(a), self._GetNdArray(b), rtol, atol, mismatch)
                return
            except (ValueError, TypeError):
                if len(a) != len(b):
                    raise ValueError('Mismatched length: a%s has %d items, but b%s has %d items. %s'
                                     % (path_str, len(a), path_str, len(b), msg))
                for i, (x, y) in enumerate(zip(a, b)):
                    self._assertAllCloseRecursive(x, y, rtol, atol, path + [str(i)], msg)
                return
        try:
            self._assertArrayLikeAllClose(a, b, rtol, atol, mismatch)
        except TypeError as e:
            e.args = ((e.args[0] + ' : Error: a%s has %s, but b%s has %s. %s'
                       % (path_str, type(a), path_str, type(b), msg),) + e.args[1:])
            raise

    def assertAllClose(self, a, b, rtol=1e-6, atol=1e-6, msg=None):
        """a and b (arrays, Tensors, or nested dicts/namedtuples/lists/tuples of them) agree within
        |a - b| <= atol + rtol * |b| everywhere."""
        self._assertAllCloseRecursive(a, b, rtol, atol, [], msg)

    def assertAllCloseAccordingToType(self, a, b, rtol=1e-6, atol=1e-6, float_rtol=1e-6, float_atol=1e-6,
                                      half_rtol=1e-3, half_atol=1e-3, bfloat16_rtol=1e-2, bfloat16_atol=1e-2,
                                      msg=None):
        """assertAllClose with the tolerance widened to the least precise dtype of a and b."""
        a, b = self._GetNdArray(a), self._GetNdArray(b)
        dtypes = (a.dtype, b.dtype)
        if np.float32 in dtypes or np.complex64 in dtypes:
            rtol, atol = max(rtol, float_rtol), max(atol, float_atol)
        if np.float16 in dtypes:
            rtol, atol = max(rtol, half_rtol), max(atol, half_atol)
        if any(d.name == 'bfloat16' for d in dtypes):
            rtol, atol = max(rtol, bfloat16_rtol), max(atol, bfloat16_atol)
        self.assertAllClose(a, b, rtol=rtol, atol=atol, msg=msg)

    def assertNotAllClose(self, a, b, **kwargs):
        try:
            self.assertAllClose(a, b, **kwargs)
        except AssertionError:
            return
        raise AssertionError('The two values are close at all elements')

    def assertAllEqual(self, a, b, msg=None):
        """Same shape and equal elements (NaN equals NaN in float arrays)."""
        msg = msg or ''
        a, b = self._GetNdArray(a), self._GetNdArray(b)
        if b.ndim <= 3 or b.size < 500:
            self.assertEqual(a.shape, b.shape, 'Shape mismatch: expected %s, got %s. Contents: %s. \n%s.'
                             % (a.shape, b.shape, b, msg))
        else:
            self.assertEqual(a.shape, b.shape, 'Shape mismatch: expected %s, got %s. %s' % (a.shape, b.shape, msg))
        same = a == b
        if a.dtype.kind == 'f' or a.dtype.name == 'bfloat16':
            same = np.logical_or(same, np.logical_and(np.isnan(a), np.isnan(b)))
        if np.all(same):
            return
        msgs = [msg]
        if a.ndim:
            where = np.where(np.logical_not(same))
            x, y = a[where], b[where]
            msgs.append('not equal where = {}'.format(where))
        else:
            x, y = a, b
        msgs.append('not equal lhs = {}'.format(x))
        msgs.append('not equal rhs = {}'.format(y))
        np.testing.assert_array_equal(a, b, err_msg='\n'.join(msgs))

    def assertNotAllEqual(self, a, b, msg=None):
        try:
            self.assertAllEqual(a, b, msg)
        except AssertionError:
            return
        raise AssertionError('The two values are equal at all elements')

    def assertAllGreater(self, a, comparison_target):
        self.assertGreater(np.min(self._GetNdArray(a)), comparison_target)

    def assertAllLess(self, a, comparison_target):
        self.assertLess(np.max(self._GetNdArray(a)), comparison_target)

    def assertAllGreaterEqual(self, a, comparison_target):
        self.assertGreaterEqual(np.min(self._GetNdArray(a)), comparison_target)

    def assertAllLessEqual(self, a, comparison_target):
        self.assertLessEqual(np.max(self._GetNdArray(a)), comparison_target)

    @staticmethod
    def _format_subscripts(subscripts, value, limit=10, indent=2):
        subscripts = np.transpose(subscripts)
        lines = ['%s%s : %s' % (' ' * indent, s, value[tuple(s)]) for s in subscripts[:limit]]
        if len(subscripts) > limit:
            lines.append(' ' * indent + '...')
        return lines

    def assertAllInRange(self, target, lower_bound, upper_bound, open_lower_bound=False, open_upper_bound=False):
        """Every element lies in the range (no NaN); the bounds are closed unless said open."""
        target = self._GetNdArray(target)
        if not (np.issubdtype(target.dtype, np.floating) or np.issubdtype(target.dtype, np.integer)):
            raise AssertionError('The value of %s does not have an ordered numeric type, instead it has type: %s'
                                 % (target, target.dtype))
        nans = np.where(np.isnan(target))
        if np.size(nans):
            raise AssertionError('%d of the %d element(s) are NaN. Subscripts(s) and value(s) of the NaN '
                                 'element(s):\n' % (len(nans[0]), np.size(target))
                                 + '\n'.join(self._format_subscripts(nans, target)))
        range_str = ('(' if open_lower_bound else '[') + '%s, %s' % (lower_bound, upper_bound) + \
            (')' if open_upper_bound else ']')
        below = target <= lower_bound if open_lower_bound else target < lower_bound
        above = target >= upper_bound if open_upper_bound else target > upper_bound
        bad = np.where(np.logical_or(below, above))
        if np.size(bad):
            raise AssertionError('%d of the %d element(s) are outside the range %s. Subscript(s) and value(s) of '
                                 'the offending elements:\n' % (len(bad[0]), np.size(target), range_str)
                                 + '\n'.join(self._format_subscripts(bad, target)))

    def assertAllInSet(self, target, expected_set):
        diff = np.setdiff1d(self._GetNdArray(target).flatten(), list(expected_set))
        if np.size(diff):
            raise AssertionError('%d unique element(s) are not in the set %s: %s'
                                 % (np.size(diff), expected_set, diff))

    def assertDTypeEqual(self, target, expected_dtype):
        self.assertEqual(self._GetNdArray(target).dtype, expected_dtype)

    def assertShapeEqual(self, np_array, tf_tensor, msg=None):
        """The NumPy array's shape equals the Tensor's static shape."""
        if not isinstance(np_array, (np.ndarray, np.generic)):
            raise TypeError('np_array must be a Numpy ndarray or Numpy scalar')
        if not isinstance(tf_tensor, _graph.Tensor):
            raise TypeError('tf_tensor must be a Tensor')
        self.assertAllEqual(np_array.shape, tf_tensor.get_shape().as_list(), msg=msg)

    def assertDeviceEqual(self, device1, device2, msg=None):
        """The two device specs name the same device once canonicalized."""
        device1, device2 = _device_spec.canonical_name(device1), _device_spec.canonical_name(device2)
        self.assertEqual(device1, device2, 'Devices %s and %s are not equal. %s' % (device1, device2, msg))

    def assertStartsWith(self, actual, expected_start, msg=None):
        if not actual.startswith(expected_start):
            self.fail('%r does not start with %r%s' % (actual, expected_start, ' : %r' % msg if msg else ''))

    # --- errors and protos ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def assertRaisesWithPredicateMatch(self, exception_type, expected_err_re_or_predicate):
        """The block raises `exception_type` whose message (with the op's 'Caused by' chain) matches the regex,
        or for which the predicate is true."""
        if callable(expected_err_re_or_predicate):
            predicate = expected_err_re_or_predicate
        else:
            def predicate(e):
                err_str = e.message if isinstance(e, errors.OpError) else str(e)
                op = e.op if isinstance(e, errors.OpError) else None
                while op is not None:
                    err_str += '\nCaused by: ' + op.name
                    op = getattr(op, '_original_op', None)
                logger.info("Searching within error strings: '%s' within '%s'", expected_err_re_or_predicate,
                            err_str)
                return re.search(expected_err_re_or_predicate, err_str)
        try:
            yield
            self.fail(exception_type.__name__ + ' not raised')
        except Exception as e:  # noqa: BLE001  (any other exception is the failure being reported)
            if not isinstance(e, exception_type) or not predicate(e):
                raise AssertionError('Exception of type %s: %s' % (type(e), e))

    def assertRaisesOpError(self, expected_err_re_or_predicate):
        return self.assertRaisesWithPredicateMatch(errors.OpError, expected_err_re_or_predicate)

    def assertProtoEquals(self, expected_message_maybe_ascii, message, msg=None):
        """`message` equals the expected proto, given as a message of its type or as its text format."""
        from google.protobuf import text_format
        from sluice.io.protos import POOL
        msg = msg or ''
        pool = POOL if message.DESCRIPTOR.file.pool is POOL else None
        if isinstance(expected_message_maybe_ascii, type(message)):
            expected = expected_message_maybe_ascii
        elif isinstance(expected_message_maybe_ascii, (str, bytes)):
            text = expected_message_maybe_ascii
            expected = type(message)()
            text_format.Merge(text.decode() if isinstance(text, bytes) else text, expected, descriptor_pool=pool)
        else:
            raise AssertionError("Can't compare protos of type %s and %s. %s"
                                 % (type(expected_message_maybe_ascii), type(message), msg))
        if expected != message:
            self.assertMultiLineEqual(text_format.MessageToString(expected, descriptor_pool=pool),
                                      text_format.MessageToString(message, descriptor_pool=pool), msg or None)

    # Python 3 dropped these names; TF 1.15's tests still use them
    assertRaisesRegexp = unittest.TestCase.assertRaisesRegex
    assertItemsEqual = unittest.TestCase.assertCountEqual
