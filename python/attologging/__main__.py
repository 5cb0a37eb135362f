"""python -m attologging -- run a program with attologging as ``logging``.

    python -m attologging script.py [args ...]
    python -m attologging -m module [args ...]

calls ``attologging.install()`` and then runs the program the way
``python script.py`` / ``python -m module`` would: ``sys.argv``, ``__name__
== '__main__'``, ``sys.path[0]``, ``__file__``/``__spec__``, the exit status
and the traceback of an uncaught exception are the same (minus the frames of
this launcher).  A directory or zip file with a ``__main__.py`` works as a
script, as it does for ``python``.
"""

import os
import sys

USAGE = """\
usage: python -m attologging script.py [args ...]
       python -m attologging -m module [args ...]

Run a Python program with attologging installed as the `logging` module
(attologging.install() is called before the program starts).

  script.py    a Python file, or a directory or zip file with __main__.py
  -m module    run a library module as a script, like `python -m module`
  args ...     passed to the program in sys.argv[1:]
  -h, --help   show this help and exit
"""


def _usage_error(message):
    sys.stderr.write('python -m attologging: %s\n\n%s' % (message, USAGE))
    return 2


def main(argv=None):
    """Parse *argv* (default ``sys.argv[1:]``), install, run the program.

    Returns the exit status for a normal end; SystemExit raised by the
    program propagates unchanged.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        return _usage_error('no program given')
    first = args[0]
    if first in ('-h', '--help'):
        sys.stdout.write(USAGE)
        return 0
    if first == '--':
        args.pop(0)
        if not args:
            return _usage_error('no program given')
        first = args[0]
    elif first == '-m' or (first.startswith('-m') and first != '-m'):
        if first == '-m':
            if len(args) < 2:
                return _usage_error('argument expected for the -m option')
            module, rest = args[1], args[2:]
        else:
            module, rest = first[2:], args[1:]
        return _run(_module_runner(module, rest))
    elif first == '-' or first.startswith('-'):
        return _usage_error('unknown option %r (options of the python '
                            'interpreter go before "-m attologging")'
                            % first)
    return _run(_path_runner(first, args[1:]))


# ---------------------------------------------------------------------------
# Running the program
# ---------------------------------------------------------------------------

def _fresh_main_module():
    """A new, empty ``__main__`` module in sys.modules (this launcher's own
    module object stops being ``__main__``)."""
    import builtins
    import types
    module = types.ModuleType('__main__')
    module.__builtins__ = builtins
    sys.modules['__main__'] = module
    return module


def _module_runner(module_name, rest):
    def run():
        import runpy
        sys.argv[:] = ['-m'] + list(rest)  # as python does while searching
        _fresh_main_module()
        # The function the interpreter itself calls for "python -m": it runs
        # the module in sys.modules['__main__'] and sets sys.argv[0].
        runpy._run_module_as_main(module_name, alter_argv=True)
    return run


def _path_runner(path, rest):
    def run():
        import io
        import pkgutil
        sys.argv[:] = [path] + list(rest)
        safe_path = getattr(sys.flags, 'safe_path', False)
        if pkgutil.get_importer(path) is not None:
            # A directory or zip file: run its __main__ module from it.
            import runpy
            entry = os.path.abspath(path)
            if safe_path or not sys.path:
                sys.path.insert(0, entry)
            else:
                sys.path[0] = entry
            _fresh_main_module()
            runpy._run_module_as_main('__main__', alter_argv=False)
            return
        filename = os.path.abspath(path)
        try:
            with io.open_code(filename) as handle:
                source = handle.read()
        except OSError as exc:
            sys.stderr.write("%s: can't open file %r: [Errno %s] %s\n"
                             % (sys.executable, filename, exc.errno,
                                exc.strerror))
            raise SystemExit(2)
        if not safe_path:
            directory = os.path.dirname(os.path.realpath(filename))
            if sys.path:
                sys.path[0] = directory
            else:
                sys.path.insert(0, directory)
        module = _fresh_main_module()
        code, loader = _compile_main(source, filename)
        module.__dict__.update(__file__=filename, __loader__=loader,
                               __package__=None, __spec__=None,
                               __doc__=None)
        exec(code, module.__dict__)
    return run


def _compile_main(source, filename):
    import importlib.machinery
    import importlib.util
    if source[:4] == importlib.util.MAGIC_NUMBER:
        import marshal
        return (marshal.loads(source[16:]),
                importlib.machinery.SourcelessFileLoader('__main__', filename))
    return (compile(source, filename, 'exec', dont_inherit=True),
            importlib.machinery.SourceFileLoader('__main__', filename))


def _run(run):
    from attologging import install
    install()
    try:
        run()
    except (SystemExit, KeyboardInterrupt):
        raise  # exit status (and SIGINT semantics) as with python itself
    except BaseException as exc:
        _report_uncaught(exc)
        return 1
    return 0


def _launcher_files():
    import runpy
    return {os.path.normcase(os.path.abspath(__file__)),
            runpy._run_code.__code__.co_filename,
            runpy.__file__ if getattr(runpy, '__file__', None) else None,
            _run.__code__.co_filename}


def _report_uncaught(exc):
    """Print an uncaught exception like the interpreter does, without the
    launcher's frames, and set sys.last_* like it."""
    own = _launcher_files()
    tb = exc.__traceback__
    while tb is not None and (
            tb.tb_frame.f_code.co_filename in own
            or os.path.normcase(tb.tb_frame.f_code.co_filename) in own):
        tb = tb.tb_next
    exc = exc.with_traceback(tb)
    sys.last_type, sys.last_value, sys.last_traceback = type(exc), exc, tb
    if sys.version_info >= (3, 12):
        sys.last_exc = exc
    try:
        sys.excepthook(type(exc), exc, tb)
    except BaseException as hook_exc:
        sys.stderr.write('Error in sys.excepthook:\n')
        sys.__excepthook__(type(hook_exc), hook_exc, hook_exc.__traceback__)
        sys.stderr.write('\nOriginal exception was:\n')
        sys.__excepthook__(type(exc), exc, tb)


if __name__ == '__main__':
    sys.exit(main())
