#!/usr/bin/env python3
"""Generates engine/tests/vectors/formatter.txt: what CPython's own
`logging.Formatter(fmt, datefmt, style, validate, defaults=...).format(record)`
returns for real `logging.LogRecord`s, checked by
engine/tests/formatter_vectors.rs against attologging_engine::Formatter.

Regenerate (from the repository root, with any python3):

    python3 engine/tests/vectors/gen_formatter.py

The driver builds the records, formatters and (formatter, record) cases once
(seeded, so reruns give the same file whichever interpreter runs it), then
re-runs itself with --child under every interpreter in INTERPRETERS
(override: FORMATTER_PYTHONS=path:path:...), with TZ=Europe/Berlin and
LC_ALL=C.UTF-8, feeding the spec as JSON on stdin, and merges the answers:
an answer all versions agree on is tagged `*`; errors of one class whose
messages differ keep only the class; any other difference becomes one line
per distinct answer, tagged with the versions that gave it (the Rust test
then runs that case with exactly those `PyVersion`s).

Child mode makes each record with `time.time` / `time.time_ns`
monkeypatched to the record's clock reading (`time.time()` is CPython's
`_PyTime_AsSecondsDouble` of it) and `logging._startTime` set to what
`logging` of that version stores at import for the record's start reading
(a float before 3.13, an int from 3.13), then sets the caller, thread,
process, task, exc_text, stack_info and extra attributes explicitly.

A field the record does not carry ("absent" below) is what CPython has when
the information was not captured: pathname "(unknown file)", lineno 0,
funcName "(unknown function)" (findCaller's answer without a caller), None
for thread/threadName/process/processName/exc_text/stack_info, taskName None
on 3.12+ and no attribute at all on 3.11; an absent extra key is no
attribute. Every record also carries the extras `args` (rendered as
repr(record.args)) and `exc_info` (None), as a producer sends them for a
format that names them; the child leaves the real attributes alone.

Line format (space separated; `#` starts a comment line):

    V <version> ...                         the CPython versions checked
    L <levelno> <str>                       logging._levelToName (after addLevelName)
    R <rid> <ts_ns> <start_ns> <level> <logger:str> <msg:str> <args> <fields>
    F <fid> <flags> <style> <fmt> <datefmt> <default_time_format> <default_msec_format> <defaults>
    C <fid> <rid> <versions> <expected>

Values are typed tokens: N (None), B1/B0 (bool), i<dec> (int in i64),
I<dec> (int beyond i64), f<16 hex> (float, IEEE-754 bits as f64::to_bits),
s<hex> (str, hex of its UTF-8), y<hex> (bytes), r<hex> (an object whose str()
and repr() are that text: what a producer sends already rendered).
<fmt>/<datefmt>/<default_msec_format> are a str token or N (None).
args: `p` + tokens joined by `,` (a tuple, `p` alone = no args) or
`m` + `<hex key>=<token>` joined by `,` (a mapping: `msg % {...}`).
fields: `-` or `<name>=<token>` joined by `,`; names are pathname, lineno,
funcName, thread, threadName, process, processName, taskName, exc_text,
stack_info, or `x<hex key>` for an extra attribute.
defaults: `-` or `<hex key>=<token>` joined by `,` (`Formatter(defaults=)`).
style: `%`, `{` or `$`. flags: `-` or letters: u = `converter = time.gmtime`;
v = built with validate=True; w = validate=True was asked but CPython's
constructor rejected the format, so the formatter was built with
validate=False; x = a format the engine rejects by design (positional `%s`
in a %-format, `{args[0]}`, `{a.b}`, `{0}`, `{}`, nested `{x:{y}}`):
`Formatter::compile` must fail; t = a date configuration the engine declines
(`Formatter::new_state` may fail; the bindings then keep the formatter in
Python).
versions: `*` (every version in V) or versions joined by `,`.
expected: `=<hex>` (the formatted text) or `!<Class>` or `!<Class>:<hex message>`
(format() raised).
"""

import json
import os
import random
import re
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vector_codec import Rendered, enc, hexs  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, 'formatter.txt')
SEED = 20250311
TZ = 'Europe/Berlin'
INTERPRETERS = [
    '~/.pyenv/versions/3.11.7/bin/python',
    '~/.pyenv/versions/3.12.1/bin/python',
    '~/.pyenv/versions/3.13.0/bin/python',
]
NS = 10**9

# --------------------------------------------------------------------------
# values




def unhexs(h):
    return bytes.fromhex(h).decode('utf-8')




def dec(tok):
    tag, body = tok[0], tok[1:]
    if tag == 'N':
        return None
    if tag == 'B':
        return body == '1'
    if tag in 'iI':
        return int(body)
    if tag == 'f':
        return struct.unpack('<d', struct.pack('<Q', int(body, 16)))[0]
    if tag == 's':
        return unhexs(body)
    if tag == 'y':
        return bytes.fromhex(body)
    if tag == 'r':
        return Rendered(unhexs(body))
    raise ValueError(tok)


def enc_opt(s):
    return 'N' if s is None else enc(s)


def enc_args(args):
    if isinstance(args, dict):
        return 'm' + ','.join('%s=%s' % (hexs(k), enc(v)) for k, v in args.items())
    return 'p' + ','.join(enc(v) for v in args)


def dec_args(tok):
    body = tok[1:]
    items = body.split(',') if body else []
    if tok[0] == 'm':
        out = {}
        for item in items:
            k, v = item.split('=', 1)
            out[unhexs(k)] = dec(v)
        return out
    return tuple(dec(v) for v in items)


def enc_kv(d):
    if not d:
        return '-'
    return ','.join('%s=%s' % (hexs(k), enc(v)) for k, v in d)


# --------------------------------------------------------------------------
# records

CUSTOM_LEVELS = [(5, 'TRACE'), (15, 'VERB\u00d6SE'), (35, 'NOTICE %s'), (45, ''), (60, 'FATAL{x}$y')]
LEVELS = [10, 20, 30, 40, 50, 0, 5, 15, 25, 35, 45, 60, -1, 1, 2**31 - 1, -2**31, 99]
LOGGERS = ['root', 'app', 'app.db.pool', '', '\u00fcn\u00efcode.\u65e5\u672c', 'a b%(x)s{y}$z', 'x' * 40]
MESSAGES = [
    ('hello world', ()),
    ('', ()),
    ('ends with newline\n', ()),
    ('multi\nline\ttab', ()),
    ('100% sure %s %d {0} $x', ()),
    ('user %s logged in %d times', ('alice', 3)),
    ('%s|%r|%a', ('\u00fcn\u00ef', '\u00fcn\u00ef', '\u00fcn\u00ef')),
    ('%d %i %5.2f %x %o %e', (True, -7, 3.14159, 255, 8, 12345.678)),
    ('%s %s %s', (None, True, False)),
    ('%(user)s did %(n)d things', {'user': 'bob', 'n': 2}),
    ('%(n)05.1f %(user)r', {'user': '\u00e9', 'n': -2.5}),
    ('%.3f and %g', (1, 2.5)),
    ('%s', (1.0,)),
    ('%s', (1e16,)),
    ('\u00fcn\u00efc\u00f6d\u00e9 %s \u65e5\u672c\n', ('\u2192',)),
    ('%s', ('line1\nline2\n',)),
    ('%-10s|%10s|', ('ab', 'cd')),
    ('%c%c', (65, 'z')),
    ('%s %r', (b'by\xfftes', b'')),
    ('%s %d', (2**70, -2**70)),
    ('%%s %s', (0,)),
    ('%s', ('',)),
    ('%5.1f%%', (99.95,)),
    ('%s', (Rendered('<Obj \u00fc>'),)),
]
# messages whose `msg % args` raises (a few records only: format() then always fails)
BAD_MESSAGES = [
    ('%s %s', ('only one',)),
    ('%d', ('str',)),
    ('no placeholders', ('extra',)),
    ('%(missing)s', {'user': 'x'}),
    ('%(user)% x', {'user': 'u'}),
    ('%(nouser)5%', {'user': 'u'}),
]
PATHNAMES = ['/a/b/c.py', 'x.tar.gz', '.hidden', 'noext', '/srv/app/\u00fcn\u00ef/m\u00f3dulo.py', '',
             '/trailing/', 'C:\\win\\path.py', 'rel/dir/.bashrc', '/a.b/c', 'a..py', '...', '/x/y.',
             '/usr/lib/python3.11/logging/__init__.py', '<stdin>', '..x.y', None]
LINENOS = [0, 1, 42, 99999, -3, 2**40, None]
FUNCNAMES = ['<module>', 'handle', 'f\u00fcnc', '', None, 'a b']
THREADS = [140234567890123, 1, 0, None]
THREADNAMES = ['MainThread', 'Thread-1 (worker)', '\u00fcn\u00ef', '', None]
PROCESSES = [12345, 1, None]
PROCESSNAMES = ['MainProcess', 'SpawnProcess-2', '\u043f\u0440\u0446', None]
TASKNAMES = ['Task-1', 't\u00e2sk', '', None]
EXC_TEXTS = [
    None, '',
    'Traceback (most recent call last):\n  File "/a/b/c.py", line 3, in <module>\nValueError: bad',
    "KeyError: '\u00fcn\u00ef'\n",
    '\n',
]
STACK_INFOS = [
    None, '',
    'Stack (most recent call last):\n  File "x.py", line 1, in f',
    'stack ends with newline\n',
]
# extra keys and the type formats assume for them
EXTRAS = [
    ('user', 'str', ['alice', '', '\u00e9l\u00e8ve']),
    ('n', 'int', [0, -42, 2**63 - 1]),
    ('ratio', 'float', [0.5, -1e-7, 1e22, float('inf'), float('nan'), -0.0]),
    ('flag', 'int', [True, False]),
    ('nothing', 'str', [None]),
    ('big', 'int', [2**70, -2**64 - 1]),
    ('data', 'bytes', [b'\x00ab\xff', b"it's"]),
    ('obj', 'rendered', [Rendered('<Obj \u00fc>'), Rendered('')]),
    ('\u00fcn\u00ef', 'str', ['wert']),
    ('request_id', 'str', ['-', 'r-1']),
    ('\u0663', 'str', ['three']),  # ARABIC-INDIC DIGIT THREE: str.format reads `{\u0663}` as index 3
]
EXTRA_TYPE = {k: t for k, t, _ in EXTRAS}
# keys no record carries
MISSING_KEYS = ['missing', 'user_id', "it's", 'a\tb', '\u00fcn\u00ef_missing', '', 'a(b)', 'asctimex', '\u00b2', '-1']

TIMES = [
    1_700_000_000_123_456_789,   # 2023-11-14 23:13:20 CET
    1_677_793_338_100_000_000,   # msecs 99 (float arithmetic) vs 100 (3.13)
    1_677_903_920_999_999_900,   # time.time() rounds up to the next second
    1_711_846_799_999_999_999,   # last instant before the CET -> CEST switch
    1_711_846_800_000_000_000,
    1_729_990_800_500_000_000,   # CEST -> CET
    0,
    -1_500_000_000,              # before 1970: negative msecs before 3.13
    951_782_400_000_001_000,     # 2000-02-29
    2_147_483_647_999_000_000,
    1_234_567_890_000_000_000,
    4_102_444_800_250_000_000,   # 2100
]


def as_seconds_double(ns):
    """time.time() for a clock reading of ns (_PyTime_AsSecondsDouble)."""
    if ns % NS == 0:
        return float(ns // NS)
    return ns / 1e9


def choose_field(rng, values, p_absent):
    if rng.random() < p_absent:
        return ('absent',)
    return ('value', rng.choice(values))


def build_records(rng):
    records = []
    n = 120
    for rid in range(n):
        ts = TIMES[rid % len(TIMES)] if rid < 48 else rng.choice(TIMES) + rng.choice(
            [0, 1, 999_999, 1_000_000, 499_999_999, rng.randrange(NS)])
        start = rng.choice([0, ts, ts - 1_234_567_891, ts + 5 * NS, 1_699_999_000_987_654_321])
        level = LEVELS[rid % len(LEVELS)] if rid < 34 else rng.choice(LEVELS)
        logger = LOGGERS[rid % len(LOGGERS)] if rid < 14 else rng.choice(LOGGERS)
        if rid % 10 == 9:
            msg, args = BAD_MESSAGES[rid // 10 % len(BAD_MESSAGES)]
        else:
            msg, args = MESSAGES[rid % len(MESSAGES)] if rid < 50 else rng.choice(MESSAGES)
        fields = []
        for name, values, p in [
            ('pathname', PATHNAMES, 0.2), ('lineno', LINENOS, 0.2), ('funcName', FUNCNAMES, 0.2),
            ('thread', THREADS, 0.2), ('threadName', THREADNAMES, 0.2), ('process', PROCESSES, 0.2),
            ('processName', PROCESSNAMES, 0.2), ('taskName', TASKNAMES, 0.3),
            ('exc_text', EXC_TEXTS, 0.5), ('stack_info', STACK_INFOS, 0.6),
        ]:
            c = choose_field(rng, values, p)
            if c[0] == 'value':
                fields.append((name, c[1]))
        extras = []
        if rid % 2 == 1 or rng.random() < 0.2:
            for key, _, values in rng.sample(EXTRAS, rng.randint(1, 7)):
                v = rng.choice(values)
                if rng.random() < 0.1:
                    v = rng.choice(['s\u00fcb', None, 7, 0.25])
                extras.append((key, v))
        # what a producer sends for `%(args)s` / `%(exc_info)s`
        extras.append(('args', Rendered(repr(args))))
        extras.append(('exc_info', None))
        records.append({'ts': ts, 'start': start, 'level': level, 'logger': logger, 'msg': msg,
                        'args': args, 'fields': fields, 'extras': extras})
    return records


def record_line(rid, r):
    parts = ['%s=%s' % (k, enc(v)) for k, v in r['fields']]
    parts += ['x%s=%s' % (hexs(k), enc(v)) for k, v in r['extras']]
    return 'R %d %d %d %d %s %s %s %s' % (rid, r['ts'], r['start'], r['level'], enc(r['logger']),
                                          enc(r['msg']), enc_args(r['args']), ','.join(parts) or '-')


# --------------------------------------------------------------------------
# formats

STR_ATTRS = ['name', 'msg', 'levelname', 'pathname', 'filename', 'module', 'funcName', 'threadName',
             'processName', 'taskName', 'message', 'asctime', 'exc_text', 'stack_info']
INT_ATTRS = ['levelno', 'lineno', 'thread', 'process']
FLOAT_ATTRS = ['created', 'msecs', 'relativeCreated']

# %-style conversions: (valid for the type, errors for the type)
PCT = {
    'str': (['s', 'r', 'a', '-10s', '10s', '.3s', '-12.5r', '5a', '-1s', '.0s', '020s', '#s', '+s', ' 8s'],
            ['d', '5.2f', 'x', 'c', '>10s', '%', '5%', '*d', '.*f', 'y', 'e']),
    'int': (['d', '5d', '03d', '-6d', '+d', ' d', 'x', '#X', 'o', '#o', 'e', '.2f', 'g', 's', 'r',
             'i', 'u', '.5d', '010.3d', '-+8d', 'a', 'G', '.0e', 'c', '-8s', 'ld', '#5.3hd'],
            ['q', '%', '!s']),
    'float': (['f', '.3f', '10.2f', 'e', '.3E', 'g', '#.0f', 'd', '05d', 's', 'r', '015.4f', '-+12.1f',
               '03.0f', '03d', '.1f', 'G', 'i', 'a', '.0f', '+.6g', '#g', '.17g', 'F', '-9.2s'],
              ['x', 'c', 'o', '%']),
    'bytes': (['s', 'r', 'a', '-20s', '.4s', '20r'], ['d', 'f', 'c']),
    'rendered': (['s', 'r', '-12s', '.2r', '12s'], ['d']),
}
# {-style: (valid, errors); '' = `{name}`, '!r', ':<8' ...
BRACE = {
    'str': (['', '!r', '!s', '!a', ':<8', ':>10', ':^20', ':*^11', ':.3', ':10.3s', ':s', '!r:^20',
             '!a:>12', ':0>6', ':-<7', ':010', ':', '!s:.1', ':\u00e9^9', ':.0', ':<'],
            [':=10', ':d', ':,', ':f', ':>10x', ':abc', ':+', ':#']),
    'int': (['', '!r', '!a', ':>5d', ':05d', ':+d', ':x', ':#x', ':,d', ':_d', ':b', ':o', ':e',
             ':.2f', ':%', ':=+8d', ':n', ':X', ':#o', ':<6', ':^9,', ':_x', '!s:>7', ':#b', ': d',
             ':08_d', ':g', ':c'],
            [':.3', ':s', ':z', ':,x', ':10.3s']),
    'float': (['', '!r', '!s:>25', ':.3f', ':03.0f', ':e', ':g', ':%', ':,.2f', ':>12.4f', ':z.1f',
               ':.0f', ':<10', ':n', ':.10g', ':+.2e', ':_.3f', ':=+12.2f', ':.1%', ':010.4', ':#.0f',
               ':z.0f', ':.2', ':F', ':E'],
              [':d', ':x', ':c', ':s', ':,s']),
    'bytes': (['', '!r', '!a', '!s:>30'], [':>10', ':s']),
    'rendered': (['', '!r', '!s', '!r:^20', '!s:.3'], []),
}

PCT_LITS = [' ', ':', ' - ', '|', '[', ']', '\u00e9', ' \u2192 ', '\t', '', '\n', ' %% ', '%%', '(x)', '{}', '$x']
BRACE_LITS = [' ', ':', ' - ', '|', '[', ']', '\u00e9', ' \u2192 ', '\t', '', '\n', '{{', '}}', '%s', '$x', '%%']
DOLLAR_LITS = [' ', ':', ' - ', '|', '[', ']', '\u00e9', ' \u2192 ', '\t', '', '\n', '$$', '%s', '{x}', '-']

DATEFMTS = [None, '%H:%M:%S', '%d/%b/%Y', '%Y-%m-%dT%H:%M:%S%z', '', '%a %d %b %Y %H:%M:%S %Z',
            '\u00e9%j|%%|%s']
# (default_time_format, default_msec_format, engine declines it)
TIME_DEFAULTS = [
    ('%Y-%m-%d %H:%M:%S', '%s,%03d', False),
    ('%Y-%m-%d %H:%M:%S', '%s.%03d', False),
    ('%Y-%m-%d %H:%M:%S', None, False),
    ('%H:%M:%S', '%s.%03dZ', False),
    ('%Y-%m-%dT%H:%M:%S', '', False),
    ('%d.%m.%Y %H:%M', '%s %06.2f', False),
    ('%H:%M:%S', '%s', True),          # `%s` % (s, msecs): TypeError in formatTime
    ('%H:%M:%S', '%r,%03d', True),     # repr of the time string: not reproduced
]

CLASSIC = {
    '%': [None, '', '%(levelname)s:%(name)s:%(message)s',
          '%(asctime)s - %(name)s - %(levelname)s - %(message)s',
          '%(asctime)s.%(msecs)03d %(levelname)-8s [%(threadName)s] %(module)s:%(lineno)d %(message)s',
          '[%(process)d:%(processName)s] %(filename)s %(funcName)s(): %(message)s',
          '%(relativeCreated)6d %(threadName)s %(message)s',
          '%(created)f %(msecs)d %(message)s\n', '%(levelname)s %(taskName)s %(message)s',
          '%(pathname)s:%(lineno)d', '%(asctime)s %(message)s %%', '%(message)s',
          '%(message)s\n', 'no fields at all', '%(asctime)s', '%(name)s %(args)s %(exc_info)s %(msg)r'],
    '{': [None, '', '{levelname}:{name}:{message}', '{asctime} - {name} - {levelname:<8} - {message}',
          '{asctime}.{msecs:03.0f} {levelname:>8} [{threadName}] {module}:{lineno:d} {message}',
          '{created:.3f} {relativeCreated:>10.1f} {message!r}', '{{literal}} {message}',
          '{name!r:^20}|{levelno:>5d}|{message!a}', '{message}\n', 'no fields', '{asctime}',
          '{args} {exc_info} {msg!r}', '{{{message}}}'],
    '$': [None, '', '${levelname}:${name}:${message}', '$asctime $levelname $message',
          '${asctime}.${msecs} ${threadName} $$ ${message}', '$name$$$message', '${message}\n',
          'no fields', '$asctime', '$args $exc_info ${msg}x'],
}

# Formats the engine rejects at compile time by design.
REJECTED = {
    '%': ['%s', '%(message)s %s', '%d items', '%-5s|%(levelname)s', '%(name)s %r'],
    '{': ['{args[0]}', '{name.__class__.__name__}', '{0}', '{}', '{message:{lineno}}', '{name:>{levelno}}',
          '{msg[0]} {name}', '{levelname} {0}', '{created.real:.2f}', '{\u00fcn\u00ef[1]}', '{args[0]!r}',
          '{name:{levelno}}'],
    '$': [],
}

# Formats CPython fails to format (for any record; validate=False).
BROKEN = {
    '%': ['%(name)', '%(name', '%(name)y', '%(name)>10s', '%(name)%', '%(name)5%', '%(name)*d',
          '%(name).*f', '%(levelname)d', '%(lineno)s %(nope)d', '%(%(name)s)s', '%()s', '%(message)-%',
          '%(message)s %(name)q', '100%', '%(name)s %', '%(nope)%'],
    '{': ['{name', 'name}', '{name!x}', '{name!}', '{name:abc}', '{name!rr}', '{ name}', '{name]}',
          '{name!r!s}', '{levelname:d}', '{lineno:s}', '{name:=10}', '{created:d}', '{name:%}',
          '{message}}', '{{message}', '{name:>10x}', '{name!:}', '{:d}', '{!r}'],
    '$': ['$', '$ x', '$1abc', '${name', '${ name}', '${\u00fcn\u00ef}', '$\u00fcn\u00ef', 'price $5',
          '$name$', "${it's}", '${}', '${name }', '$$$', '${1}'],
}


def type_of(attr):
    if attr in STR_ATTRS:
        return 'str'
    if attr in INT_ATTRS:
        return 'int'
    if attr in FLOAT_ATTRS:
        return 'float'
    return EXTRA_TYPE.get(attr, 'str')


def atom(style, attr, conv):
    if style == '%':
        return '%%(%s)%s' % (attr, conv)
    if style == '{':
        return '{%s%s}' % (attr, conv)
    return '${%s}' % attr if conv else '$' + attr


def convs(style, attr, valid=True):
    t = type_of(attr)
    if style == '%':
        return PCT[t][0 if valid else 1]
    if style == '{':
        return BRACE[t][0 if valid else 1]
    return [True, False] if valid else []


def lits(style):
    return {'%': PCT_LITS, '{': BRACE_LITS, '$': DOLLAR_LITS}[style]


def is_ident(attr):
    """string.Template's identifier: ASCII only."""
    return re.fullmatch(r'[_a-zA-Z][_a-zA-Z0-9]*', attr) is not None


def random_format(rng, style):
    all_attrs = STR_ATTRS + INT_ATTRS + FLOAT_ATTRS
    n = rng.randint(2, 5)
    parts = []
    if rng.random() < 0.45:
        parts.append(atom(style, 'asctime', rng.choice(convs(style, 'asctime'))))
    for _ in range(n):
        r = rng.random()
        if r < 0.25:
            attr = 'message'
        elif r < 0.35:
            attr = rng.choice([k for k, _, _ in EXTRAS if style != '$' or is_ident(k)])
        else:
            attr = rng.choice(all_attrs)
        bad = rng.random() < 0.04 and convs(style, attr, False)
        conv = rng.choice(convs(style, attr, not bad) if bad else convs(style, attr))
        parts.append(atom(style, attr, conv))
    out = ''
    for i, p in enumerate(parts):
        if i:
            lit = rng.choice(lits(style))
            if style == '$' and not lit and not out.endswith('}'):
                lit = ' '
            out += lit
        out += p
    if rng.random() < 0.3:
        tail = rng.choice(lits(style))
        if style == '$' and tail and (tail[0].isalnum() or tail[0] == '_') and not out.endswith('}'):
            tail = ' ' + tail
        out += tail
    if rng.random() < 0.1:
        out = rng.choice(lits(style)) + out
    return out


def refs(style, fmt):
    """Extra keys a format names (approximately: for picking records)."""
    keys = [k for k, _, _ in EXTRAS]
    return [k for k in keys if (('(%s)' % k) if style == '%' else ('{%s' % k) if style == '{' else k) in fmt]


def build_formatters(rng, records):
    formatters = []  # dicts: style, fmt, datefmt, dtf, dmf, utc, validate, defaults, flags, recs

    def add(style, fmt, n_recs=2, datefmt=None, tdef=None, utc=None, validate=None, defaults=None,
            rejected=False, recs=None):
        if tdef is None:
            tdef = TIME_DEFAULTS[0] if rng.random() < 0.6 else rng.choice(TIME_DEFAULTS[:6])
        if utc is None:
            utc = rng.random() < 0.3
        if validate is None:
            validate = rng.random() < 0.5
        if defaults is None:
            defaults = []
            keys = refs(style, fmt or '')
            if keys and rng.random() < 0.4:
                for k in keys:
                    if rng.random() < 0.7:
                        defaults.append((k, rng.choice(['dflt', None, 0, 1.5, '\u00e9'])))
                if rng.random() < 0.3:
                    defaults.append(('unused', 'x'))
        if recs is None:
            keys = refs(style, fmt or '')
            recs = []
            if keys:
                having = [i for i, r in enumerate(records) if all(k in dict(r['extras']) for k in keys)]
                if having:
                    recs.append(rng.choice(having))
            while len(recs) < n_recs:
                i = rng.randrange(len(records))
                if i not in recs:
                    recs.append(i)
        formatters.append({'style': style, 'fmt': fmt, 'datefmt': datefmt, 'dtf': tdef[0], 'dmf': tdef[1],
                           'declined': tdef[2], 'utc': utc, 'validate': validate, 'defaults': defaults,
                           'rejected': rejected, 'recs': sorted(recs)})

    styles = ['%', '{', '$']
    # the classics, with every date configuration for those that use the time
    for style in styles:
        for fmt in CLASSIC[style]:
            add(style, fmt, n_recs=5)
            if fmt and 'asctime' in fmt:
                for d in DATEFMTS:
                    for tdef in TIME_DEFAULTS if d is None or d == '' else TIME_DEFAULTS[:1]:
                        for utc in (False, True):
                            add(style, fmt, n_recs=2, datefmt=d, tdef=tdef, utc=utc)
    # one attribute, every conversion (valid and not), between literals
    for style in styles:
        for attr in STR_ATTRS + INT_ATTRS + FLOAT_ATTRS + [k for k, _, _ in EXTRAS] + MISSING_KEYS:
            if style == '$' and not is_ident(attr) or (style == '{' and attr == ''):
                cands = [True] if style == '$' else ['']
            else:
                cands = convs(style, attr) + convs(style, attr, False)
            if attr in MISSING_KEYS:
                cands = cands[:3]
            for conv in cands:
                a = atom(style, attr, conv)
                if style == '$':
                    fmt = rng.choice(['', '<', '\u00e9 ']) + a + rng.choice(['', '>', ' |', '\n'])
                else:
                    fmt = rng.choice(['', '<', '\u00e9 ', '[']) + a + rng.choice(['', '>', ' |', '\n', ']'])
                defaults = None
                if attr in MISSING_KEYS and rng.random() < 0.5:
                    defaults = [(attr, rng.choice(['d\u00e9f', 3, None, 2.5]))]
                add(style, fmt, n_recs=3 if attr in ('asctime', 'message') else 2, defaults=defaults,
                    datefmt=rng.choice(DATEFMTS) if attr == 'asctime' else None)
    # defaults for a standard attribute (taskName is missing from 3.11 records)
    for style, fmt in [('%', '%(taskName)s|%(message)s'), ('{', '{taskName}|{message}'),
                       ('$', '${taskName}|${message}'), ('%', '%(levelname)s %(thread)s')]:
        add(style, fmt, n_recs=6, defaults=[('taskName', 'dflt'), ('thread', 'T')])
    # random combinations
    for style in styles:
        for _ in range(420):
            fmt = random_format(rng, style)
            d = rng.choice(DATEFMTS) if rng.random() < 0.5 else None
            add(style, fmt, n_recs=2, datefmt=d)
    # formats CPython cannot format, and formats the engine rejects
    for style in styles:
        for fmt in BROKEN[style]:
            add(style, fmt, n_recs=2)
            add(style, '%s|' % rng.choice(CLASSIC[style][2:4]) + fmt, n_recs=1)
        for fmt in REJECTED[style]:
            add(style, fmt, n_recs=2, rejected=True)
    return formatters


def formatter_line(fid, f):
    flags = ''
    if f['utc']:
        flags += 'u'
    if f['validate']:
        flags += 'v' if f['validated'] else 'w'
    if f['rejected']:
        flags += 'x'
    if f['declined']:
        flags += 't'
    return 'F %d %s %s %s %s %s %s %s' % (fid, flags or '-', f['style'], enc_opt(f['fmt']), enc_opt(f['datefmt']),
                                          enc(f['dtf']), enc_opt(f['dmf']), enc_kv(f['defaults']))


def build_spec():
    rng = random.Random(SEED)
    records = build_records(rng)
    formatters = build_formatters(rng, records)
    cases = [(fid, rid) for fid, f in enumerate(formatters) for rid in f['recs']]
    return {
        'custom_levels': CUSTOM_LEVELS,
        'records': [{'ts': r['ts'], 'start': r['start'], 'level': r['level'], 'logger': r['logger'],
                     'msg': r['msg'], 'args': enc_args(r['args']),
                     'fields': [(k, enc(v)) for k, v in r['fields']],
                     'extras': [(k, enc(v)) for k, v in r['extras']]} for r in records],
        'formatters': [{'style': f['style'], 'fmt': f['fmt'], 'datefmt': f['datefmt'], 'dtf': f['dtf'],
                        'dmf': f['dmf'], 'utc': f['utc'], 'validate': f['validate'],
                        'defaults': [(k, enc(v)) for k, v in f['defaults']]} for f in formatters],
        'cases': cases,
    }, records, formatters


# --------------------------------------------------------------------------
# child: runs under each CPython


def child():
    import logging
    import time

    spec = json.load(sys.stdin)
    for level, name in spec['custom_levels']:
        logging.addLevelName(level, name)
    ns_start = isinstance(logging._startTime, int)
    has_task = sys.version_info >= (3, 12)
    try:
        from _testcapi import PyTime_AsSecondsDouble as secs
        for t in (0, 1, -1, NS, -NS - 1, 1_677_903_920_999_999_900, 1_700_000_000_123_456_789):
            assert secs(t) == as_seconds_double(t), t
    except ImportError:
        pass
    real_time, real_time_ns = time.time, time.time_ns

    def make_record(r):
        ns = r['ts']
        logging._startTime = r['start'] if ns_start else as_seconds_double(r['start'])
        time.time_ns = lambda: ns
        time.time = lambda: as_seconds_double(ns)
        fields = {k: dec(v) for k, v in r['fields']}
        args = dec_args(r['args'])
        if isinstance(args, dict):
            args = (args,)
        try:
            rec = logging.LogRecord(r['logger'], r['level'], fields.get('pathname', '(unknown file)'),
                                    fields.get('lineno', 0), r['msg'], args, None,
                                    func=fields.get('funcName', '(unknown function)'),
                                    sinfo=fields.get('stack_info'))
        finally:
            time.time, time.time_ns = real_time, real_time_ns
        for k in ('thread', 'threadName', 'process', 'processName'):
            setattr(rec, k, fields.get(k))
        if 'taskName' in fields or has_task:
            rec.taskName = fields.get('taskName')
        rec.exc_text = fields.get('exc_text')
        for k, v in r['extras']:
            if k in ('args', 'exc_info'):
                assert k != 'args' or dec(v).text == repr(rec.args), (dec(v).text, repr(rec.args))
                continue
            setattr(rec, k, dec(v))
        return rec

    formatters = []
    validated = []
    for f in spec['formatters']:
        kw = {'defaults': {k: dec(v) for k, v in f['defaults']}} if f['defaults'] else {}
        ok = True
        try:
            fm = logging.Formatter(f['fmt'], f['datefmt'], f['style'], validate=f['validate'], **kw)
        except (ValueError, TypeError, KeyError):
            ok = False
            fm = logging.Formatter(f['fmt'], f['datefmt'], f['style'], validate=False, **kw)
        fm.default_time_format = f['dtf']
        fm.default_msec_format = f['dmf']
        if f['utc']:
            fm.converter = time.gmtime
        formatters.append(fm)
        validated.append(ok)

    results = []
    for fid, rid in spec['cases']:
        rec = make_record(spec['records'][rid])
        try:
            res = '=' + hexs(formatters[fid].format(rec))
        except Exception as e:  # noqa: BLE001 - the exception is the expected answer
            msg = str(e)
            res = '!%s:%s' % (type(e).__name__, hexs(msg))
        results.append(res)
    json.dump({'version': sys.version.split()[0], 'levels': sorted(logging._levelToName.items()),
               'validated': validated, 'results': results}, sys.stdout)


# --------------------------------------------------------------------------
# driver


def interpreters():
    env = os.environ.get('FORMATTER_PYTHONS')
    paths = env.split(':') if env else INTERPRETERS
    return [os.path.expanduser(p) for p in paths]


def merge(answers, versions):
    """answers: one per version. Returns [(versions tag, expected)]."""
    if len(set(answers)) == 1:
        return [('*', answers[0])]
    classes = set(a.split(':', 1)[0] for a in answers)
    if len(classes) == 1 and all(a.startswith('!') for a in answers):
        return [('*', classes.pop())]
    out = []
    for a in sorted(set(answers), key=answers.index):
        out.append((','.join(v for v, b in zip(versions, answers) if b == a), a))
    return out


def driver():
    spec, records, formatters = build_spec()
    payload = json.dumps(spec).encode()
    runs = []
    for exe in interpreters():
        env = dict(os.environ, TZ=TZ, LC_ALL='C.UTF-8', PYTHONIOENCODING='utf-8', PYTHONHASHSEED='0')
        proc = subprocess.run([exe, os.path.abspath(__file__), '--child'], input=payload,
                              stdout=subprocess.PIPE, env=env, check=True)
        runs.append(json.loads(proc.stdout.decode()))
        print('%s: %s, %d cases' % (exe, runs[-1]['version'], len(runs[-1]['results'])), file=sys.stderr)
    versions = [r['version'] for r in runs]
    levels = runs[0]['levels']
    assert all(r['levels'] == levels for r in runs), 'level tables differ'
    for fid, f in enumerate(formatters):
        f['validated'] = all(r['validated'][fid] for r in runs)
    lines = [
        '# CPython logging.Formatter(...).format(LogRecord) vectors for engine/tests/formatter_vectors.rs.',
        '# Generated by gen_formatter.py (seed %d, TZ=%s); regenerate from the repository root with' % (SEED, TZ),
        '#   python3 engine/tests/vectors/gen_formatter.py',
        '# (needs the pyenv interpreters listed in the script). Format: see the script\'s docstring.',
        'V ' + ' '.join(versions),
    ]
    for level, name in levels:
        lines.append('L %d %s' % (level, enc(name)))
    for rid, r in enumerate(records):
        lines.append(record_line(rid, r))
    for fid, f in enumerate(formatters):
        lines.append(formatter_line(fid, f))
    n_tagged = 0
    for i, (fid, rid) in enumerate(spec['cases']):
        merged = merge([r['results'][i] for r in runs], versions)
        n_tagged += merged[0][0] != '*'
        for tag, expected in merged:
            lines.append('C %d %d %s %s' % (fid, rid, tag, expected))
    with open(OUT, 'w', encoding='ascii', newline='\n') as fh:
        fh.write('\n'.join(lines) + '\n')
    print('wrote %s: %d records, %d formatters, %d cases (%d differ between versions), %d bytes'
          % (OUT, len(records), len(formatters), len(spec['cases']), n_tagged, os.path.getsize(OUT)),
          file=sys.stderr)


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--child':
        child()
    else:
        driver()
