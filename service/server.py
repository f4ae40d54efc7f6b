"""A warm duckshred: a process that runs batch jobs without dbt's start-up (`server`).

Every ``duckshred create batch-job`` pays for importing dbt and loading its parsed
project (2-3 s on the 2-core machines here) before the first model runs. The server
is a background process that does that once: it imports dbt, parses the project into
a manifest, and then waits on a Unix socket. A ``create batch-job`` run while it is up
hands the server its arguments, working folder, environment and its own stdin, stdout
and stderr (passed as file descriptors), and the server forks a child that runs the
command exactly as the CLI would, writing straight to the caller's terminal.

Why a fork per job: the job keeps everything a job process has today. It runs under
its own pid, which its journal records, takes the workspace lock itself, and a kill -9
of it is recovered like any other. Nothing of one job (its DuckDB, its plaintext)
lives on in the server. Ctrl-C in the caller is passed on to the job.

Safety: the socket sits in a 0700 folder of the user's, is 0600, and the server
serves its own user only (the peer's uid, from the kernel). A server runs the code
it imported: when the installed code has changed since it started, it refuses the
job (the caller then runs it itself and says so) and stops.

It is opt-in: with no server running, or ``DUCKSHRED_SERVER=off``, every command
runs in its own process as before.
"""

from __future__ import annotations

import fcntl
import gc
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from duckshred.udf.layout import user_cache_dir

SOCKET_ENV = "DUCKSHRED_SERVER_SOCKET"
SWITCH_ENV = "DUCKSHRED_SERVER"  # "off": never hand a command to the server
_MAX_MESSAGE = 1 << 20
_CODE_SUFFIXES = (".py", ".sql", ".yml")


def socket_path() -> Path:
    """The server's socket: $DUCKSHRED_SERVER_SOCKET, else in the user's runtime
    folder ($XDG_RUNTIME_DIR), else beside duckshred's cache (~/.cache/duckshred)."""
    if os.environ.get(SOCKET_ENV):
        return Path(os.environ[SOCKET_ENV])
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    folder = Path(runtime) / "duckshred" if runtime else user_cache_dir()
    return folder / "server.sock"


def code_stamp() -> str:
    """What identifies the code a process runs: the version, and the newest change
    among duckshred's modules and dbt project files (a few ms: ~150 files)."""
    from importlib.util import find_spec

    import duckshred
    from duckshred.service.project import project_dir

    project = project_dir()
    roots: list[Path] = []
    for name in ("cli", "service", "udf", "crypto", "javatime"):
        spec = find_spec(f"duckshred.{name}")
        roots += [Path(path) for path in (spec.submodule_search_locations or [])] if spec else []
    roots += [project / "models", project / "macros"]
    newest, count = os.stat(project / "dbt_project.yml").st_mtime_ns, 1
    for root in roots:
        for folder, _dirs, files in os.walk(root):
            for name in files:
                if name.endswith(_CODE_SUFFIXES):
                    newest = max(newest, os.stat(os.path.join(folder, name)).st_mtime_ns)
                    count += 1
    return f"{duckshred.__version__}:{count}:{newest}"


# --- the caller's side -----------------------------------------------------------


def _wants_server(argv: list[str]) -> bool:
    """Only a batch job run in the foreground starts dbt; every other command starts
    in well under a second on its own."""
    if os.environ.get(SWITCH_ENV, "").lower() in {"off", "0", "no", "false"}:
        return False
    words: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in {"--workspace"}:
            skip = True  # its value is not a command word
        elif arg in {"--help", "-h", "--detach", "--version"}:
            return False
        elif not arg.startswith("-"):
            words.append(arg)
    return words[:2] == ["create", "batch-job"]


def forward_to_server(argv: list[str]) -> int | None:
    """Run the command in a child of the warm server when one is up and this command
    gains from it: its exit code. None: run it here (no server, or not worth it)."""
    if not _wants_server(argv[1:]):
        return None
    path = socket_path()
    if not path.exists():
        return None
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        conn.connect(str(path))
    except OSError:
        return None  # a socket file left by a server that died: run here
    with conn:
        request = {"run": argv, "cwd": os.getcwd(), "env": dict(os.environ),
                   "stamp": code_stamp()}
        try:
            socket.send_fds(conn, [json.dumps(request).encode()], [0, 1, 2])
            first = _receive(conn)
        except OSError:
            return None  # e.g. an environment too large for one message: run here
        if first is None or "pid" not in first:
            if first and first.get("stale"):
                sys.stderr.write("note: the duckshred server runs older code and has "
                                 "stopped; running here (start it again: duckshred "
                                 "server start)\n")
            return None
        child = int(first["pid"])

        def pass_on(signum: int, _frame: Any) -> None:
            try:
                os.kill(child, signum)
            except ProcessLookupError:
                pass

        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, pass_on)
        message = _receive(conn)  # a signal passed on does not end the wait (PEP 475)
        if message is None or "exit" not in message:
            sys.stderr.write(f"error: the batch job's process ({child}) ended without "
                             "an exit status (killed?); `duckshred get batch-job` shows "
                             "what was recorded, and the next command rolls it back\n")
            return 1
        return int(message["exit"])


def _receive(conn: socket.socket) -> dict[str, Any] | None:
    data = conn.recv(_MAX_MESSAGE)
    return json.loads(data) if data else None


def _ask(path: Path, request: dict[str, Any], timeout_s: float = 5.0) -> dict[str, Any] | None:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as conn:
            conn.settimeout(timeout_s)
            conn.connect(str(path))
            socket.send_fds(conn, [json.dumps(request).encode()], [])
            return _receive(conn)
    except OSError:
        return None


# --- the server's side -----------------------------------------------------------


def serve(path: Path, run_command: Callable[[list[str]], int],
          warm_up: Callable[[], None] | None = None) -> None:
    """Import dbt, parse the project, then fork a child per job until told to stop.
    ``run_command``: runs one command line in the child and gives its exit code (the
    CLI's own, passed in by cli/server.py, whose modules are imported by then).
    ``warm_up``: runs a small job here first, so that what a first job compiles and
    sets up (dbt's macros, the SQL functions) is done once, not in every child."""
    from duckshred.service.dbt_runner import preload_project

    # One server per socket: a second `server start` racing this one must not take
    # the socket from under it (the loser exits; the caller finds the winner).
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    lock = open(path.with_suffix(".lock"), "w")  # noqa: SIM115 - held for the server's life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        print(f"another duckshred server holds {path}", flush=True)
        return
    started = time.time()
    preload_project()
    # What every job imports, imported once here rather than in each child.
    import duckshred.service.export
    import duckshred.service.jobs  # noqa: F401

    if warm_up is not None:
        warm_up()
        from duckshred.crypto import clear_cipher_cache

        clear_cipher_cache()  # no key of the warm-up job outlives it
    # What was loaded stays: no collection walks it again, in here or in a child.
    gc.collect()
    gc.freeze()
    # A fork copies only the thread that calls it: any other Python thread (a pool, a
    # DuckDB connection's workers) would be missing in the child with its locks held.
    import threading

    if threading.active_count() != 1:
        raise RuntimeError(f"cannot serve: {threading.active_count() - 1} threads started "
                           "while loading dbt or warming up; a forked job would lack them")
    stamp = code_stamp()
    os.chmod(path.parent, 0o700)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    path.unlink(missing_ok=True)
    listener.bind(str(path))
    os.chmod(path, 0o600)
    listener.listen(16)
    # Children are reaped by the kernel: each reports its own exit to its caller.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_serving)
    served = 0
    print(f"duckshred server {os.getpid()} ready at {path}", flush=True)
    try:
        while True:
            conn, _ = listener.accept()
            request, fds = _read_request(conn)
            if request is None:
                conn.close()
                continue
            if "run" not in request:
                reply = {"pid": os.getpid(), "startedAt": started, "jobsServed": served,
                         "stale": request.get("stamp") not in (None, stamp)}
                conn.send(json.dumps(reply).encode())
                conn.close()
                if request.get("stop"):
                    break
                continue
            if request.get("stamp") != stamp:
                conn.send(json.dumps({"stale": True}).encode())
                conn.close()
                _close_all(fds)
                print("the installed code changed since start: stopping", flush=True)
                break
            if os.fork() == 0:
                listener.close()
                lock.close()  # the server's alone: a job outliving it must not hold it
                _run_child(conn, fds, request, run_command)
            served += 1
            _close_all(fds)
            conn.close()
    finally:
        listener.close()
        path.unlink(missing_ok=True)


def _stop_serving(_signum: int, _frame: Any) -> None:
    raise SystemExit(0)  # leaves through serve()'s finally: the socket file goes


def _read_request(conn: socket.socket) -> tuple[dict[str, Any] | None, list[int]]:
    uid = int.from_bytes(conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)[4:8],
                         sys.byteorder)
    message, fds, _flags, _addr = socket.recv_fds(conn, _MAX_MESSAGE, 3)
    if uid != os.getuid() or not message:
        _close_all(fds)
        return None, []
    return json.loads(message), fds


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        os.close(fd)


def _run_child(conn: socket.socket, fds: list[int], request: dict[str, Any],
               run_command: Callable[[list[str]], int]) -> NoReturn:
    """In the forked child: become the caller's command, run it, report the exit."""
    code = 2
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        # Ctrl-C reaches the child only as the caller passes it on, and must then stop
        # the command, even in a server started with SIGINT ignored (in the background).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for target, fd in zip((0, 1, 2), fds, strict=True):
            os.dup2(fd, target)
            os.close(fd)
        # Fresh standard streams, buffered as a new interpreter's would be for them.
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False,  # noqa: SIM115
                          buffering=1)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = list(request["run"])
        conn.send(json.dumps({"pid": os.getpid()}).encode())

        code = run_command(sys.argv[1:])
        sys.stdout.flush()
        sys.stderr.flush()
        import atexit

        atexit._run_exitfuncs()  # as the CLI's own exit does (dbt's semaphores)
    except BaseException:  # noqa: BLE001 - whatever happens, the caller gets a status
        code = 2
    try:
        conn.send(json.dumps({"exit": code}).encode())
    except OSError:
        pass  # the caller is gone: the job's record has its outcome
    os._exit(code)


# --- what the commands do ------------------------------------------------------------


def ask(request: dict[str, Any]) -> dict[str, Any] | None:
    """The running server's answer to ``request`` (ping, stop), or None if none runs."""
    return _ask(socket_path(), request)


def start_server() -> tuple[dict[str, Any] | None, bool, Path]:
    """Start a server in the background unless one runs: (its status or None if it did
    not come up, whether it was already running, its log file)."""
    path = socket_path()
    log = path.with_suffix(".log")
    status = _ask(path, {"ping": True})
    if status is not None:
        return status, True, log
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "ab") as stream:
        process = subprocess.Popen(  # noqa: S603 - our own module, no shell
            [sys.executable, "-m", "duckshred.cli.server", str(path)],
            stdout=stream, stderr=stream, stdin=subprocess.DEVNULL,
            start_new_session=True, env=os.environ.copy())
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = _ask(path, {"ping": True})
        if status is not None or process.poll() is not None:
            return status, False, log
        time.sleep(0.05)
    return None, False, log
