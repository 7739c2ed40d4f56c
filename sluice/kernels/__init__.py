"""Kernels by (op type, device type); importing this package registers them all.

NumPy's floating-point warnings ('divide by zero encountered', 'overflow', 'invalid value') are
ignored when they come from a kernel module: TF computes inf and nan quietly, and wrapping every
step in np.errstate would cost about a microsecond each. The filter matches only sluice.kernels, the compiled
plans (whose functions call NumPy ufuncs directly) and the elementwise table (whose NumPy expressions run as kernels).
"""
import warnings

warnings.filterwarnings('ignore', category=RuntimeWarning,
                        module=r'sluice\.(kernels\.|engine\.plan|ops\.elementwise_ops)')

from sluice.kernels import (  # noqa: E402,F401
    array_kernels, control_flow_kernels, dataflow_control_kernels, elementwise_kernels, filling_kernels,
    graph_kernels, image_kernels, indexing_kernels, io_kernels, linalg_kernels, logging_kernels, manip_kernels,
    math_kernels, nn_activation_kernels,
    nn_conv_pool_kernels, nn_losses_kernels, nn_normalization_kernels, nn_top_k_kernels, parsing_kernels,
    random_kernels, reduction_kernels, script_kernels, segment_kernels, state_kernels, string_kernels,
    summary_kernels, tensor_array_kernels, training_kernels)
from sluice.queues import reader_kernels  # noqa: E402,F401  (readers, ReadFile, MatchingFiles, CountUpTo)
from sluice.kernels import nn_batch_norm_legacy_kernels, nn_conv3d_pool3d_kernels  # noqa: E402,F401  (tf.layers ops)
from sluice.kernels import candidate_sampling_kernels  # noqa: E402,F401  (tf.nn candidate samplers)
from sluice.kernels import resource_variable_kernels  # noqa: E402,F401  (VarHandleOp, ResourceApply*)
from sluice.kernels import nccl_kernels  # noqa: E402,F401  (NCCL collectives, a core op family in TF)
from sluice.kernels import capturable_kernels  # noqa: E402,F401  (which GPU kernels a CUDA graph may hold)
from sluice.kernels import dataflow_loop_kernels  # noqa: E402,F401  (stacks, TensorArrayV3: TF 1.x loop graphs)
from sluice.kernels import linalg_factor_kernels  # noqa: E402,F401  (Cholesky, Svd, Qr, solves)
from sluice.kernels import special_math_kernels  # noqa: E402,F401  (Betainc)
from sluice.kernels import sparse_kernels  # noqa: E402,F401  (SparseTensor ops)
from sluice.kernels import sparse_manip_kernels  # noqa: E402,F401  (SparseAdd, SparseConcat, ...)
from sluice.kernels import lookup_kernels, string_transform_kernels  # noqa: E402,F401  (tables, text ops)
from sluice.kernels import ctc_kernels  # noqa: E402,F401  (CTC loss and decoders)
from sluice.kernels import beam_search_kernels  # noqa: E402,F401  (GatherTree)
from sluice.kernels import space_batch_kernels  # noqa: E402,F401  (SpaceToDepth, SpaceToBatchND, ...)
from sluice.kernels import counting_kernels  # noqa: E402,F401  (Bincount, searchsorted, tensor scatters)
from sluice.kernels import image_resize_kernels  # noqa: E402,F401  (ResizeBicubic, ResizeArea)
from sluice.kernels import image_bbox_sampling_kernels  # noqa: E402,F401  (random crops, box drawing)
from sluice.kernels import sparse_cross_kernels  # noqa: E402,F401  (SparseCross: feature crosses)
from sluice.kernels import clustering_kernels  # noqa: E402,F401  (NearestNeighbors, k-means++ and k-MC2 seeding)
from sluice.kernels import edit_distance_kernels  # noqa: E402,F401  (EditDistance)
