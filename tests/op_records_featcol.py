"""Op-record exemption of the feature-column ops: SparseCross takes SparseTensors of strings or int64 and has no
gradient, so the generic float records cannot drive it; it is checked against TF in its own test file."""
from op_records import EXEMPT

EXEMPT['SparseCross'] = ('tests/ops/test_sparse_cross.py (indices, hashed and string values against TF; crosses '
                         'written out) and tests/feature_column/test_feature_columns.py (crossed_column vs TF)')
