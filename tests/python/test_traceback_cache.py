"""formatException caches the stack part of tracebacks (attologging/_traceback.py).

Every case compares attologging's Formatter.formatException with the
stdlib's for the same exc_info, several times in a row, so both the first
(stdlib-produced) and the cached text are checked.
"""
import importlib.util
import logging
import os
import sys
import textwrap

import pytest

import attologging
from attologging import _traceback


def both(ei):
    return attologging.Formatter().formatException(ei), logging.Formatter().formatException(ei)


def assert_same(ei, times=3):
    for _ in range(times):
        ours, theirs = both(ei)
        assert ours == theirs


def catch(fn, *args):
    try:
        fn(*args)
    except BaseException:
        return sys.exc_info()
    raise AssertionError("no exception")


class Custom(Exception):
    pass


class EmptyStr(Exception):
    def __str__(self):
        return ""


class BadStr(Exception):
    def __str__(self):
        raise RuntimeError("no str")


class OddModule(Exception):
    pass


OddModule.__module__ = None


def raise_(exc):
    raise exc


def deep(n, exc):
    if n == 0:
        raise exc
    deep(n - 1, exc)


def chained_cause():
    try:
        raise KeyError("inner")
    except KeyError as e:
        raise ValueError("outer") from e


def chained_context():
    try:
        raise KeyError("inner")
    except KeyError:
        raise ValueError("outer")


def suppressed():
    try:
        raise KeyError("inner")
    except KeyError:
        raise ValueError("outer") from None


CASES = {
    "value_error": lambda: catch(raise_, ValueError("bad value 3")),
    "custom": lambda: catch(raise_, Custom("x\ny")),
    "no_args": lambda: catch(raise_, Custom()),
    "empty_str": lambda: catch(raise_, EmptyStr("z")),
    "bad_str": lambda: catch(raise_, BadStr()),
    "odd_module": lambda: catch(raise_, OddModule("m")),
    "deep": lambda: catch(deep, 5, IndexError("deep")),
    "recursion": lambda: catch(deep, 40, RecursionError("r")),
    "keyboard_interrupt": lambda: catch(raise_, KeyboardInterrupt()),
    "name_error": lambda: catch(eval, "undefined_name_xyz"),
    "attribute_error": lambda: catch(lambda: object().nope),
    "syntax_error": lambda: catch(compile, "1 +* 2", "<src>", "exec"),
    "cause": lambda: catch(chained_cause),
    "context": lambda: catch(chained_context),
    "suppressed": lambda: catch(suppressed),
    "exec_source": lambda: catch(exec, "def f():\n    raise ValueError('in exec')\nf()"),
    "none": lambda: (None, None, None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_text_as_stdlib(case):
    assert_same(CASES[case]())


def test_same_frames_different_messages_and_types():
    _traceback._cache.clear()
    for i in range(5):
        assert_same(catch(raise_, ValueError("v%d" % i)), times=1)
        assert_same(catch(raise_, Custom("c%d" % i)), times=1)
    assert len(_traceback._cache) == 2      # one entry per (frames, type)


def test_notes():
    if sys.version_info < (3, 11):
        pytest.skip("__notes__ are 3.11+")
    ei = catch(raise_, ValueError("noted"))
    ei[1].add_note("a note")
    assert_same(ei)


def test_exception_group():
    if sys.version_info < (3, 11):
        pytest.skip("exception groups are 3.11+")
    assert_same(catch(raise_, ExceptionGroup("g", [ValueError(1), KeyError(2)])))


def test_tracebacklimit(monkeypatch):
    ei = catch(deep, 5, IndexError("limited"))
    assert_same(ei)
    monkeypatch.setattr(sys, "tracebacklimit", 2, raising=False)
    assert_same(ei)


def test_source_edited_between_calls(tmp_path):
    """The stdlib re-reads a source file that changed on disk; so must the cache."""
    path = tmp_path / "edited_module.py"
    path.write_text("def boom():\n    raise ValueError('first')\n")
    spec = importlib.util.spec_from_file_location("edited_module", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ei = catch(module.boom)
    assert_same(ei)
    path.write_text("def boom():\n    raise ValueError('edited source line')  # longer\n")
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    ours, theirs = both(ei)
    assert ours == theirs
    assert "edited source line" in ours


def test_linecache_entry_replaced():
    """Tools that put source into linecache (notebooks, debuggers) are seen."""
    import linecache
    code = compile("def g():\n    raise ValueError('cell')\n", "<cell-1>", "exec")
    namespace = {}
    exec(code, namespace)
    ei = catch(namespace["g"])
    assert_same(ei)
    source = "def g():\n    raise ValueError('cell')\n"
    linecache.cache["<cell-1>"] = (len(source), None, source.splitlines(True), "<cell-1>")
    try:
        ours, theirs = both(ei)
        assert ours == theirs
        assert "raise ValueError('cell')" in ours
    finally:
        del linecache.cache["<cell-1>"]


def test_patched_traceback_module_is_used(monkeypatch):
    ei = catch(raise_, ValueError("patched"))
    both(ei)
    import traceback
    monkeypatch.setattr(traceback, "print_exception",
                        lambda *a, file=None, **k: file.write("custom\n"))
    assert attologging.Formatter().formatException(ei) == "custom"


def test_cache_is_bounded():
    for i in range(_traceback._LIMIT + 10):
        namespace = {}
        exec(textwrap.dedent("""
            def f():
                raise ValueError(%d)
        """ % i), namespace)
        ei = catch(namespace["f"])
        assert_same(ei, times=1)
    assert len(_traceback._cache) <= _traceback._LIMIT
