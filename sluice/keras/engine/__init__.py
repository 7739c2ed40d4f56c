"""The Keras engine: Layer, Node, and (from the models' modules) Input, Network, Sequential, Model."""
from sluice.keras.engine.base_layer import InputSpec, Layer  # noqa: F401
