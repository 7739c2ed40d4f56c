"""Op records of PreventGradient (ops/array_ops.py): TF has no public function for it, so it is exempt
and checked by its own test. Loaded at the end of op_records.py."""
from op_records import EXEMPT

EXEMPT['PreventGradient'] = ('no public TF function builds it (the sparse cross entropy gradient does); checked in '
                             'tests/ops/test_prevent_gradient.py')
