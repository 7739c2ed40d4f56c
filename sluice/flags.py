"""tf.flags (also tf.app.flags): command-line flags the way TF1 programs use them.

    tf.app.flags.DEFINE_integer('max_steps', 1000, 'Number of steps to run.')
    FLAGS = tf.app.flags.FLAGS
    ... FLAGS.max_steps ...      # the first read parses sys.argv

The semantics are absl's (which tf.flags wraps since TF 1.5), without depending on absl:
  * DEFINE_string/integer/float/boolean(bool)/list/enum register a Flag in a FlagValues (the
    global FLAGS unless flag_values= says otherwise); defaults go through the flag's parser.
  * Reading a flag before any parse parses sys.argv (TF's wrapper does that; plain absl raises).
  * FLAGS(argv, known_only=False) parses argv and returns [argv[0]] + the arguments that were not
    flags. Flags and positional arguments may interleave (GNU style); `--` ends the flags.
    `--name=value`, `--name value`, `-name=value`; booleans also `--name`, `--noname`,
    `--name=false|true|0|1|f|t`. Unknown flags raise UnrecognizedFlagError unless known_only,
    in which case they are passed through in their place (what tf.app.run does).
  * --help/--helpshort/--helpfull/-? print the flags (formatted by argparse) and exit with 1.

Tokenising is done here rather than by argparse.parse_known_args because absl's rules differ
from argparse's in ways programs see: `--bool_flag value` leaves `value` positional, unknown
flags must stay in order among the positionals, and `--` is kept (known_only) or dropped exactly
as absl does on every Python version. argparse formats the help text.
"""
import argparse
import csv
import sys

__all__ = ['FLAGS', 'FlagValues', 'Flag', 'Error', 'IllegalFlagValueError', 'UnrecognizedFlagError',
           'DuplicateFlagError', 'DEFINE', 'DEFINE_string', 'DEFINE_integer', 'DEFINE_float', 'DEFINE_boolean',
           'DEFINE_bool', 'DEFINE_list', 'DEFINE_enum', 'DEFINE_multi_string', 'DEFINE_multi_integer',
           'mark_flag_as_required', 'mark_flags_as_required']


class Error(Exception):
    """Base class of the flag errors (absl.flags.Error)."""


class IllegalFlagValueError(Error):
    """A flag was given a value its parser rejects (or a required flag was left unset)."""


class UnrecognizedFlagError(Error):
    """A command-line flag, or an attribute set on FLAGS, names no defined flag."""

    def __init__(self, flagname, flagvalue='', suggestions=None):
        self.flagname = flagname
        self.flagvalue = flagvalue
        tip = ''
        if suggestions:
            tip = '. Did you mean: %s ?' % ', '.join(suggestions)
        super().__init__("Unknown command line flag '%s'%s" % (flagname, tip))


class DuplicateFlagError(Error):
    """The same flag name was defined twice."""


# ---------------------------------------------------------------- parsers (string -> value)

def _bounds_help(article, kind, lower, upper, integer):
    if lower is not None and upper is not None:
        return '%s %s in the range [%s, %s]' % (article, kind, lower, upper)
    if integer and lower == 1:
        return 'a positive %s' % kind
    if integer and upper == -1:
        return 'a negative %s' % kind
    if lower == 0:
        return 'a non-negative %s' % kind
    if upper == 0:
        return 'a non-positive %s' % kind
    if upper is not None:
        return '%s <= %s' % (kind, upper)
    if lower is not None:
        return '%s >= %s' % (kind, lower)
    return '%s %s' % (article, kind)


def _numeric_parser(integer, lower, upper):
    help_text = _bounds_help('an' if integer else 'a', 'integer' if integer else 'number', lower, upper, integer)

    def parse(argument):
        if isinstance(argument, bool) or not isinstance(argument, (int, float, str)):
            raise TypeError('Expect argument to be a string or a number, found %s' % type(argument))
        if integer:
            if isinstance(argument, float):
                raise TypeError('Expect argument to be a string or int, found %s' % type(argument))
            if isinstance(argument, str):
                base = 10
                if len(argument) > 2 and argument[0] == '0' and argument[1] in 'ox':
                    base = 8 if argument[1] == 'o' else 16
                value = int(argument, base)
            else:
                value = argument
        else:
            value = float(argument)
        if (lower is not None and value < lower) or (upper is not None and value > upper):
            raise ValueError('%s is not %s' % (value, help_text))
        return value

    return parse, help_text


def _parse_bool(argument):
    if isinstance(argument, str):
        lowered = argument.lower()
        if lowered in ('true', 't', '1'):
            return True
        if lowered in ('false', 'f', '0'):
            return False
    elif isinstance(argument, int) and argument in (0, 1):  # bool is an int too
        return bool(argument)
    raise ValueError('Non-boolean argument to boolean flag', argument)


def _parse_list(argument):
    if isinstance(argument, (list, tuple)):
        return list(argument)
    if not argument:
        return []
    # csv, as absl does, so a quoted item may hold a comma: --names='"a,b",c'
    return [item.strip() for item in next(csv.reader([argument], strict=True))]


def _enum_parser(enum_values, case_sensitive):
    enum_values = list(enum_values)
    if not enum_values:
        raise ValueError('enum_values cannot be empty, found "%s"' % enum_values)

    def parse(argument):
        if case_sensitive:
            if argument in enum_values:
                return argument
        else:
            for value in enum_values:
                if value.upper() == str(argument).upper():
                    return value
        raise ValueError('value should be one of <%s>' % '|'.join(enum_values))

    return parse


# ---------------------------------------------------------------- Flag and FlagValues

class Flag:
    """One defined flag: name, help, default, current value and how to parse a string into it."""

    def __init__(self, parser, name, default, help_text, boolean=False, flag_type='string', multi=False,
                 module_name=None, module_id=None, syntax=''):
        self.parser = parser
        self.name = name
        self.help = help_text
        self.boolean = boolean
        self.flag_type = flag_type
        self.multi = multi
        self.module_name = module_name
        self.module_id = module_id
        self.syntax = syntax            # e.g. 'an integer', shown in --help
        self.present = 0                # how many times the last parse set it
        self.using_default_value = True
        self.default = None if default is None else self._convert(default)
        self.value = self._copy(self.default)

    @staticmethod
    def _copy(value):
        return list(value) if isinstance(value, list) else value

    def _convert(self, argument):
        if self.multi:
            items = argument if isinstance(argument, (list, tuple)) else [argument]
            return [self._convert_one(item) for item in items]
        return self._convert_one(argument)

    def _convert_one(self, argument):
        try:
            return self.parser(argument)
        except (TypeError, ValueError) as e:
            raise IllegalFlagValueError('flag --%s=%s: %s' % (self.name, argument, e)) from None

    def parse(self, argument):
        """Sets the value from one command-line occurrence (a multi flag appends)."""
        if self.multi and self.present:
            self.value = self.value + self._convert(argument)
        else:
            self.value = self._convert(argument)
        self.present += 1
        self.using_default_value = False

    def unparse(self):
        self.value = self._copy(self.default)
        self.present = 0
        self.using_default_value = True

    def __repr__(self):
        return '<Flag --%s=%r>' % (self.name, self.value)


_HELP_FLAGS = ('help', 'helpshort', 'helpfull', '?')


class FlagValues:
    """A registry of flags; FLAGS is the global one. Reading a flag parses sys.argv first if needed."""

    def __init__(self):
        object.__setattr__(self, '_flags', {})
        object.__setattr__(self, '_parsed', False)
        object.__setattr__(self, '_required', [])

    # -- registry
    def _register(self, flag):
        existing = self._flags.get(flag.name)
        if existing is not None:
            # absl tolerates a module imported a second time (same name, new module object)
            if existing.module_name == flag.module_name and existing.module_id != flag.module_id:
                return
            raise DuplicateFlagError(
                "The flag '%s' is defined twice. First from %s, second from %s. Description from first "
                'occurrence: %s' % (flag.name, existing.module_name, flag.module_name, existing.help))
        self._flags[flag.name] = flag

    def __contains__(self, name):
        return name in self._flags

    def __getitem__(self, name):
        return self._flags[name]

    def __iter__(self):
        return iter(list(self._flags))

    def __len__(self):
        return len(self._flags)

    def __dir__(self):
        return sorted(set(object.__dir__(self)) | set(self._flags))

    # -- values
    def __getattr__(self, name):
        # only called for names that are not real attributes
        if name.startswith('__') and name.endswith('__'):
            raise AttributeError(name)
        if name == '__flags':       # TF <= 1.4 programs print FLAGS.__flags: name -> value
            return self.flag_values_dict()
        flags = self.__dict__.get('_flags')
        if flags is None or name not in flags:
            raise AttributeError(name)
        if not self.__dict__['_parsed']:
            self(sys.argv)
        return flags[name].value

    def __setattr__(self, name, value):
        if name not in self._flags:
            raise UnrecognizedFlagError(name, value)
        flag = self._flags[name]
        flag.value = value
        flag.using_default_value = False

    def __delattr__(self, name):
        if name not in self._flags:
            raise AttributeError(name)
        del self._flags[name]

    def flag_values_dict(self):
        return {name: flag.value for name, flag in self._flags.items()}

    def get_flag_value(self, name, default):
        return self._flags[name].value if name in self._flags else default

    def set_default(self, name, value):
        flag = self._flags.get(name)
        if flag is None:
            raise UnrecognizedFlagError(name, value)
        flag.default = None if value is None else flag._convert(value)
        if flag.using_default_value:
            flag.value = flag._copy(flag.default)

    def is_parsed(self):
        return self._parsed

    def mark_as_parsed(self):
        object.__setattr__(self, '_parsed', True)

    def unparse_flags(self):
        for flag in self._flags.values():
            flag.unparse()
        object.__setattr__(self, '_parsed', False)

    # -- parsing
    def __call__(self, argv, known_only=False):
        if isinstance(argv, (str, bytes)):
            raise TypeError('argv should be a tuple/list of strings, not bytes or string.')
        argv = list(argv)
        if not argv:
            raise ValueError('argv cannot be an empty list, and must contain the program name as the first '
                             'element.')
        passed_on = self._parse_args(argv[0], argv[1:], known_only)
        self.mark_as_parsed()
        self._check_required()
        return [argv[0]] + passed_on

    def _parse_flags(self, args=None):
        """TF <= 1.4's FLAGS._parse_flags(): parses sys.argv (or args), returns what was not a flag."""
        return self([sys.argv[0] if sys.argv else ''] + list(sys.argv[1:] if args is None else args),
                    known_only=True)[1:]

    def _parse_args(self, program, args, known_only):
        for flag in self._flags.values():
            flag.present = 0
        passed_on, unknown = [], []
        i = 0
        while i < len(args):
            arg = args[i]
            i += 1
            if arg == '--':
                if known_only:
                    passed_on.append(arg)
                passed_on.extend(args[i:])
                break
            if not arg.startswith('-') or arg == '-':
                passed_on.append(arg)          # positional; flags may follow (GNU style)
                continue
            body = arg[2:] if arg.startswith('--') else arg[1:]
            name, has_value, value = body.partition('=')
            flag = self._flags.get(name)
            if flag is not None:
                if not has_value:
                    if flag.boolean:
                        value = 'true'
                    elif i < len(args):
                        value = args[i]
                        i += 1
                    else:
                        raise Error('Missing value for flag ' + arg)
                flag.parse(value)
                continue
            negated = self._flags.get(name[2:]) if name.startswith('no') else None
            if negated is not None and negated.boolean and not has_value:
                negated.parse('false')
                continue
            if name in _HELP_FLAGS:
                print(self.get_help(program))
                sys.exit(1)
            if known_only:
                passed_on.append(arg)
            else:
                unknown.append(name)
        if unknown:
            name = unknown[0]
            suggestions = [n for n in self._flags if n in name or name in n]
            raise UnrecognizedFlagError(name, suggestions=suggestions[:3])
        return passed_on

    def _check_required(self):
        for name in self._required:
            flag = self._flags.get(name)
            if flag is not None and flag.value is None:
                raise IllegalFlagValueError('flag --%s=None: Flag --%s must have a value other than None.'
                                            % (name, name))

    # -- help
    def get_help(self, program=None):
        """The flags and their help, laid out by argparse."""
        parser = argparse.ArgumentParser(prog=program or (sys.argv[0] if sys.argv else None), add_help=False)
        for flag in sorted(self._flags.values(), key=lambda f: f.name):
            text = flag.help or ''
            if flag.syntax:
                text += ' (%s)' % flag.syntax
            text += ' (default: %r)' % (flag.default,)
            if flag.boolean:
                parser.add_argument('--' + flag.name, '--no' + flag.name, action='store_true', help=text)
            else:
                parser.add_argument('--' + flag.name, metavar=flag.flag_type.upper(), help=text)
        return parser.format_help()

    def __str__(self):
        return self.get_help()


FLAGS = FlagValues()


# ---------------------------------------------------------------- DEFINE_*

def _caller_module(depth):
    frame = sys._getframe(depth)
    name = frame.f_globals.get('__name__', '<unknown>')
    module = sys.modules.get(name)
    if name == '__main__' and sys.argv and sys.argv[0]:
        name = sys.argv[0].rsplit('/', 1)[-1]
    return name, id(module) if module is not None else id(frame.f_globals)


def _define(parser, name, default, help_text, flag_values, boolean=False, flag_type='string', multi=False,
            syntax='', depth=3):
    if flag_values is None:
        flag_values = FLAGS
    module_name, module_id = _caller_module(depth)
    flag = Flag(parser, name, default, help_text, boolean=boolean, flag_type=flag_type, multi=multi,
                module_name=module_name, module_id=module_id, syntax=syntax)
    flag_values._register(flag)
    return flag


def _old_names(name, default, help_text, kwargs):
    # TF's wrapper still takes the pre-absl keyword names flag_name/default_value/docstring
    name = kwargs.pop('flag_name', name)
    default = kwargs.pop('default_value', default)
    help_text = kwargs.pop('docstring', help_text)
    return name, default, help_text


def DEFINE_string(name=None, default=None, help=None, flag_values=None, **kwargs):  # noqa: A002  (TF's names)
    name, default, help = _old_names(name, default, help, kwargs)
    return _define(str, name, default, help, flag_values)


def DEFINE_integer(name=None, default=None, help=None, lower_bound=None, upper_bound=None, flag_values=None,
                   **kwargs):
    name, default, help = _old_names(name, default, help, kwargs)
    parser, syntax = _numeric_parser(True, lower_bound, upper_bound)
    return _define(parser, name, default, help, flag_values, flag_type='int', syntax=syntax)


def DEFINE_float(name=None, default=None, help=None, lower_bound=None, upper_bound=None, flag_values=None,
                 **kwargs):
    name, default, help = _old_names(name, default, help, kwargs)
    parser, syntax = _numeric_parser(False, lower_bound, upper_bound)
    return _define(parser, name, default, help, flag_values, flag_type='float', syntax=syntax)


def DEFINE_boolean(name=None, default=None, help=None, flag_values=None, **kwargs):
    name, default, help = _old_names(name, default, help, kwargs)
    return _define(_parse_bool, name, default, help, flag_values, boolean=True, flag_type='bool')


DEFINE_bool = DEFINE_boolean


def DEFINE_list(name, default, help, flag_values=None, **kwargs):  # noqa: A002
    return _define(_parse_list, name, default, help, flag_values, flag_type='list',
                   syntax='a comma separated list')


def DEFINE_enum(name, default, enum_values, help, flag_values=None, case_sensitive=True, **kwargs):  # noqa: A002
    return _define(_enum_parser(enum_values, case_sensitive), name, default, help, flag_values,
                   flag_type='enum', syntax='one of <%s>' % '|'.join(enum_values))


def DEFINE_multi_string(name, default, help, flag_values=None, **kwargs):  # noqa: A002
    return _define(str, name, default, help, flag_values, flag_type='multi_string', multi=True,
                   syntax='repeat this option to specify a list of values')


def DEFINE_multi_integer(name, default, help, lower_bound=None, upper_bound=None, flag_values=None,
                         **kwargs):  # noqa: A002
    parser, syntax = _numeric_parser(True, lower_bound, upper_bound)
    return _define(parser, name, default, help, flag_values, flag_type='multi_int', multi=True, syntax=syntax)


def DEFINE(parser, name, default, help, flag_values=None, **kwargs):  # noqa: A002
    """A flag with a custom parser: any callable from the command-line string to the value."""
    return _define(parser, name, default, help, flag_values)


def mark_flag_as_required(flag_name, flag_values=None):
    """Parsing raises IllegalFlagValueError when the flag's value is still None afterwards."""
    flag_values = FLAGS if flag_values is None else flag_values
    if flag_name not in flag_values._required:
        flag_values._required.append(flag_name)


def mark_flags_as_required(flag_names, flag_values=None):
    for name in flag_names:
        mark_flag_as_required(name, flag_values)


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.flags')
