"""tf.linalg: linear algebra under its TF1 names."""
from sluice.ops.array_ops import transpose  # noqa: F401
from sluice.ops.math_ops import matmul  # noqa: F401
from sluice.ops.linalg_ops import eye, matrix_set_diag as set_diag, norm, tensordot  # noqa: F401
from sluice.ops.linalg_ops import matrix_diag as diag  # noqa: F401
from sluice.ops.linalg_ops import cross, einsum, matrix_band_part as band_part, trace  # noqa: F401
from sluice.ops.linalg_ops import matrix_determinant as det, matrix_diag_part as diag_part  # noqa: F401
from sluice.ops.linalg_ops import matrix_inverse as inv  # noqa: F401
from sluice.ops.linalg_ops import adjoint, matrix_transpose, matvec  # noqa: F401
from sluice.ops.linalg_ops import diag as tensor_diag, diag_part as tensor_diag_part  # noqa: F401
from sluice.ops.linalg_factor_ops import cholesky, cholesky_solve, logdet, matrix_rank, pinv, qr, svd  # noqa: F401
from sluice.ops.linalg_factor_ops import matrix_solve as solve, matrix_triangular_solve as triangular_solve  # noqa: F401
from sluice.ops.linalg_factor_ops import matrix_exponential as expm  # noqa: F401
from sluice.ops.linalg_factor_ops import matrix_solve_ls as lstsq, log_matrix_determinant as slogdet  # noqa: F401
from sluice.ops.linalg_factor_ops import self_adjoint_eig as eigh, self_adjoint_eigvals as eigvalsh  # noqa: F401
from sluice.nn import l2_normalize  # noqa: F401
from sluice.ops.clip_ops import global_norm  # noqa: F401  (where tf.global_norm comes from too)
from sluice.ops.linear_operators import (LinearOperator, LinearOperatorDiag, LinearOperatorFullMatrix,  # noqa: F401
                                         LinearOperatorLowerTriangular)


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.linalg')
