"""SysLogHandler against a real rsyslogd (see rsyslog_fixture.py).

Every legacy scenario runs twice, in fresh interpreters: once with the
standard library's ``logging.handlers.SysLogHandler``, once with
``attologging.handlers.SysLogHandler``.  What rsyslog parsed must be the
same for both (apart from the reception timestamps), and every record must
have arrived, in order, with its text intact (rsyslog's raw message is
exactly ``<PRI>`` + ident + the formatted record; the trailing NUL of
``append_nul`` is removed by rsyslog).

The RFC 5424 option (``rfc5424=True``) has no stdlib counterpart: its tests
check each field rsyslog's RFC 5424 parser (and mmpstrucdata, for the
structured data) found against what the handler was asked to send.
"""

import datetime
import json
import logging
import logging.handlers
import re
import socket
import threading

import pytest

import rsyslog_fixture
from rsyslog_fixture import rsyslog  # noqa: F401  (the fixture)

IMPLS = ('stdlib', 'attologging')
INPUTS = {'udp': 'imudp', 'tcp': 'imtcp', 'unix': 'imuxsock'}
H = logging.handlers.SysLogHandler

# Custom levels: unmapped ones are sent as 'warning' (mapPriority's
# default), the scenarios map the others through priority_map.
CUSTOM_LEVELS = {'TRACE': 5, 'NOTICE': 25, 'ALERT': 45, 'EMERG': 60}
CUSTOM_MAP = {'NOTICE': 'notice', 'ALERT': 'alert', 'EMERG': 'emerg'}
ALL_LEVELS = [logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR,
              logging.CRITICAL, 5, 25, 35, 45, 60]   # 35 has no name

MESSAGES = [
    'plain message',
    'multi\nline\n    indented\tand tabbed',
    'UTF-8: caf\u00e9 \u65e5\u672c \U0001F600 \u00e9\u00e9',
    'windows\r\nline ending, then \u65e5\u672c\n\U0001F680 last line',
    '  leading spaces, trailing spaces  ',
    'colon: in: text [brackets] "quotes" \\backslash% 100%s',
]


def level_name(levelno):
    for name, no in CUSTOM_LEVELS.items():
        if no == levelno:
            return name
    return logging.getLevelName(levelno)


def expected_pri(facility, levelno, priority_map=None):
    if isinstance(facility, str):
        facility = H.facility_names[facility]
    mapping = dict(H.priority_map, **(priority_map or {}))
    return (facility << 3) | H.priority_names[mapping.get(level_name(levelno), 'warning')]


def phase(rsyslog, transport, records, facility=H.LOG_USER, **extra):
    address, socktype = rsyslog.address(transport)
    return dict(address=address, socktype=socktype, facility=facility,
                records=[list(r) + [None] * (3 - len(r)) for r in records], **extra)


def spec(*phases):
    return {'levels': CUSTOM_LEVELS, 'phases': list(phases)}


def expected_raw(phases):
    """The raw message rsyslog must report for each record, in order."""
    out = []
    for p in phases:
        ident = p.get('attrs', {}).get('ident', '')
        for levelno, message, _ in p['records']:
            pri = expected_pri(p['facility'], levelno, p.get('priority_map'))
            out.append('<%d>%s%s' % (pri, ident, message))
    return out


def by_phase(records, phases):
    """*records* stably grouped by phase (each phase has its own facility):
    over TCP each phase is its own connection, whose order rsyslog does
    not promise to keep."""
    facilities = [H.facility_names[p['facility']] if isinstance(p['facility'], str)
                  else p['facility'] for p in phases]
    return sorted(records, key=lambda r: facilities.index(int(r['syslogfacility'])))


def first_difference(expected, actual):
    for i, (e, a) in enumerate(zip(expected, actual)):
        if e != a:
            return 'record %d: expected %r, got %r' % (i, e[:300], a[:300])
    return 'expected %d records, got %d (first missing: %r)' % (
        len(expected), len(actual),
        expected[len(actual)][:300] if len(actual) < len(expected) else None)


def run_pair(rsyslog, scenario, transport):
    """Runs *scenario* with each implementation; checks that every record
    arrived intact and that rsyslog parsed the same from both."""
    phases = scenario['phases']
    expected = expected_raw(phases)
    parsed = {}
    for impl in IMPLS:
        start = rsyslog.mark()
        rsyslog_fixture.run(impl, scenario)
        records = by_phase(rsyslog.wait(start, len(expected)), phases)
        raw = [r['rawmsg'] for r in records]
        assert raw == expected, '%s over %s: %s' % (impl, transport,
                                                   first_difference(expected, raw))
        assert {r['inputname'] for r in records} == {INPUTS[transport]}
        for r in records:   # facility and severity as parsed from the PRI
            assert int(r['pri']) == int(r['syslogfacility']) * 8 + int(r['syslogseverity'])
            del r['timestamp']   # the time of reception (no timestamp sent)
        parsed[impl] = records
    if parsed['stdlib'] != parsed['attologging']:
        diffs = [(s, a) for s, a in zip(parsed['stdlib'], parsed['attologging']) if s != a]
        pytest.fail('rsyslog parsed differently over %s; first difference:\n'
                    'stdlib:      %s\nattologging: %s' % (
                        transport, json.dumps(diffs[0][0], ensure_ascii=False),
                        json.dumps(diffs[0][1], ensure_ascii=False)))
    return parsed['stdlib']


# ---------------------------------------------------------------------------
# Legacy format (the stdlib's): '<PRI>' + ident + message [+ NUL]
# ---------------------------------------------------------------------------

@pytest.mark.parametrize('transport,append_nul', [
    ('udp', True), ('udp', False), ('tcp', True), ('unix', True), ('unix', False)])
def test_levels_ident_and_text(rsyslog, transport, append_nul):
    """Every level (mapPriority, custom levels with and without a
    priority_map entry) with an ident, then without: newlines, tabs, CR,
    UTF-8 (accents, CJK, emoji), quotes, brackets, percent signs."""
    # Over TCP frames end at the NUL: append_nul=False runs records
    # together, for the stdlib as for any receiver (not tested).
    attrs = {'append_nul': append_nul}
    with_ident = phase(rsyslog, transport,
                       [(lv, '%s [%s]' % (m, level_name(lv)))
                        for lv in ALL_LEVELS for m in MESSAGES[:2]]
                       + [(logging.INFO, m) for m in MESSAGES + ['']],
                       facility=H.LOG_LOCAL4, priority_map=CUSTOM_MAP,
                       attrs=dict(attrs, ident='myapp[1234]: '))
    no_ident = phase(rsyslog, transport,
                     [(lv, m) for lv, m in zip(ALL_LEVELS, MESSAGES * 2)]
                     + [(logging.ERROR, '')],
                     facility=H.LOG_USER, attrs=attrs)
    records = run_pair(rsyslog, spec(with_ident, no_ident), transport)
    # rsyslog's RFC 3164 parser took the ident as the tag.
    assert {r['app-name'] for r in records[:len(with_ident['records'])]} == {'myapp'}
    assert {r['procid'] for r in records[:len(with_ident['records'])]} == {'1234'}


@pytest.mark.parametrize('transport', ['udp', 'unix'])
def test_facilities(rsyslog, transport):
    """Every facility, as a number and as a name, one handler each."""
    numbers = [H.LOG_KERN, H.LOG_USER, H.LOG_MAIL, H.LOG_AUTH, H.LOG_SYSLOG,
               H.LOG_LPR, H.LOG_NEWS, H.LOG_UUCP, H.LOG_CRON, H.LOG_AUTHPRIV,
               H.LOG_LOCAL0, H.LOG_LOCAL1, H.LOG_LOCAL2, H.LOG_LOCAL5, H.LOG_LOCAL6]
    facilities = numbers + ['daemon', 'local3', 'local4', 'local7']
    phases = [phase(rsyslog, transport,
                    [(logging.ERROR, 'facility %r' % f), (logging.DEBUG, 'debug %r' % f)],
                    facility=f, attrs={'ident': 'fac: '})
              for f in facilities]
    records = run_pair(rsyslog, spec(*phases), transport)
    got = [int(r['syslogfacility']) for r in records[::2]]
    assert got == [H.facility_names[f] if isinstance(f, str) else f for f in facilities]


@pytest.mark.parametrize('transport', ['tcp', 'udp', 'unix'])
def test_long_messages(rsyslog, transport):
    """2 KB, 5 KB and 20 KB records with newlines and multi-byte UTF-8."""
    line = 'x' * 60 + ' caf\u00e9 \u65e5\u672c \U0001F600\n'
    messages = [('%d: ' % size + line * (size // 80))[:size].rstrip('\n')
                for size in (2000, 5000, 20000)]
    scenario = spec(phase(rsyslog, transport, [(logging.WARNING, m) for m in messages],
                          facility=H.LOG_LOCAL0, attrs={'ident': 'long: '}))
    records = run_pair(rsyslog, scenario, transport)
    assert [len(r['msg'].encode()) for r in records] == [
        len((' ' + m).encode()) for m in messages]


@pytest.mark.parametrize('transport', ['tcp', 'unix', 'udp'])
def test_many_records(rsyslog, transport):
    """2,000 records in a burst: every one arrives, in order."""
    records = [(ALL_LEVELS[i % len(ALL_LEVELS)],
                'record %04d %s' % (i, MESSAGES[i % len(MESSAGES)]))
               for i in range(2000)]
    scenario = spec(phase(rsyslog, transport, records, facility=H.LOG_LOCAL1,
                          priority_map=CUSTOM_MAP, attrs={'ident': 'burst: '}))
    run_pair(rsyslog, scenario, transport)


# ---------------------------------------------------------------------------
# RFC 5424 (attologging only)
# ---------------------------------------------------------------------------

RFC5424 = rsyslog_fixture.rfc5424_supported()
needs_rfc5424 = pytest.mark.xfail(
    not RFC5424, raises=TypeError, strict=False,
    reason='rfc5424 option not built yet')

TZ = 'XYZ-05:30'   # POSIX: local time is UTC+05:30, no tz database needed
HANDLER_SD = {'meta@32473': {'env': 'prod', 'region': 'eu-west-1'}}
ESCAPES_SD = {'exampleSDID@32473': {'iut': '3', 'eventSource': 'Appl"ic]a\\tion',
                                    'note': 'caf\u00e9 \u65e5\u672c [x] \\"]'},
              'origin': {'ip': '192.0.2.1', 'empty': ''}}


def sd_string(sd):
    def esc(v):
        return v.replace('\\', '\\\\').replace('"', '\\"').replace(']', '\\]')
    return ''.join('[%s%s]' % (sd_id, ''.join(' %s="%s"' % (k, esc(v)) for k, v in params.items()))
                   for sd_id, params in sd.items()) or '-'


def rfc5424_phases(rsyslog, transport):
    """(phases, expected fields of each record but the pid's and host's)."""
    address, socktype = rsyslog.address(transport)
    base = dict(address=address, socktype=socktype)
    explicit = dict(base, facility=H.LOG_LOCAL2, kwargs=dict(
        rfc5424=True, app_name='billing', procid='worker-7', msgid='ID47',
        structured_data=HANDLER_SD, hostname='web-01.example.com'), records=[
        [logging.INFO, 'plain message', None],
        [logging.WARNING, MESSAGES[1] + ' ' + MESSAGES[2],
         {'structured_data': ESCAPES_SD, 'msgid': 'LOGIN'}],
        [logging.ERROR, MESSAGES[3], {'msgid': 'ONLY-MSGID'}],
        [logging.CRITICAL, MESSAGES[5], {'structured_data': {'x@1': {'k': 'v'}}}],
        [logging.DEBUG, MESSAGES[4], None]])
    with_ident = dict(base, facility=H.LOG_LOCAL3, kwargs=dict(rfc5424=True),
                      attrs={'ident': 'myapp: '}, records=[
                          [logging.INFO, 'defaults, ident set', None],
                          [logging.ERROR, 'per record\nsd', {'structured_data': ESCAPES_SD}]])
    defaults = dict(base, facility=H.LOG_LOCAL5, kwargs=dict(rfc5424=True), records=[
        [logging.WARNING, 'defaults, no ident: \u65e5\u672c', None]])
    expected = []
    for p, app in ((explicit, 'billing'), (with_ident, 'myapp'),
                   (defaults, 'rsyslog_fixture.py')):   # basename of sys.argv[0]
        kw = p['kwargs']
        for levelno, message, extra in p['records']:
            extra = extra or {}
            sd = extra.get('structured_data', kw.get('structured_data') or {})
            expected.append({
                'pri': str(expected_pri(p['facility'], levelno)),
                'hostname': kw.get('hostname'), 'app-name': app,
                'procid': kw.get('procid'),
                'msgid': extra.get('msgid', kw.get('msgid', '-')),
                'structured-data': sd_string(sd), 'sd': sd, 'msg': message})
    return [explicit, with_ident, defaults], expected


@needs_rfc5424
@pytest.mark.parametrize('transport', ['udp', 'tcp', 'unix'])
def test_rfc5424_fields(rsyslog, transport):
    """Every header field, structured data with escapes (handler-level,
    replaced per record), msgid per record, message text with newlines
    and UTF-8, the timestamp (local time, microseconds, offset)."""
    phases, expected = rfc5424_phases(rsyslog, transport)
    start = rsyslog.mark()
    report = rsyslog_fixture.run('attologging', spec(*phases), tz=TZ)
    records = by_phase(rsyslog.wait(start, len(expected)), phases)
    assert len(records) == len(expected), (
        'expected %d records, got %d: %s' % (len(expected), len(records),
                                             [r['rawmsg'][:200] for r in records]))
    counts = [len(p['records']) for p in phases]
    times = [t for p, n in zip(report['phases'], counts) for t in [p] * n]
    for i, (want, got, t) in enumerate(zip(expected, records, times)):
        want = dict(want, hostname=want['hostname'] or report['hostname'],
                    procid=want['procid'] or str(report['pid']))
        actual = {k: got[k] for k in want}
        assert actual == want, 'record %d over %s (raw %r)' % (i, transport, got['rawmsg'])
        assert got['rawmsg'].startswith('<%s>1 ' % want['pri'])
        assert '\ufeff' not in got['rawmsg']
        assert got['inputname'] == INPUTS[transport]
        # RFC 3339 local time with microseconds and the offset of TZ.
        assert re.search(r'T\d\d:\d\d:\d\d\.\d{6}\+05:30$', got['timestamp']), got['timestamp']
        stamp = datetime.datetime.fromisoformat(got['timestamp']).timestamp()
        assert t['before'] - 1e-6 <= stamp <= t['after'] + 1e-6, (got['timestamp'], t)


class RawTCPServer(object):
    """Accepts one connection and keeps every byte it receives."""

    def __init__(self):
        self.sock = socket.create_server(('127.0.0.1', 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.data = b''
        self.closing = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
                break
            except socket.timeout:
                if self.closing.is_set():   # the client never connected
                    return
        conn.settimeout(15)
        with conn:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                self.data += chunk

    def close(self):
        self.closing.set()
        self.thread.join(15)
        self.sock.close()


@needs_rfc5424
def test_rfc5424_tcp_octet_counting():
    """Over TCP: '<len> <msg>' frames (RFC 6587), no NUL or LF after them."""
    server = RawTCPServer()
    messages = ['one', 'two\nlines', 'caf\u00e9 \u65e5\u672c \U0001F600', 'x' * 5000]
    scenario = spec({'address': ['127.0.0.1', server.port], 'socktype': 'stream',
                     'facility': H.LOG_LOCAL6, 'kwargs': {'rfc5424': True, 'msgid': 'M'},
                     'records': [[logging.INFO, m, None] for m in messages]})
    try:
        rsyslog_fixture.run('attologging', scenario, tz=TZ)
    finally:
        server.close()
    data, frames = server.data, []
    while data:
        length, sep, rest = data.partition(b' ')
        assert sep and length.isdigit() and not length.startswith(b'0'), data[:80]
        frames.append(rest[:int(length)])
        assert len(frames[-1]) == int(length), 'truncated frame %r' % data[:80]
        data = rest[int(length):]
    assert len(frames) == len(messages)
    for frame, message in zip(frames, messages):
        assert frame.startswith(b'<%d>1 ' % (H.LOG_LOCAL6 * 8 + H.LOG_INFO))
        assert frame.endswith(b' M - ' + message.encode()), frame[-100:]
