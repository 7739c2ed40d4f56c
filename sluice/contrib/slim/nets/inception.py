"""Inception v1, v2 and v3 under one name, as TF 1.15's slim.nets.inception gathers them."""
from sluice.contrib.slim.nets.inception_v1 import inception_v1, inception_v1_arg_scope, inception_v1_base  # noqa: F401
from sluice.contrib.slim.nets.inception_v2 import inception_v2, inception_v2_arg_scope, inception_v2_base  # noqa: F401
from sluice.contrib.slim.nets.inception_v3 import inception_v3, inception_v3_arg_scope, inception_v3_base  # noqa: F401

__all__ = ['inception_v1', 'inception_v1_arg_scope', 'inception_v1_base', 'inception_v2', 'inception_v2_arg_scope',
           'inception_v2_base', 'inception_v3', 'inception_v3_arg_scope', 'inception_v3_base']
