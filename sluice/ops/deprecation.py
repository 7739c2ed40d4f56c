"""Renamed arguments of TF's public functions (TF's util/deprecation.py): a function that accepts an old
name beside the new one (dim beside axis, filter beside filters, keep_prob beside rate) takes whichever
was given, and refuses both, with TF's message.
"""


def deprecated_argument_lookup(new_name, new_value, old_name, old_value):
    """The value of the argument under its old name if given, else under its new name; ValueError if both."""
    if old_value is not None:
        if new_value is not None:
            raise ValueError("Cannot specify both '%s' and '%s'." % (old_name, new_name))
        return old_value
    return new_value
