"""tf.contrib.slim.nets: TF 1.15's model definitions (AlexNet v2, OverFeat, VGG A/16/19, Inception v1-v3,
ResNet v1/v2 50-200) on sluice's contrib.layers and arg_scope, with TF's variable names, end points,
default arguments and arg scopes, so TF's pretrained checkpoints restore into them by name.

Each module is TF's module of the same name; `inception` gathers inception_v1, _v2 and _v3.
"""
from sluice.contrib.slim.nets import (alexnet, inception, inception_v1, inception_v2, inception_v3,  # noqa: F401
                                      overfeat, resnet_utils, resnet_v1, resnet_v2, vgg)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.contrib.slim.nets')
