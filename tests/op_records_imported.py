"""Op-record exemptions of ops checked in their own test files: string patterns, TF 1.x dataflow conditionals."""
import sluice.horovod  # noqa: F401  (registers its ops, so the exemptions are not stale)
from op_records import EXEMPT

EXEMPT.update(dict.fromkeys(('StaticRegexFullMatch', 'RegexFullMatch'),
                            'string patterns: checked against TF in tests/ops/test_regex_full_match.py'))

EXEMPT.update(dict.fromkeys(('Switch', 'RefSwitch', 'Merge'),
                            "TF 1.x conditionals (dead values): TF-written cond graphs run, differentiate and export "
                            "in tests/engine/test_dead_values.py"))

EXEMPT.update(dict.fromkeys(('HorovodAllreduce', 'HorovodGroupedAllreduce', 'HorovodAllgather', 'HorovodBroadcast'),
                            'collectives over MPI: checked with two processes in tests/distributed/test_horovod.py'))

EXEMPT['ListDiff'] = ('tf.setdiff1d / tf.sparse.mask: values, index dtypes and errors against TF in '
                      'tests/ops/test_list_diff.py')
