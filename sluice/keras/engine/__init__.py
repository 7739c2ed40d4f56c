"""The Keras engine: Layer, Node, and (from the models' modules) Input, Network, Sequential, Model."""
from sluice.keras.engine.base_layer import InputSpec, Layer  # noqa: F401
from sluice.keras.engine.input_layer import Input, InputLayer  # noqa: F401
from sluice.keras.engine.network import Network  # noqa: F401
from sluice.keras.engine.training import Model  # noqa: F401
from sluice.keras.engine.sequential import Sequential  # noqa: F401
