"""Op-record entries of string ops checked in their own test files (string tensors: CPU only)."""
from op_records import EXEMPT

EXEMPT.update(dict.fromkeys(('StaticRegexFullMatch', 'RegexFullMatch'),
                            'string patterns: checked against TF in tests/ops/test_regex_full_match.py'))
