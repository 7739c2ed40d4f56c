"""The Keras optimizers' update ops: exempt from the per-op records, each naming the tests that check it.

TF declares these updates for resource variables (ResourceApplyKerasMomentum, ResourceApplyAdamWithAmsgrad
have no Ref form in TF at all); the tf.keras optimizers write them. Their Ref forms here are what the
Resource forms run: tests/ops/test_resource_variables.py::test_resource_apply_equals_apply checks each
Resource form against its Ref form, and tests/keras/test_keras_optimizers.py runs the Resource forms
through tf.keras.optimizers beside TF's (three steps, dense and sparse gradients, rtol 1e-5).
"""
from op_records import EXEMPT

_WHY = ('a tf.keras optimizer update: checked through the Keras optimizers against TF in '
        'tests/keras/test_keras_optimizers.py::test_steps_match_tensorflow (%s), and equal to its Resource form '
        'in tests/ops/test_resource_variables.py::test_resource_apply_equals_apply')

for _type, _runs in {'ApplyKerasMomentum': 'sgd_momentum, sgd_nesterov', 'SparseApplyKerasMomentum': 'sgd_momentum',
                     'ApplyAdamWithAmsgrad': 'adam_amsgrad', 'ApplyAdagradV2': 'adagrad',
                     'SparseApplyAdagradV2': 'adagrad', 'ApplyAdaMax': 'adamax'}.items():
    EXEMPT[_type] = _WHY % _runs
