"""The canned estimators of TF 1.15 (v1): DNN, Linear and DNNLinearCombined classifiers, regressors and
estimators, their heads (head.py) and the parse specs of their tf.Examples (example_specs.py)."""
from sluice.estimator.canned.dnn import DNNClassifier, DNNEstimator, DNNRegressor  # noqa: F401
from sluice.estimator.canned.dnn_linear_combined import (DNNLinearCombinedClassifier,  # noqa: F401
                                                         DNNLinearCombinedEstimator, DNNLinearCombinedRegressor)
from sluice.estimator.canned.linear import LinearClassifier, LinearEstimator, LinearRegressor  # noqa: F401
from sluice.estimator.canned.example_specs import (classifier_parse_example_spec,  # noqa: F401
                                                   regressor_parse_example_spec)
