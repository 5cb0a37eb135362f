"""A private rsyslogd for the syslog tests (tests/python/test_syslog.py).

``rsyslog`` (a pytest fixture) starts ``rsyslogd -n -f <conf> -i <pidfile>``
with a configuration of its own -- no system configuration, its own work
directory, no /dev/log -- listening on loopback ports chosen free at start:

* UDP (imudp, 16 MB receive buffer so that bursts are not dropped),
* TCP (imtcp): frames end at a NUL (``AddtlFrameDelimiter="0"``, what
  ``SysLogHandler.append_nul`` sends) and RFC 6587 octet-counted frames are
  detected automatically; the LF delimiter is off, so a record with
  embedded newlines stays one message, as over UDP,
* a Unix datagram socket in the temporary directory (imuxsock), parsed by
  the regular parsers (RFC 5424, then RFC 3164 with hostname detection) and
  keeping the message's own timestamp.

Control characters are kept as received (no ``#012`` escapes).  Every
message is written to ``out.jsonl`` as one JSON object with what rsyslog
parsed (``FIELDS``), the RFC 5424 structured data as parsed by mmpstrucdata
(``sd``, a dict) and the raw message.  rsyslog's own messages go to
``internal.log``.

Run as a script, this module is the child process that logs through a
``SysLogHandler`` of the standard library or of attologging: see ``run``.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

FIELDS = ('inputname', 'pri', 'syslogfacility', 'syslogseverity', 'timestamp',
          'hostname', 'app-name', 'procid', 'msgid', 'structured-data', 'msg',
          'rawmsg')
PROBE = 'rsyslog-fixture-probe'
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

_CONF = '''\
global(workDirectory="{dir}/work" maxMessageSize="64k" net.enableDNS="off"
       parser.escapeControlCharactersOnReceive="off")
module(load="imuxsock" SysSock.Use="off")
module(load="imudp")
module(load="imtcp" AddtlFrameDelimiter="0" DisableLFDelimiter="on")
module(load="mmpstrucdata")
input(type="imuxsock" Socket="{dir}/log.sock" UseSpecialParser="off"
      ParseHostname="on" IgnoreTimestamp="off" UseSysTimeStamp="off"
      RateLimit.Interval="0")
input(type="imudp" address="127.0.0.1" port="{udp}" rcvbufSize="16m")
input(type="imtcp" address="127.0.0.1" port="{tcp}")
template(name="json" type="list") {{
  constant(value="{{")
{fields}
  constant(value="}}\\n")
}}
if $inputname == "rsyslogd" then {{
  action(type="omfile" file="{dir}/internal.log")
  stop
}}
action(type="mmpstrucdata" sd_name.lowercase="off")
action(type="omfile" file="{dir}/out.jsonl" template="json")
'''


def _template_fields():
    lines = []
    for name in FIELDS:
        prop = {'timestamp': 'timereported" dateFormat="rfc3339'}.get(name, name)
        lines.append('  property(outname="%s" name="%s" format="jsonf")'
                     % (name, prop))
    lines.append('  property(outname="sd" name="$!rfc5424-sd" format="jsonf")')
    return '\n  constant(value=",")\n'.join(lines)


def rsyslogd_path():
    return shutil.which('rsyslogd') or next(
        (p for p in ('/usr/sbin/rsyslogd', '/sbin/rsyslogd') if os.access(p, os.X_OK)),
        None)


def free_port(kind):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Rsyslog(object):
    """A running private rsyslogd; ``address(transport)`` gives what a
    SysLogHandler needs, ``mark()``/``wait()`` read what arrived."""

    def __init__(self, directory):
        self.dir = str(directory)
        os.makedirs(os.path.join(self.dir, 'work'), exist_ok=True)
        self.udp_port, self.tcp_port = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
        self.unix_path = os.path.join(self.dir, 'log.sock')
        self.out_path = os.path.join(self.dir, 'out.jsonl')
        self.conf = os.path.join(self.dir, 'rsyslog.conf')
        with open(self.conf, 'w') as f:
            f.write(_CONF.format(dir=self.dir, udp=self.udp_port, tcp=self.tcp_port,
                                 fields=_template_fields()))
        self.stderr = open(os.path.join(self.dir, 'rsyslogd.stderr'), 'w+')
        self.proc = subprocess.Popen(
            [rsyslogd_path(), '-n', '-f', self.conf, '-i', os.path.join(self.dir, 'rsyslogd.pid')],
            stdout=self.stderr, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def address(self, transport):
        """(address, socktype name) of *transport*: 'udp', 'tcp' or 'unix'."""
        return {'udp': (['127.0.0.1', self.udp_port], 'dgram'),
                'tcp': (['127.0.0.1', self.tcp_port], 'stream'),
                'unix': (self.unix_path, None)}[transport]

    def diagnostics(self):
        self.stderr.flush()
        self.stderr.seek(0)
        text = self.stderr.read()
        internal = os.path.join(self.dir, 'internal.log')
        if os.path.exists(internal):
            with open(internal, errors='replace') as f:
                text += f.read()
        return text[-4000:]

    def _wait_ready(self):
        """Until a probe sent over each transport comes out of rsyslog."""
        deadline, sent = time.monotonic() + 20, set()
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError('rsyslogd exited (%s): %s' % (self.proc.returncode,
                                                                   self.diagnostics()))
            if time.monotonic() > deadline:
                raise RuntimeError('rsyslogd not ready after 20 s: ' + self.diagnostics())
            got = {r['inputname'] for r in self._read(0, probes=True)[0]}
            if got >= {'imudp', 'imtcp', 'imuxsock'}:
                return
            msg = ('<14>%s: ready?\0' % PROBE).encode()
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                    s.sendto(msg, ('127.0.0.1', self.udp_port))
                if 'tcp' not in sent:
                    with socket.create_connection(('127.0.0.1', self.tcp_port), 1) as s:
                        s.sendall(msg)
                    sent.add('tcp')
                if 'unix' not in sent:
                    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
                        s.sendto(msg, self.unix_path)
                    sent.add('unix')
            except OSError:
                pass
            time.sleep(0.05)

    def _read(self, offset, probes=False):
        """(records after byte *offset*, offset after the last whole line)."""
        try:
            with open(self.out_path, 'rb') as f:
                f.seek(offset)
                data = f.read()
        except FileNotFoundError:
            return [], offset
        end = data.rfind(b'\n') + 1
        records = []
        for line in data[:end].splitlines():
            rec = json.loads(line.decode('utf-8'))
            if (PROBE in rec['rawmsg']) != probes:
                continue
            rec['sd'] = json.loads(rec['sd']) if rec['sd'] else {}
            records.append(rec)
        return records, offset + end

    def mark(self):
        """Where the records logged from now on start."""
        try:
            return os.path.getsize(self.out_path)
        except FileNotFoundError:
            return 0

    def wait(self, offset, count, timeout=15.0, settle=0.15):
        """The records after *offset* once *count* have arrived (and none
        more within *settle* seconds), or what arrived by *timeout*."""
        deadline = time.monotonic() + timeout
        while True:
            records = self._read(offset)[0]
            if len(records) >= count or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        time.sleep(settle)
        return self._read(offset)[0]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()


try:
    import pytest
except ImportError:   # the child process does not need it
    pytest = None
else:
    @pytest.fixture(scope='module')
    def rsyslog(tmp_path_factory):
        if rsyslogd_path() is None:
            pytest.skip('rsyslogd is not installed (bash tests/run.sh installs it '
                        'when run as root on a machine with apt-get)')
        server = Rsyslog(tmp_path_factory.mktemp('rsyslog'))
        yield server
        server.stop()


# ---------------------------------------------------------------------------
# The child process
# ---------------------------------------------------------------------------

def child_env(tz=None):
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [os.path.join(REPO, 'python')] + ([env['PYTHONPATH']] if env.get('PYTHONPATH') else []))
    env.pop('ATTOLOGGING_INSTALL', None)   # 'stdlib' must be the stdlib
    env['PYTHONIOENCODING'] = 'utf-8'
    if tz:
        env['TZ'] = tz
    return env


def run(impl, spec, tz=None, timeout=60):
    """Runs *spec* in a fresh interpreter with ``impl`` ('stdlib' or
    'attologging'): returns the child's report (dict).  A TypeError raised
    by the handler's constructor is raised here again.

    *spec*: {'levels': {name: levelno} (addLevelName), 'phases': [{'address',
    'socktype' ('dgram', 'stream' or None), 'facility', 'kwargs' (more
    constructor arguments), 'attrs' (set on the handler: ident,
    append_nul), 'priority_map' (added to the handler's),
    'records': [[levelno, message, extra or None], ...]}, ...]}; each phase
    is one handler, closed at its end."""
    proc = subprocess.run(
        [sys.executable, os.path.abspath(__file__), impl],
        input=json.dumps(spec).encode(), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=child_env(tz), timeout=timeout)
    out, err = proc.stdout.decode('utf-8', 'replace'), proc.stderr.decode('utf-8', 'replace')
    if proc.returncode == 3:
        raise TypeError('%s SysLogHandler: %s' % (impl, out.strip()))
    assert proc.returncode == 0 and not err, (
        '%s child failed (rc=%s):\n%s\n%s' % (impl, proc.returncode, out, err))
    return json.loads(out)


def rfc5424_supported():
    """Does attologging's SysLogHandler accept ``rfc5424=True``?"""
    code = ('import attologging.handlers as h\n'
            'try:\n    h.SysLogHandler(("127.0.0.1", 9), rfc5424=True).close()\n'
            'except TypeError:\n    raise SystemExit(3)\n')
    return subprocess.run([sys.executable, '-c', code], env=child_env(),
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          timeout=60).returncode != 3


def _child(impl):
    spec = json.loads(sys.stdin.buffer.read().decode('utf-8'))
    if impl == 'stdlib':
        import logging
        import logging.handlers
        assert logging.handlers.SysLogHandler.__module__ == 'logging.handlers'
    else:
        import attologging as logging
        import attologging.handlers  # noqa: F401
    socktypes = {'dgram': socket.SOCK_DGRAM, 'stream': socket.SOCK_STREAM, None: None}
    for name, levelno in spec.get('levels', {}).items():
        logging.addLevelName(levelno, name)
    report = {'pid': os.getpid(), 'hostname': socket.gethostname(), 'phases': []}
    for i, phase in enumerate(spec['phases']):
        address = phase['address']
        address = tuple(address) if isinstance(address, list) else address
        try:
            handler = logging.handlers.SysLogHandler(
                address, phase.get('facility', 1), socktypes[phase.get('socktype')],
                **phase.get('kwargs', {}))
        except TypeError as e:
            print(e)
            sys.stdout.flush()
            os._exit(3)
        for name, value in phase.get('attrs', {}).items():
            setattr(handler, name, value)
        if phase.get('priority_map'):
            handler.priority_map = dict(handler.priority_map, **phase['priority_map'])
        logger = logging.getLogger('syslogtest.%d' % i)
        logger.propagate = False
        logger.setLevel(1)
        logger.addHandler(handler)
        before = time.time()
        for levelno, message, extra in phase['records']:
            logger.log(levelno, '%s', message, extra=extra)
        report['phases'].append({'before': before, 'after': time.time()})
        handler.close()
        logger.removeHandler(handler)
    logging.shutdown()
    print(json.dumps(report))


if __name__ == '__main__':
    _child(sys.argv[1])
