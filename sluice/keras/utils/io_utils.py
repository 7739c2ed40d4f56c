"""File-handling helpers of tf.keras' saving: the overwrite prompt (TF 1.15's io_utils).

HDF5Matrix needs h5py and is not part of sluice: the utils namespace reports it as not implemented.
"""


def ask_to_proceed_with_overwrite(filepath):
    """Asks on stdin whether to overwrite `filepath`; True for 'y', False for 'n' (asks until one)."""
    answer = input('[WARNING] %s already exists - overwrite? [y/n]' % filepath).strip().lower()
    while answer not in ('y', 'n'):
        answer = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
    if answer == 'n':
        return False
    print('[TIP] Next time specify overwrite=True!')
    return True
