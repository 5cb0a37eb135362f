"""In-process checks that are awkward to express as differential scenarios:
copying and pickling records, subclassing every extensible class, plain
list containers, caller detection through stdlib wrappers, pytest caplog.

Where possible each check runs against both modules and compares.
"""

import copy
import io
import logging
import pickle
import sys

import pytest

import attologging

BOTH = pytest.mark.parametrize('mod', [logging, attologging],
                               ids=['logging', 'attologging'])


def _record(mod):
    logger = mod.getLogger('behaviour.records')
    return logger.makeRecord('behaviour.records', mod.WARNING, 'f.py', 12,
                             'value %s', ('x',), None, 'func',
                             {'custom': [1, 2]}, 'stack text')


def _comparable(record):
    values = dict(vars(record))
    return {k: v for k, v in values.items()
            if k not in ('created', 'msecs', 'relativeCreated')}


@BOTH
def test_copy_record(mod):
    record = _record(mod)
    shallow = copy.copy(record)
    assert type(shallow) is mod.LogRecord and shallow is not record
    assert vars(shallow) == vars(record)
    assert list(vars(shallow)) == list(vars(record))
    assert shallow.custom is record.custom  # shallow copy shares values
    deep = copy.deepcopy(record)
    assert vars(deep) == vars(record) and deep.custom is not record.custom


@BOTH
@pytest.mark.parametrize('protocol', range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_record(mod, protocol):
    record = _record(mod)
    clone = pickle.loads(pickle.dumps(record, protocol))
    assert type(clone) is mod.LogRecord
    assert list(vars(clone)) == list(vars(record))
    assert vars(clone) == vars(record)
    assert clone.getMessage() == 'value x'


def test_copy_and_pickle_agree_with_stdlib():
    ours = _record(attologging)
    theirs = _record(logging)
    for transform in (copy.copy, copy.deepcopy,
                      lambda r: pickle.loads(pickle.dumps(r))):
        a, b = transform(ours), transform(theirs)
        assert list(vars(a)) == list(vars(b))
        assert _comparable(a) == _comparable(b)


def test_makelogrecord_from_pickled_dict():
    """The SocketHandler round trip: dict -> makeLogRecord."""
    record = _record(attologging)
    data = pickle.loads(pickle.dumps(dict(vars(record))))
    rebuilt = attologging.makeLogRecord(data)
    assert vars(rebuilt) == vars(record)


@BOTH
def test_subclassing_with_arbitrary_attributes(mod):
    class Record(mod.LogRecord):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.request_id = 'r-1'

    class Fmt(mod.Formatter):
        prefix = '>'

        def format(self, record):
            return self.prefix + super().format(record)

    class Only(mod.Filter):
        def __init__(self, name, marker):
            super().__init__(name)
            self.marker = marker

        def filter(self, record):
            record.marker = self.marker
            return super().filter(record)

    class Collect(mod.Handler):
        def __init__(self):
            super().__init__()
            self.lines = []
            self.anything = {'free': 'form'}

        def emit(self, record):
            self.lines.append(self.format(record))

    class MyLogger(mod.Logger):
        def __init__(self, name, level=mod.NOTSET):
            super().__init__(name, level)
            self.owner = 'me'

    class Adapter(mod.LoggerAdapter):
        def process(self, msg, kwargs):
            return '[%s] %s' % (self.extra['tag'], msg), kwargs

    old_factory = mod.getLogRecordFactory()
    mod.setLogRecordFactory(Record)
    try:
        logger = MyLogger('behaviour.sub')
        logger.manager = mod.Logger.manager
        logger.propagate = False
        logger.arbitrary = 42
        handler = Collect()
        handler.setFormatter(Fmt('%(request_id)s %(marker)s %(message)s'))
        handler.addFilter(Only('behaviour', 'M'))
        logger.addHandler(handler)
        Adapter(logger, {'tag': 'T'}).warning('hello %s', 'you')
    finally:
        mod.setLogRecordFactory(old_factory)
    assert handler.lines == ['>r-1 M [T] hello you']
    assert (logger.owner, logger.arbitrary) == ('me', 42)
    assert handler.anything == {'free': 'form'}


@BOTH
def test_containers_are_plain_lists(mod):
    logger = mod.getLogger('behaviour.lists')
    handler = mod.NullHandler()
    logger.addHandler(handler)
    logger.addFilter(mod.Filter('x'))
    assert type(logger.handlers) is list and type(logger.filters) is list
    assert type(handler.filters) is list
    logger.handlers.remove(handler)  # plain list operations work
    logger.filters[:] = []
    assert logger.handlers == [] and logger.filters == []


def test_stdlib_adapter_frames_are_skipped():
    """A stdlib LoggerAdapter wrapping one of our loggers is transparent."""
    logger = attologging.getLogger('behaviour.stdlib_adapter')
    logger.propagate = False
    records = []

    class Keep(attologging.Handler):
        def emit(self, record):
            records.append(record)

    logger.addHandler(Keep())
    logging.LoggerAdapter(logger, {}).warning('through stdlib')
    assert records[0].funcName == 'test_stdlib_adapter_frames_are_skipped'
    assert records[0].pathname == __file__


def test_module_level_functions_report_caller():
    stream = io.StringIO()
    handler = attologging.StreamHandler(stream)
    handler.setFormatter(attologging.Formatter('%(funcName)s %(message)s'))
    attologging.root.addHandler(handler)
    try:
        attologging.warning('module level')
    finally:
        attologging.root.removeHandler(handler)
    assert stream.getvalue() == \
        'test_module_level_functions_report_caller module level\n'


def test_caplog_with_sys_modules_logging_swapped(caplog, monkeypatch):
    """pytest's caplog after ``sys.modules['logging']`` points to us.

    pytest imported the stdlib logging long before the swap and attaches
    its capture handler to the *stdlib* root logger, so records created by
    attologging never reach it.  Making this work needs the ``install()``
    machinery (a later task); until then the test documents it by skipping.
    """
    monkeypatch.setitem(sys.modules, 'logging', attologging)
    import logging as swapped
    assert swapped is attologging
    caplog.set_level(swapped.INFO)
    logger = swapped.getLogger('behaviour.caplog')
    logger.addHandler(swapped.NullHandler())
    logger.warning('captured?')
    if not caplog.records:
        pytest.skip('caplog needs attologging.install() (later task): its '
                    'handler lives on the stdlib root logger')
    assert caplog.records[-1].getMessage() == 'captured?'
