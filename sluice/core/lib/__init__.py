"""`tensorflow.core.lib`: only core/error_codes_pb2."""
