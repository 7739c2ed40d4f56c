"""tf.data.experimental.CsvDataset: typed columns, header, delimiters, quoting, na_value and
select_cols against TF compat.v1 on the same files, and TF's error classes for bad input."""
import pytest

import sluice as tf
from tests.data.pipelines import assert_same_elements, drain, reference

TEXT = 'a,b,c,d\n1,2.5,"x,y",7\n2,,hello,\n3,NA,"q""r",9\n-4,1e3,"multi\nline",10\n'
SEMI = '5;0.25;s\n6;;t\n'


@pytest.fixture
def files(tmp_path):
    a, b = tmp_path / 'a.csv', tmp_path / 'b.csv'
    a.write_text(TEXT)
    b.write_text(SEMI)
    return str(a), str(b)


def _pipelines(a, b):
    return {
        'typed': lambda t: t.data.experimental.CsvDataset(
            [a], [t.int32, [0.0], t.string, t.constant([-1], t.int64)], header=True, na_value='NA'),
        'select': lambda t: t.data.experimental.CsvDataset(
            a, [t.constant(0.0, t.float64), t.constant('', t.string)], header=True, select_cols=[1, 2],
            na_value='NA'),
        'delim_no_quotes': lambda t: t.data.experimental.CsvDataset(
            [b, b], [t.int64, [1.5], ['z']], field_delim=';', use_quote_delim=False),
        'batched': lambda t: t.data.experimental.CsvDataset(
            [b], [t.int64, [1.5], ['z']], field_delim=';').batch(2),
    }


@pytest.mark.tf
@pytest.mark.parametrize('name', ['typed', 'select', 'delim_no_quotes', 'batched'])
def test_matches_tensorflow(files, name):
    build = _pipelines(*files)[name]
    expected = reference(build)
    with tf.Graph().as_default():
        ds = build(tf)
        got = drain(tf, ds)
    assert_same_elements(got, expected)


def test_static_structure(files):
    with tf.Graph().as_default():
        ds = _pipelines(*files)['typed'](tf)
        assert ds.output_types == (tf.int32, tf.float32, tf.string, tf.int64)
        assert [s.as_list() for s in ds.output_shapes] == [[]] * 4


def test_errors(files, tmp_path):
    a, _ = files
    with pytest.raises(TypeError, match='output_types'):
        tf.data.experimental.CsvDataset(a, [tf.bool])
    with pytest.raises(ValueError, match='select_cols'):
        tf.data.experimental.CsvDataset(a, [tf.int32], select_cols=[0, 1])
    bad = tmp_path / 'bad.csv'
    bad.write_text('1,x\n')
    cases = [(a, [tf.int32, tf.float32, tf.string, tf.int64], {'header': True}, 'required but missing'),
             (str(bad), [tf.int32, tf.int32], {}, 'not a valid int32'),
             (str(bad), [tf.int32], {}, 'Expect 1 fields but have 2')]
    for path, defaults, kwargs, message in cases:
        with tf.Graph().as_default():
            with pytest.raises(tf.errors.InvalidArgumentError, match=message):
                drain(tf, tf.data.experimental.CsvDataset(path, defaults, **kwargs))


MAKE_TEXT = 'id,score,name,big,flag\n1,0.5,ann,1,yes\n2,,bob,9999999999,no\n3,2.25,"c,d",3,\n4,1e40,eve,,yes\n'


def _make_pipelines(path):
    return {
        'inferred': lambda t: t.data.experimental.make_csv_dataset(
            path, 3, shuffle=False, num_epochs=1),
        'label_select': lambda t: t.data.experimental.make_csv_dataset(
            path, 2, label_name='id', select_columns=['name', 'id', 'score'], shuffle=False, num_epochs=2),
        'given_defaults': lambda t: t.data.experimental.make_csv_dataset(
            path, 4, column_names=['a', 'b', 'c', 'd', 'e'], column_defaults=[t.int64, [0.0], [''], t.constant([0], t.int64), ['?']],
            shuffle=False, num_epochs=1),
    }


@pytest.mark.tf
@pytest.mark.parametrize('name', ['inferred', 'label_select', 'given_defaults'])
def test_make_csv_dataset_matches_tensorflow(tmp_path, name):
    path = tmp_path / 'm.csv'
    path.write_text(MAKE_TEXT)
    build = _make_pipelines(str(path))[name]
    expected = reference(build)
    with tf.Graph().as_default():
        got = drain(tf, build(tf))
    assert_same_elements(got, expected)


def test_make_csv_dataset_errors(tmp_path):
    path = tmp_path / 'm.csv'
    path.write_text(MAKE_TEXT)
    with pytest.raises(ValueError, match='without a header line'):
        tf.data.experimental.make_csv_dataset(str(path), 2, header=False)
    with pytest.raises(ValueError, match='label_name'):
        tf.data.experimental.make_csv_dataset(str(path), 2, label_name='nope')
    with pytest.raises(ValueError, match='not a valid column index or name'):
        tf.data.experimental.make_csv_dataset(str(path), 2, select_columns=['nope'])
    with pytest.raises(ValueError, match='duplicate column names'):
        tf.data.experimental.make_csv_dataset(str(path), 2, column_names=['a', 'a', 'b', 'c', 'd'])
