"""LocalCLIDebugWrapperSession: tfdbg's command-line UI, as plain lines on a terminal.

At each Session.run() the run-start screen names the fetches and feeds and waits at 'tfdbg> ':
    run                 run with every tensor watched, then the run-end screen (the tensor list)
    run -n              run without watching
    run -t T            run T - 1 times without stopping, then once watched, then stop
    run -f FILTER       run watched, without stopping, until a run dumps a tensor passing FILTER
                        (has_inf_or_nan is registered from the start); stop at that run's end
    exit                stop debugging: this and later runs go through unwatched
After a watched run (run-end; a run that failed shows its error and the dumps made before it):
    lt [-n REGEX] [-t REGEX] [-f FILTER]   list dumped tensors (time, size, op type, name)
    pt NAME[SLICING] [-a]                  print a tensor ('x' is 'x:0'), e.g. pt w[0:2, :]
    ni [-t] NAME        node info: op, device, inputs, recipients; -t: where the node was created
    li NAME / lo NAME   the node's inputs / the nodes reading its outputs
    run [...] / exit    leave the screen: the run() call returns (a failed one raises)
    help                these commands
Input is read with `input_fn` (the builtin input by default) and output written to `out`
(sys.stdout), so the UI works in any terminal, a pipe or a notebook.
"""
import linecache
import re
import shlex
import sys

import numpy as np

from sluice.python.debug.dumps import has_inf_or_nan
from sluice.python.debug.wrappers import BaseDebugWrapperSession

PROMPT = 'tfdbg> '
_RULE = '=' * 70
_SLICE = re.compile(r'^([^\[]+)(\[.*\])?$')

HELP = """\
run           Execute the run() call with debug tensor-watching.
run -n        Execute the run() call without debug tensor-watching.
run -t T      Execute run() calls T - 1 times without debugging, then once with debugging and stop.
run -f NAME   Keep executing run() calls until a dumped tensor passes the registered filter NAME.
lt            List dumped tensors:  lt [-n NODE_REGEX] [-t OP_TYPE_REGEX] [-f FILTER]
pt            Print a tensor value: pt NAME[SLICING] [-a]   (e.g. pt hidden/MatMul:0[0:2, :])
ni            Node information:     ni [-t] NODE   (-t: the traceback of the node's construction)
li            List a node's inputs: li NODE
lo            List the recipients of a node's outputs: lo NODE
help          Print this help.
exit          Leave the debugger; this and later run() calls go through unwatched."""


class _Leave(Exception):
    """A command that ends the current screen; `action` says how the run continues."""

    def __init__(self, action, argument=None):
        super().__init__(action)
        self.action, self.argument = action, argument


class LocalCLIDebugWrapperSession(BaseDebugWrapperSession):
    def __init__(self, sess, dump_root=None, log_usage=True, ui_type='readline', thread_name_filter=None,
                 config_file_path=None, input_fn=None, out=None):
        super().__init__(sess, thread_name_filter)
        self._dump_root = dump_root
        self._input = input_fn or input
        self._out = out
        self._exited = False
        self._run_through = 0          # run -t: watched-free runs still to go
        self._active_filter = None     # run -f: the filter that ends the free running
        self._dumps = []
        self.add_tensor_filter('has_inf_or_nan', has_inf_or_nan)

    # -- output --------------------------------------------------------------------------------
    def _print(self, text=''):
        stream = self._out or sys.stdout
        stream.write(text + '\n')
        stream.flush()

    def _read(self):
        try:
            return self._input(PROMPT)
        except EOFError:
            return 'exit'

    # -- Session.run ---------------------------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        self._run_call_count += 1
        if self._exited:
            return self._plain_run(fetches, feed_dict, options, run_metadata)
        if self._run_through > 0:
            self._run_through -= 1
            if self._run_through > 0:
                return self._plain_run(fetches, feed_dict, options, run_metadata)
            return self._watched_and_shown(fetches, feed_dict)
        if self._active_filter is not None:
            return self._run_until_filter(fetches, feed_dict)
        self._run_start_screen(fetches, feed_dict)
        try:
            self._command_loop(run_end=False)
        except _Leave as leave:
            return self._start(leave, fetches, feed_dict, options, run_metadata)

    def _start(self, leave, fetches, feed_dict, options, run_metadata):
        if leave.action == 'exit':
            self._exited = True
            return self._plain_run(fetches, feed_dict, options, run_metadata)
        if leave.action == 'run-n':
            return self._plain_run(fetches, feed_dict, options, run_metadata)
        if leave.action == 'run-t':
            self._run_through = leave.argument
            return self._through(fetches, feed_dict, options, run_metadata)
        if leave.action == 'run-f':
            self._active_filter = leave.argument
            return self._run_until_filter(fetches, feed_dict)
        return self._watched_and_shown(fetches, feed_dict)

    def _through(self, fetches, feed_dict, options, run_metadata):
        self._run_through -= 1
        if self._run_through > 0:
            return self._plain_run(fetches, feed_dict, options, run_metadata)
        return self._watched_and_shown(fetches, feed_dict)

    def _run_until_filter(self, fetches, feed_dict):
        name = self._active_filter
        results, dumped, error = self._watched_run(fetches, feed_dict)
        passing = [d for d in dumped if self._tensor_filters[name](d, d.get_tensor())]
        if not passing and error is None:
            return results
        self._active_filter = None
        self._dumps = dumped
        return self._run_end(results, error, tensor_filter=name)

    def _watched_and_shown(self, fetches, feed_dict):
        results, dumped, error = self._watched_run(fetches, feed_dict)
        self._dumps = dumped
        return self._run_end(results, error)

    def _run_end(self, results, error, tensor_filter=None):
        self._print(_RULE)
        self._print('run-end: Session.run() call #%d%s' % (self._run_call_count, ' failed' if error else ''))
        if error is not None:
            self._print('%s: %s' % (type(error).__name__, error))
        self._print(_RULE)
        self._list_tensors(['-f', tensor_filter] if tensor_filter else [])
        try:
            self._command_loop(run_end=True)
        except _Leave as leave:
            if leave.action == 'exit':
                self._exited = True
            elif leave.action == 'run-t':
                self._run_through = leave.argument
            elif leave.action == 'run-f':
                self._active_filter = leave.argument
        if error is not None:
            raise error
        return results

    def _run_start_screen(self, fetches, feed_dict):
        self._print(_RULE)
        self._print('Session.run() call #%d:' % self._run_call_count)
        self._print('')
        self._print('Fetch(es):')
        for fetch in _flatten(fetches):
            self._print('  ' + getattr(fetch, 'name', str(fetch)))
        self._print('')
        self._print('Feed dict:')
        if not feed_dict:
            self._print('  (Empty)')
        for key in feed_dict or ():
            self._print('  ' + getattr(key, 'name', str(key)))
        self._print(_RULE)
        self._print('Select one of the following commands to proceed ---->')
        self._print('  run:     Execute the run() call with debug tensor-watching')
        self._print('  run -n:  Execute the run() call without debug tensor-watching')
        self._print('  run -t <T>:  Execute run() calls (T - 1) times without debugging, then once with it')
        self._print('  run -f <filter_name>:  Keep executing run() calls until a dumped tensor passes the filter')
        self._print('    Registered filter(s): ' + ', '.join(sorted(self._tensor_filters)))

    # -- commands ------------------------------------------------------------------------------
    def _command_loop(self, run_end):
        while True:
            line = self._read().strip()
            if not line:
                continue
            try:
                words = shlex.split(line)
            except ValueError as e:
                self._print('ERROR: %s' % e)
                continue
            command, args = words[0], words[1:]
            if command in ('run', 'r'):
                self._run_command(args)
            elif command in ('exit', 'quit'):
                raise _Leave('exit')
            elif command in ('help', 'h'):
                self._print(HELP)
            elif not run_end:
                self._print('ERROR: command %r is available after a watched run (type help)' % command)
            elif command in ('lt', 'list_tensors'):
                self._list_tensors(args)
            elif command in ('pt', 'print_tensor'):
                self._print_tensor(args)
            elif command in ('ni', 'node_info'):
                self._node_info(args)
            elif command in ('li', 'list_inputs'):
                self._list_neighbours(args, inputs=True)
            elif command in ('lo', 'list_outputs'):
                self._list_neighbours(args, inputs=False)
            else:
                self._print('ERROR: Invalid command prefix "%s" (type help)' % command)

    def _run_command(self, args):
        if not args:
            raise _Leave('run')
        if args[0] == '-n':
            raise _Leave('run-n')
        if args[0] == '-t' and len(args) == 2 and args[1].isdigit() and int(args[1]) > 0:
            raise _Leave('run-t', int(args[1]))
        if args[0] == '-f' and len(args) == 2:
            if args[1] not in self._tensor_filters:
                self._print('ERROR: There is no tensor filter named "%s". Registered: %s'
                            % (args[1], ', '.join(sorted(self._tensor_filters))))
                return
            raise _Leave('run-f', args[1])
        self._print('ERROR: usage: run | run -n | run -t T | run -f FILTER_NAME')

    def _list_tensors(self, args):
        options = _options(args, {'-n': None, '-t': None, '-f': None})
        if options is None:
            return self._print('ERROR: usage: lt [-n NODE_REGEX] [-t OP_TYPE_REGEX] [-f FILTER]')
        shown = self._dumps
        graph = self.graph
        if options['-f']:
            tensor_filter = self._tensor_filters.get(options['-f'])
            if tensor_filter is None:
                return self._print('ERROR: There is no tensor filter named "%s".' % options['-f'])
            shown = [d for d in shown if tensor_filter(d, d.get_tensor())]
        if options['-n']:
            shown = [d for d in shown if re.search(options['-n'], d.node_name)]
        if options['-t']:
            shown = [d for d in shown if re.search(options['-t'], _op_type(graph, d.node_name))]
        title = '%d dumped tensor(s)' % len(shown)
        if options['-f']:
            title += ' passing filter "%s"' % options['-f']
        self._print(title + ':')
        self._print('')
        self._print('%-10s %-10s %-22s %s' % ('t (ms)', 'Size (B)', 'Op type', 'Tensor name'))
        t0 = self._dumps[0].timestamp if self._dumps else 0
        for datum in shown:
            self._print('%-10s %-10d %-22s %s' % ('[%.3f]' % ((datum.timestamp - t0) / 1000.0), datum.dump_size_bytes,
                                                  _op_type(graph, datum.node_name), datum.tensor_name))

    def _find_dump(self, name):
        node, _, slot = name.partition(':')
        slot = int(slot) if slot.isdigit() else 0
        for datum in self._dumps:
            if datum.node_name == node and datum.output_slot == slot:
                return datum
        return None

    def _print_tensor(self, args):
        full = '-a' in args
        args = [a for a in args if a != '-a']
        if len(args) < 1:
            return self._print('ERROR: usage: pt NAME[SLICING] [-a]')
        match = _SLICE.match(''.join(args))
        name, slicing = match.group(1), match.group(2)
        datum = self._find_dump(name)
        if datum is None:
            return self._print('ERROR: Tensor "%s" did not generate any dumps.' % name)
        value = datum.get_tensor()
        if slicing:
            try:
                value = value[_parse_slicing(slicing)]
            except (IndexError, ValueError, TypeError) as e:
                return self._print('ERROR: Invalid slicing %s: %s' % (slicing, e))
        self._print('Tensor "%s%s":' % (datum.watch_key, slicing or ''))
        self._print('  dtype: %s' % value.dtype)
        self._print('  shape: %s' % (value.shape,))
        self._print('')
        with np.printoptions(threshold=sys.maxsize if full else 1000):
            self._print(repr(value) if isinstance(value, np.ndarray) else str(value))

    def _op(self, name):
        try:
            return self.graph.get_operation_by_name(name.split(':')[0])
        except (KeyError, ValueError):
            self._print('ERROR: There is no node named "%s" in the graph.' % name)
            return None

    def _node_info(self, args):
        traceback = '-t' in args
        args = [a for a in args if a not in ('-t', '-a')]
        if len(args) != 1:
            return self._print('ERROR: usage: ni [-t] NODE_NAME')
        op = self._op(args[0])
        if op is None:
            return
        datum = next((d for d in self._dumps if d.node_name == op.name), None)
        self._print('Node %s' % op.name)
        self._print('')
        self._print('  Op: %s' % op.type)
        self._print('  Device: %s' % (datum.device_name if datum else op.device or '(not run)'))
        self._print('')
        self._print('  %d input(s) + %d control input(s):' % (len(op.inputs), len(op.control_inputs)))
        for t in op.inputs:
            self._print('    [%s] %s' % (t.op.type, t.name))
        for c in op.control_inputs:
            self._print('    [%s] ^%s' % (c.type, c.name))
        recipients = [c for t in op.outputs for c in t.consumers()]
        self._print('')
        self._print('  %d recipient(s) of %d output(s):' % (len(recipients), len(op.outputs)))
        for c in recipients:
            self._print('    [%s] %s' % (c.type, c.name))
        if traceback:
            self._print('')
            self._print('Traceback of node construction:')
            for i, (filename, line, function, _) in enumerate(op.traceback):
                self._print('%d: %s' % (i, filename))
                self._print('  Line:     %d' % line)
                self._print('  Function: %s' % function)
                self._print('  Text:     "%s"' % linecache.getline(filename, line).strip())

    def _list_neighbours(self, args, inputs):
        if len(args) != 1:
            return self._print('ERROR: usage: %s NODE_NAME' % ('li' if inputs else 'lo'))
        op = self._op(args[0])
        if op is None:
            return
        if inputs:
            self._print('Inputs to node "%s":' % op.name)
            for t in op.inputs:
                self._print('  |- [%s] %s' % (t.op.type, t.name))
            for c in op.control_inputs:
                self._print('  |- [%s] ^%s' % (c.type, c.name))
        else:
            self._print('Recipients of output(s) of node "%s":' % op.name)
            for t in op.outputs:
                for c in t.consumers():
                    self._print('  |- [%s] %s (reads %s)' % (c.type, c.name, t.name))


def _flatten(fetches):
    if isinstance(fetches, (list, tuple)):
        return [f for item in fetches for f in _flatten(item)]
    if isinstance(fetches, dict):
        return [f for item in fetches.values() for f in _flatten(item)]
    return [fetches]


def _op_type(graph, node_name):
    try:
        return graph.get_operation_by_name(node_name).type
    except (KeyError, ValueError):
        return '?'


def _options(args, defaults):
    options = dict(defaults)
    i = 0
    while i < len(args):
        if args[i] not in options or i + 1 >= len(args):
            return None
        options[args[i]] = args[i + 1]
        i += 2
    return options


def _parse_slicing(text):
    """'[0:2, :, 3]' -> a NumPy index tuple (integers and slices only)."""
    parts = []
    for item in text.strip()[1:-1].split(','):
        item = item.strip()
        if ':' in item:
            bounds = [int(b) if b.strip() else None for b in item.split(':')]
            parts.append(slice(*bounds))
        else:
            parts.append(int(item))
    return tuple(parts)
