"""sluice's protos and file formats; as `tf.io` it also serves TF 1.15's tf.io names (sluice/tf_io.py)."""
from sluice.tf_io import io_dir as __dir__, io_getattr as __getattr__  # noqa: F401
