"""Traceback text for ``Formatter.formatException``, with the stack part cached.

``traceback.print_exception`` spends most of its time on the stack: walking
frames, reading source lines through ``linecache`` and, from 3.11, working
out the ``^^^^`` markers from each instruction's position.  All of that is a
function of the frames' code objects and instruction offsets and of the
source files' contents.  A service that logs ``exception()`` usually logs the
same few failures again and again, so the text of the stack is cached under
``(exception type, (code, instruction offset, line) per frame)``:

* The first time, the whole text comes from the stdlib itself
  (``traceback.print_exception``).  It is split into header, stack and the
  final ``Type: message`` line; the entry is kept only if that final line is
  exactly what :func:`_final_line` computes, so a cached entry is proven
  against the stdlib's own output for that exception type.
* Later, the stack text is reused after the same ``linecache.checkcache``
  call the stdlib makes, and only if every source file's ``linecache`` entry
  is still the very object it was (a file edited on disk, or a
  ``linecache.cache`` entry replaced by a debugger or notebook, misses).

Everything the cache cannot prove identical goes to the stdlib unchanged:
chained exceptions, exception groups, ``__notes__``, ``SyntaxError`` and the
exceptions that get "Did you mean" hints, a ``str()`` that raises,
``sys.tracebacklimit``, and a patched ``traceback`` module.
"""
import io
import linecache
import sys
import traceback

__all__ = ['format_exception']

_HEADER = "Traceback (most recent call last):\n"
_LIMIT = 512                     # entries; the cache is cleared when full
_cache = {}

# Fall back to the stdlib for these: their final line gets extra text
# (syntax error context, "Did you mean" hints), or groups nest.
_SPECIAL = (SyntaxError, NameError, AttributeError, ImportError)
if sys.version_info >= (3, 11):
    _SPECIAL += (BaseExceptionGroup,)

_STOCK = (traceback.print_exception, traceback.TracebackException,
          traceback.StackSummary, traceback.FrameSummary)


def _stdlib_text(etype, value, tb):
    buffer = io.StringIO()
    traceback.print_exception(etype, value, tb, limit=None, file=buffer)
    return buffer.getvalue()


def _final_line(etype, value):
    """The stdlib's last line for a plain exception, or None if str() fails."""
    try:
        text = str(value)
    except Exception:
        return None
    stype = etype.__qualname__
    module = etype.__module__
    if module not in ("__main__", "builtins"):
        if not isinstance(module, str):
            return None
        stype = module + '.' + stype
    return "%s: %s\n" % (stype, text) if text else stype + "\n"


def _cacheable(value, tb):
    if tb is None or not isinstance(value, BaseException):
        return False
    if isinstance(value, _SPECIAL) or value.__cause__ is not None:
        return False
    if value.__context__ is not None and not value.__suppress_context__:
        return False
    if hasattr(sys, 'tracebacklimit'):
        return False
    if (traceback.print_exception, traceback.TracebackException,
            traceback.StackSummary, traceback.FrameSummary) != _STOCK:
        return False
    try:
        return getattr(value, '__notes__', None) is None
    except Exception:
        return False


def _frames_key(etype, tb):
    key = [id(etype)]
    codes = []
    while tb is not None:
        code = tb.tb_frame.f_code
        codes.append(code)
        key.append((id(code), tb.tb_lasti, tb.tb_lineno))
        tb = tb.tb_next
    return tuple(key), codes


def _lines_unchanged(snapshot):
    for filename, entry in snapshot:
        linecache.checkcache(filename)
        if linecache.cache.get(filename) is not entry:
            return False
    return True


def format_exception(ei):
    """The text ``traceback.print_exception(*ei)`` writes."""
    value, tb = ei[1], ei[2]
    if not _cacheable(value, tb):
        return _stdlib_text(ei[0], value, tb)
    etype = type(value)
    final = _final_line(etype, value)
    if final is None:
        return _stdlib_text(ei[0], value, tb)
    key, codes = _frames_key(etype, tb)
    hit = _cache.get(key)
    if hit is not None and _lines_unchanged(hit[1]):
        return _HEADER + hit[0] + final
    text = _stdlib_text(ei[0], value, tb)
    if text.startswith(_HEADER) and text.endswith(final):
        if len(_cache) >= _LIMIT:
            _cache.clear()
        filenames = {code.co_filename for code in codes}
        snapshot = tuple((name, linecache.cache.get(name)) for name in filenames)
        # The code objects and the type stay referenced by the entry, so the
        # ids in its key cannot be reused while it exists.
        _cache[key] = (text[len(_HEADER):len(text) - len(final)], snapshot,
                       codes, etype)
    return text
