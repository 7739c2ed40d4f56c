"""tf.app: `tf.app.run()` and `tf.app.flags`, as TF1 programs use them.

    FLAGS = tf.app.flags.FLAGS
    def main(argv): ...
    if __name__ == '__main__':
        tf.app.run()

run() parses the flags from argv (sys.argv by default) the way TF does, tolerating flags nobody
defined (they are handed on to main with the positional arguments, in their order), calls
main(remaining argv) and exits through sys.exit with main's return value (None exits 0).
"""
import sys

from sluice import flags

__all__ = ['run', 'flags']


def run(main=None, argv=None):
    """Parses flags, runs main(argv_left) (default: the __main__ module's main) and sys.exit()s."""
    main = main or sys.modules['__main__'].main
    args = flags.FLAGS(sys.argv if argv is None else argv, known_only=True)
    sys.exit(main(args))


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.app')
