"""Op-record exemptions of the text ops, lookup tables and CTC: strings, table resources and sparse labels
cannot be fed to the generic records (float inputs, finite-difference gradients); each op is checked
against TF, built from the same program, in its own test file."""
import sluice.contrib.seq2seq  # noqa: F401  (registers GatherTree, a contrib op loaded on first use)
from op_records import EXEMPT

_TEST = 'tests/ops/test_strings_and_tables.py (values, names, dtypes against TF; no gradient, as in TF)'
EXEMPT.update(dict.fromkeys(('StringSplit', 'StringSplitV2', 'Substr', 'StringLength', 'StringStrip', 'StringLower',
                             'StringUpper', 'StaticRegexReplace', 'RegexReplace', 'ReduceJoin',
                             'StringToHashBucketFast', 'StringToHashBucket', 'StringToHashBucketStrong',
                             'HashTableV2', 'MutableHashTableV2', 'LookupTableImportV2', 'InitializeTableV2',
                             'InitializeTableFromTextFileV2', 'LookupTableFindV2', 'LookupTableInsertV2',
                             'LookupTableRemoveV2', 'LookupTableSizeV2', 'LookupTableExportV2'), _TEST))

EXEMPT.update(dict.fromkeys(('CTCLoss', 'CTCGreedyDecoder', 'CTCBeamSearchDecoder'),
                            'CTC: losses, gradients and decoded paths against TF in tests/ops/test_ctc.py (sparse '
                            'labels; the loss also against a brute-force sum over alignments)'))

EXEMPT['GatherTree'] = ('beam back-tracking on int ids: TF\'s documented example and the beam search written out in '
                        'NumPy in tests/contrib/test_beam_search.py (no gradient, as in TF)')
