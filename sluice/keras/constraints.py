"""tf.keras.constraints (placeholder until the full module lands): `get` accepts None or a callable."""


def get(identifier):
    if identifier is None or callable(identifier):
        return identifier
    raise ValueError('Could not interpret constraint identifier: ' + str(identifier))
