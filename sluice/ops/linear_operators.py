"""tf.linalg.LinearOperator and three of TF 1.15's operators: FullMatrix, LowerTriangular and Diag.

A LinearOperator stands for a (batch of) [M, N] matrices without necessarily holding them. The base
class states every method in terms of the operator's dense matrix (`_to_dense`), so a subclass need
only say what its matrix is; each subclass also overrides what its structure makes cheap (a
triangular operator's determinant is the product of its diagonal, its solve a triangular solve; a
diagonal operator's products are broadcasts). Methods add their ops under `<operator name>/<method>`
name scopes, as TF's do, and take TF's arguments (`adjoint`, `adjoint_arg`). The `is_*` hints are
kept as given (TF's defaults), except where the structure fixes them (a triangular operator is square).
"""
from sluice.engine import graph as _graph
from sluice.engine.graph import name_scope
from sluice.engine.tensor_shape import Dimension, TensorShape
from sluice.ops import array_ops, math_ops
from sluice.ops.linalg_factor_ops import (log_matrix_determinant, matrix_solve,
                                          matrix_triangular_solve)
from sluice.ops.linalg_ops import (adjoint as _adjoint, matrix_band_part, matrix_determinant, matrix_diag,
                                   matrix_diag_part)


class LinearOperator:
    """A (batch of) [M, N] linear operator(s); subclasses define `_to_dense` and `_shape`."""

    def __init__(self, dtype, graph_parents=None, is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=None, name=None):
        if is_positive_definite and is_non_singular is False:
            raise ValueError('A positive definite matrix is always non-singular.')
        if is_positive_definite and is_square is False:
            raise ValueError('A positive definite matrix is always square.')
        if is_non_singular and is_square is False:
            raise ValueError('A non-singular matrix is always square.')
        self._dtype = dtype
        self._graph_parents = list(graph_parents or [])
        self._is_non_singular = is_non_singular
        self._is_self_adjoint = is_self_adjoint
        self._is_positive_definite = is_positive_definite
        self._is_square_set_or_implied_by_hints = is_square
        self._name = name or type(self).__name__

    # -- what the operator is --
    @property
    def name(self):
        return self._name

    @property
    def dtype(self):
        return self._dtype

    @property
    def graph_parents(self):
        return self._graph_parents

    @property
    def is_non_singular(self):
        return self._is_non_singular

    @property
    def is_self_adjoint(self):
        return self._is_self_adjoint

    @property
    def is_positive_definite(self):
        return self._is_positive_definite

    @property
    def is_square(self):
        if self._is_square_set_or_implied_by_hints is not None:
            return self._is_square_set_or_implied_by_hints
        rows, cols = self.shape[-2:].as_list() if self.shape.ndims is not None else (None, None)
        return None if rows is None or cols is None else rows == cols

    @property
    def shape(self):
        """TensorShape [B1, ..., Bb, M, N]."""
        return self._shape()

    @property
    def batch_shape(self):
        return self.shape[:-2] if self.shape.ndims is not None else TensorShape(None)

    @property
    def tensor_rank(self):
        return self.shape.ndims

    @property
    def range_dimension(self):
        return self.shape.dims[-2] if self.shape.ndims is not None else Dimension(None)

    @property
    def domain_dimension(self):
        return self.shape.dims[-1] if self.shape.ndims is not None else Dimension(None)

    def shape_tensor(self, name='shape_tensor'):
        with self._scope(name):
            return array_ops.shape(self.to_dense())

    def _shape(self):
        return self.to_dense().shape

    # -- what it computes --
    def _scope(self, method):
        return name_scope(self.name + '/' + method + '/')

    def to_dense(self, name='to_dense'):
        with self._scope(name):
            return self._to_dense()

    def matmul(self, x, adjoint=False, adjoint_arg=False, name='matmul'):
        if isinstance(x, LinearOperator):
            x = x.to_dense()
        with self._scope(name):
            x = _graph.convert_to_tensor(x, name='x')
            return self._matmul(x, adjoint, adjoint_arg)

    def __matmul__(self, other):
        return self.matmul(other)

    def matvec(self, x, adjoint=False, name='matvec'):
        with self._scope(name):
            x = _graph.convert_to_tensor(x, name='x')
            return array_ops.squeeze(self._matmul(array_ops.expand_dims(x, -1), adjoint, False), [-1])

    def solve(self, rhs, adjoint=False, adjoint_arg=False, name='solve'):
        if self.is_non_singular is False:
            raise NotImplementedError('Exact solve not implemented for an operator that is expected to be singular.')
        if self.is_square is False:
            raise NotImplementedError('Exact solve not implemented for an operator that is expected to not be square.')
        with self._scope(name):
            rhs = _graph.convert_to_tensor(rhs, name='rhs')
            return self._solve(_adjoint(rhs) if adjoint_arg else rhs, adjoint)

    def solvevec(self, rhs, adjoint=False, name='solve'):
        with self._scope(name):
            rhs = _graph.convert_to_tensor(rhs, name='rhs')
            return array_ops.squeeze(self._solve(array_ops.expand_dims(rhs, -1), adjoint), [-1])

    def determinant(self, name='det'):
        self._check_square('determinant')
        with self._scope(name):
            return self._determinant()

    def log_abs_determinant(self, name='log_abs_det'):
        self._check_square('log_abs_determinant')
        with self._scope(name):
            return self._log_abs_determinant()

    def diag_part(self, name='diag_part'):
        with self._scope(name):
            return self._diag_part()

    def trace(self, name='trace'):
        with self._scope(name):
            return math_ops.reduce_sum(self._diag_part(), axis=-1)

    def add_to_tensor(self, x, name='add_to_tensor'):
        with self._scope(name):
            return math_ops.add(self._to_dense(), _graph.convert_to_tensor(x, name='x'))

    def _check_square(self, method):
        if self.is_square is False:
            raise NotImplementedError('%s not implemented for an operator that is expected to not be square.'
                                      % method)

    # -- the dense definitions, overridden where the structure makes them cheaper --
    def _matmul(self, x, adjoint, adjoint_arg):
        return math_ops.matmul(self._to_dense(), x, adjoint_a=adjoint, adjoint_b=adjoint_arg)

    def _solve(self, rhs, adjoint):
        return matrix_solve(self._to_dense(), rhs, adjoint=adjoint)

    def _determinant(self):
        return matrix_determinant(self._to_dense())

    def _log_abs_determinant(self):
        return log_matrix_determinant(self._to_dense())[1]

    def _diag_part(self):
        return matrix_diag_part(self._to_dense())


def _matrix_arg(value, name):
    value = _graph.convert_to_tensor(value, name=name)
    if value.shape.ndims is not None and value.shape.ndims < 2:
        raise ValueError('Argument %s must have at least 2 dimensions.  Found: %s' % (name, value))
    return value


class LinearOperatorFullMatrix(LinearOperator):
    """The operator of a dense [..., M, N] `matrix`."""

    def __init__(self, matrix, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name='LinearOperatorFullMatrix'):
        with name_scope(name, values=[matrix]):
            self._matrix = _matrix_arg(matrix, 'matrix')
        super().__init__(self._matrix.dtype, [self._matrix], is_non_singular, is_self_adjoint,
                         is_positive_definite, is_square, name)

    def _shape(self):
        return self._matrix.shape

    def _to_dense(self):
        return self._matrix


class LinearOperatorLowerTriangular(LinearOperator):
    """The operator of the lower triangle of a square [..., N, N] `tril`; the entries above the
    diagonal are ignored, as TF's are."""

    def __init__(self, tril, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name='LinearOperatorLowerTriangular'):
        if is_square is False:
            raise ValueError('Only square lower triangular operators supported at this time.')
        with name_scope(name, values=[tril]):
            self._tril = _matrix_arg(tril, 'tril')
            self._lower = matrix_band_part(self._tril, -1, 0)
        super().__init__(self._tril.dtype, [self._tril], is_non_singular, is_self_adjoint,
                         is_positive_definite, True, name)

    def _shape(self):
        return self._tril.shape

    def _to_dense(self):
        return self._lower

    def _diag_part(self):
        return matrix_diag_part(self._tril)

    def _determinant(self):
        return math_ops.reduce_prod(self._diag_part(), axis=[-1])

    def _log_abs_determinant(self):
        return math_ops.reduce_sum(math_ops.log(math_ops.abs(self._diag_part())), axis=[-1])

    def _solve(self, rhs, adjoint):
        return matrix_triangular_solve(self._lower, rhs, lower=True, adjoint=adjoint)


class LinearOperatorDiag(LinearOperator):
    """The square operator diag(`diag`) of a [..., N] `diag`."""

    def __init__(self, diag, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=True, name='LinearOperatorDiag'):
        if not is_square:
            raise ValueError('Only square diagonal operators currently supported.')
        with name_scope(name, values=[diag]):
            self._diag = _graph.convert_to_tensor(diag, name='diag')
            if self._diag.shape.ndims is not None and self._diag.shape.ndims < 1:
                raise ValueError('Argument diag must have at least 1 dimension.  Found: %s' % self._diag)
        super().__init__(self._diag.dtype, [self._diag], is_non_singular, is_self_adjoint,
                         is_positive_definite, True, name)

    def _shape(self):
        if self._diag.shape.ndims is None:
            return TensorShape(None)
        return self._diag.shape.concatenate(self._diag.shape[-1:])

    def _to_dense(self):
        return matrix_diag(self._diag)

    def _diag_part(self):
        return self._diag

    def _matmul(self, x, adjoint, adjoint_arg):
        d = math_ops.conj(self._diag) if adjoint else self._diag
        x = _adjoint(x) if adjoint_arg else x
        return math_ops.multiply(array_ops.expand_dims(d, -1), x)

    def _solve(self, rhs, adjoint):
        d = math_ops.conj(self._diag) if adjoint else self._diag
        return math_ops.truediv(rhs, array_ops.expand_dims(d, -1))

    def _determinant(self):
        return math_ops.reduce_prod(self._diag, axis=[-1])

    def _log_abs_determinant(self):
        return math_ops.reduce_sum(math_ops.log(math_ops.abs(self._diag)), axis=[-1])
