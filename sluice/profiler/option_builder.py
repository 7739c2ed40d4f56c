"""tf.profiler.ProfileOptionBuilder: the options dict that tf.profiler.profile reads.

The dicts and their defaults are TF's (the same keys and values as TF 1.15's builders give);
sluice's profile() reads: max_depth, min_params, min_float_ops, order_by, account_type_regexes,
start/show/hide/trim_name_regexes, account_displayed_op_only, select ('params', 'float_ops')
and output ('stdout', 'none', 'file:outfile=PATH').
"""
import copy

_BASE = {'max_depth': 10000, 'min_bytes': 0, 'min_micros': 0, 'min_params': 0, 'min_float_ops': 0,
         'min_occurrence': 0, 'order_by': 'name', 'account_type_regexes': ['.*'], 'start_name_regexes': ['.*'],
         'trim_name_regexes': [], 'show_name_regexes': ['.*'], 'hide_name_regexes': [],
         'account_displayed_op_only': True, 'select': ['micros'], 'step': -1, 'output': 'stdout'}


class ProfileOptionBuilder:
    """Builds the options of tf.profiler.profile, starting from `options` (a dict) or TF's defaults."""

    def __init__(self, options=None):
        self._options = copy.deepcopy(options) if options is not None else copy.deepcopy(_BASE)

    @staticmethod
    def trainable_variables_parameter():
        """Counts the parameters of trainable variables, by name scope."""
        return dict(copy.deepcopy(_BASE), account_type_regexes=['_trainable_variables'], select=['params'])

    @staticmethod
    def float_operation():
        """Counts the float operations of the ops with a registered count, largest first."""
        return dict(copy.deepcopy(_BASE), min_float_ops=1, order_by='float_ops', select=['float_ops'])

    @staticmethod
    def time_and_memory(min_micros=1, min_bytes=1, min_accelerator_micros=0, min_cpu_micros=0,
                        min_peak_bytes=0, min_residual_bytes=0, min_output_bytes=0):
        """Time and memory per op (needs run_meta; sluice's profile() does not implement this view)."""
        options = dict(copy.deepcopy(_BASE), min_micros=min_micros, min_bytes=min_bytes, order_by='micros',
                       select=['micros', 'bytes'])
        options.update(min_accelerator_micros=min_accelerator_micros, min_cpu_micros=min_cpu_micros,
                       min_peak_bytes=min_peak_bytes, min_residual_bytes=min_residual_bytes,
                       min_output_bytes=min_output_bytes)
        return options

    def build(self):
        return copy.deepcopy(self._options)

    def _set(self, **values):
        self._options.update(copy.deepcopy(values))
        return self

    def with_max_depth(self, max_depth):
        return self._set(max_depth=max_depth)

    def with_min_parameters(self, min_params):
        return self._set(min_params=min_params)

    def with_min_float_operations(self, min_float_ops):
        return self._set(min_float_ops=min_float_ops)

    def with_min_occurrence(self, min_occurrence):
        return self._set(min_occurrence=min_occurrence)

    def with_accounted_types(self, account_type_regexes):
        return self._set(account_type_regexes=list(account_type_regexes))

    def with_node_names(self, start_name_regexes=None, show_name_regexes=None, hide_name_regexes=None,
                        trim_name_regexes=None):
        for key, value in (('start_name_regexes', start_name_regexes), ('show_name_regexes', show_name_regexes),
                           ('hide_name_regexes', hide_name_regexes), ('trim_name_regexes', trim_name_regexes)):
            if value is not None:
                self._options[key] = list(value)
        return self

    def account_displayed_op_only(self, is_true):
        return self._set(account_displayed_op_only=is_true)

    def with_empty_output(self):
        return self._set(output='none')

    def with_stdout_output(self):
        return self._set(output='stdout')

    def with_file_output(self, outfile):
        return self._set(output='file:outfile=%s' % outfile)

    def order_by(self, attribute):
        return self._set(order_by=attribute)

    def select(self, attributes):
        return self._set(select=list(attributes))

    def with_step(self, step):
        return self._set(step=step)
