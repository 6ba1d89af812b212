"""Symbolic equivalence of two LaTeX answers (math-verify, an optional extra: ``pip install dsgen[math]``),
run in a worker subprocess under a hard time limit that this module controls, so it can never hang a trainer.

math-verify's own timeouts use signals (main thread only) and are known to miss (Math-Verify #65), so the
worker runs it with them off and the caller waits at most ``timeout`` seconds for the reply; a worker that
misses it is killed and the next check starts a fresh one. A check that times out, or cannot run, counts
as "not equivalent": ``equivalent`` returns ``(False, reason)`` and the reason is logged and counted in
``skipped``. The worker is started on first use and re-used across calls (one at a time, under a lock).
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import select
import subprocess
import sys
import threading
from collections import Counter

#: The longest answer (either side) given to the symbolic check; a longer one is not equivalent.
MAX_CHARS = 400
DEFAULT_TIMEOUT = 3.0
#: Digits to which a decimal must match (math-verify's default of 6 takes 0.8660254 for \frac{\sqrt3}{2}).
FLOAT_DIGITS = 10
#: How long the worker may take to import sympy and math-verify, once.
START_TIMEOUT = 60.0
#: Checks that could not decide, by reason ("timeout", "unavailable", "too long", "error").
skipped: Counter[str] = Counter()
_log = logging.getLogger(__name__)
_lock = threading.Lock()
_worker: subprocess.Popen | None = None
_unavailable: str | None = None


def _serve() -> None:
    """The worker's loop (``python -m dsgen.verifiers.symbolic``): a JSON ``[gold, answer]`` per input line,
    ``true``/``false`` or an error string per output line."""
    logging.getLogger("math_verify").setLevel(logging.CRITICAL)
    try:
        from math_verify import parse, verify
    except ImportError as exc:
        print(json.dumps(f"unavailable: {exc}"), flush=True)
        return
    print(json.dumps("ready"), flush=True)
    for line in sys.stdin:
        gold, answer = json.loads(line)
        try:
            result = verify(parse(f"${gold}$", parsing_timeout=None), parse(f"${answer}$", parsing_timeout=None),
                            float_rounding=FLOAT_DIGITS, timeout_seconds=None)
            reply = bool(result)
        except Exception as exc:  # noqa: BLE001 - any failure of the library is "not equivalent"
            reply = f"error: {type(exc).__name__}"
        print(json.dumps(reply), flush=True)


def _read(worker: subprocess.Popen, timeout: float) -> object:
    """The worker's next reply, or TimeoutError when none comes within ``timeout`` seconds."""
    ready, _, _ = select.select([worker.stdout], [], [], timeout)
    if not ready:
        raise TimeoutError
    line = worker.stdout.readline()
    if not line:
        raise EOFError("the worker exited")
    return json.loads(line)


def _start() -> subprocess.Popen | str:
    """A started worker, or the reason it could not start."""
    worker = subprocess.Popen(
        [sys.executable, "-m", "dsgen.verifiers.symbolic"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    try:
        hello = _read(worker, START_TIMEOUT)
    except (TimeoutError, EOFError, ValueError) as exc:
        hello = f"unavailable: the worker did not start ({exc!r})"
    if hello != "ready":
        _stop(worker)
        return str(hello)
    return worker


def _stop(worker: subprocess.Popen) -> None:
    worker.kill()
    worker.wait(5)
    for stream in (worker.stdin, worker.stdout):
        stream.close()


def equivalent(gold: str, answer: str, *, timeout: float = DEFAULT_TIMEOUT) -> tuple[bool, str | None]:
    """Whether LaTeX ``answer`` equals ``gold`` symbolically, and why not when the check could not decide."""
    global _worker, _unavailable
    if len(gold) > MAX_CHARS or len(answer) > MAX_CHARS:
        return _skip("too long")
    with _lock:
        if _unavailable is not None:
            return _skip("unavailable", _unavailable)
        if _worker is None:
            started = _start()
            if isinstance(started, str):
                _unavailable = started
                return _skip("unavailable", started)
            _worker = started
        try:
            _worker.stdin.write(json.dumps([gold, answer]) + "\n")
            _worker.stdin.flush()
            result = _read(_worker, timeout)
        except TimeoutError:
            _stop(_worker)
            _worker = None
            return _skip("timeout", f"no answer within {timeout} s: worker killed")
        except (EOFError, OSError, ValueError) as exc:
            _stop(_worker)
            _worker = None
            return _skip("error", f"worker failed: {exc!r}")
    if isinstance(result, str):
        return _skip("error", result)
    return bool(result), None


def _skip(reason: str, detail: str = "") -> tuple[bool, str]:
    skipped[reason] += 1
    message = f"{reason}: {detail}" if detail else reason
    if reason == "unavailable" and skipped[reason] == 1:
        _log.warning("latex_exact: no symbolic fallback (%s); install it with: pip install 'dsgen[math]'", detail)
    elif reason != "unavailable":
        _log.warning("latex_exact: symbolic check scored 0 (%s)", message)
    return False, message


def shutdown() -> None:
    """Stop the worker (it also ends when this process closes its pipe)."""
    global _worker
    with _lock:
        if _worker is not None:
            _stop(_worker)
            _worker = None


atexit.register(shutdown)

if __name__ == "__main__":
    _serve()
