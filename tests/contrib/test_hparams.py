"""tf.contrib.training.HParams against TF 1.15's documented behaviour (contrib is gone from TF 2.x, so
the expectations are written out): typed values, parse strings, list elements, JSON, errors."""
import pytest

import sluice as tf

HParams = tf.contrib.training.HParams


def test_values_parse_and_types():
    hp = HParams(learning_rate=0.1, num_layers=2, use_bn=True, name='net', sizes=[64, 32], rates=[0.5])
    assert hp.learning_rate == 0.1 and hp.num_layers == 2 and hp.sizes == [64, 32]
    hp.parse('learning_rate=1,num_layers=4, use_bn=false,name=other,sizes=[8,9,10],rates[0]=0.25')
    assert hp.learning_rate == 1.0 and isinstance(hp.learning_rate, float)
    assert hp.values() == {'learning_rate': 1.0, 'num_layers': 4, 'use_bn': False, 'name': 'other',
                           'sizes': [8, 9, 10], 'rates': [0.25]}
    hp.parse('sizes[1]=5')
    assert hp.sizes == [8, 5, 10]
    assert 'sizes' in hp and 'missing' not in hp
    assert hp.get('num_layers') == 4 and hp.get('missing', 7) == 7


def test_json_round_trip_and_dict_overrides():
    hp = HParams(a=1, b='x', c=[1.5, 2.5])
    text = hp.to_json(sort_keys=True)
    assert text == '{"a": 1, "b": "x", "c": [1.5, 2.5]}'
    other = HParams(a=0, b='', c=[0.0]).parse_json(text)
    assert other.values() == hp.values()
    hp.override_from_dict({'a': 3, 'c': [4.0]})
    assert hp.a == 3 and hp.c == [4.0]
    hp.add_hparam('d', False)
    hp.set_hparam('d', True)
    hp.del_hparam('b')
    assert hp.values() == {'a': 3, 'c': [4.0], 'd': True}
    assert str(hp) == "[('a', 3), ('c', [4.0]), ('d', True)]"


@pytest.mark.parametrize('text, message', [
    ('a=1,a=2', "Multiple assignments to variable 'a'"),
    ('z=1', 'Unknown hyperparameter type for z'),
    ('a=x', "Could not parse hparam 'a' of type 'int' with value 'x'"),
    ('a', 'Malformed hyperparameter value: a'),
    ('c[0]=[1]', 'Assignment of a list to a list index.'),
])
def test_parse_errors(text, message):
    hp = HParams(a=1, c=[1.0])
    with pytest.raises(ValueError, match=message.replace('[', r'\[')):
        hp.parse(text)
    assert hp.values() == {'a': 1, 'c': [1.0]}


def test_type_errors_and_reserved_names():
    hp = HParams(a=1, s='x', flag=True, c=[1])
    with pytest.raises(ValueError, match='Could not cast hparam'):
        hp.set_hparam('a', 1.5)
    with pytest.raises(ValueError):
        hp.set_hparam('s', 3)
    with pytest.raises(ValueError):
        hp.set_hparam('flag', 1)
    with pytest.raises(ValueError, match='Must pass a list for multi-valued parameter: c'):
        hp.set_hparam('c', 2)
    with pytest.raises(ValueError, match='Must not pass a list for single-valued parameter: a'):
        hp.set_hparam('a', [2])
    with pytest.raises(ValueError, match='Hyperparameter name is reserved: values'):
        HParams(values=1)
    with pytest.raises(ValueError, match='incompatible with default'):
        hp.get('a', 'text')
