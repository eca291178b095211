"""Bytes to standard output, whole, when a signal cuts a write to a full pipe short.

A tap writes faster than most targets read, so its writes block on a full pipe. A signal
that arrives then (SIGSTOP/SIGCONT of Ctrl-Z and ``fg``, a debugger's or profiler's
ptrace, any signal with a Python handler) ends the ``write(2)`` early with part of the data
written. Python's ``BufferedWriter`` (``sys.stdout.buffer``) then loses or repeats bytes:
measured on CPython 3.10-3.13 here, about one line in 10,000 of a large output came out
cut or merged with another (tests/test_stopped.py). ``os.write`` returns what it wrote,
and the loop here writes the rest.
"""

from __future__ import annotations

import io
import os
import sys


def write_stdout(data: bytes | bytearray) -> None:
    """Write ``data`` to ``sys.stdout`` whole, in order, after whatever it holds buffered.

    Straight to its file descriptor when it has one; an in-memory ``sys.stdout`` (tests'
    ``redirect_stdout``) gets ``data`` through its buffer.
    """
    out = sys.stdout
    try:
        fd = out.fileno()
    except (AttributeError, ValueError, io.UnsupportedOperation):
        out.buffer.write(data)
        return
    out.flush()
    view = memoryview(data)
    try:
        done = 0
        while done < len(view):
            done += os.write(fd, view[done:])
    finally:
        view.release()
