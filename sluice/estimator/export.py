"""tf.estimator.export: the serving output classes (kept on EstimatorSpec.export_outputs).

Serving input receivers and SavedModel export are not implemented: those names raise AttributeError.
"""
from sluice.estimator.export_output import (ClassificationOutput, ExportOutput, PredictOutput,  # noqa: F401
                                           RegressionOutput)
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__getattr__ = _namespace_getattr(__name__, 'tf.estimator.export')
