"""tf.keras.initializers (placeholder until the full module lands): `get` resolves Keras's identifiers."""
from sluice.layers import arguments


def get(identifier):
    return arguments.initializer(identifier)
