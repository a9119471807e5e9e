"""Investigation plugin (load with `-p tests.fd_probe`): records which tests leave file descriptors and threads open.

Kept out of the normal run on purpose: it walks /proc/self/fd around every test, which is only worth the time while
hunting a leak. Writes a summary to $FD_PROBE_OUT (default /tmp/fd_probe.txt) at the end of the session.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

_rows: list[tuple[str, int, Counter[str], int, list[str]]] = []
_start: dict[str, int] = {}


def _kind(target: str) -> str:
    if target.startswith(("socket:", "pipe:")):
        return target.split(":")[0]
    if target.startswith("anon_inode:"):
        return target
    if target.startswith("/"):
        base = re.sub(r"/pytest-\d+/[^/]+/", "/TMP/", target)
        suffix = os.path.splitext(base)[1] or os.path.basename(base)
        return f"file{suffix}"
    return target


def _fds() -> dict[int, str]:
    out: dict[int, str] = {}
    for name in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            out[int(name)] = os.readlink(f"/proc/self/fd/{name}")
    return out


def pytest_sessionstart(session: pytest.Session) -> None:
    _start["fds"] = len(_fds())
    _start["threads"] = threading.active_count()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    before = _fds()
    threads_before = {t.ident for t in threading.enumerate()}
    yield
    after = _fds()
    new = {fd: t for fd, t in after.items() if fd not in before or before[fd] != t}
    kinds = Counter(_kind(t) for t in new.values())
    new_threads = [t.name for t in threading.enumerate() if t.ident not in threads_before]
    _rows.append((item.nodeid, len(after) - len(before), kinds, len(new_threads), new_threads))
    with open(os.environ.get("FD_PROBE_OUT", "/tmp/fd_probe.txt") + ".rows", "a", encoding="utf-8") as fh:
        fh.write(f"{len(after)}\t{len(after) - len(before)}\t{threading.active_count()}\t{item.nodeid}\t"
                 f"{dict(kinds)}\t{new_threads[:6]}\n")


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = os.environ.get("FD_PROBE_OUT", "/tmp/fd_probe.txt")
    by_module: dict[str, Counter[str]] = defaultdict(Counter)
    threads_by_module: Counter[str] = Counter()
    for nodeid, _delta, kinds, nthreads, _names in _rows:
        by_module[nodeid.split("::")[0]].update(kinds)
        threads_by_module[nodeid.split("::")[0]] += nthreads
    lines = [f"start fds={_start['fds']} threads={_start['threads']}; end fds={len(_fds())} "
             f"threads={threading.active_count()}", "", "== modules (new fds by kind) =="]
    for mod, kinds in sorted(by_module.items(), key=lambda kv: -sum(kv[1].values())):
        lines.append(f"{sum(kinds.values()):5d} {mod} {dict(kinds.most_common(6))}")
    lines += ["", "== modules (new threads) =="]
    lines += [f"{n:5d} {mod}" for mod, n in threads_by_module.most_common() if n]
    lines += ["", "== tests (top 40 by fd growth) =="]
    for nodeid, delta, kinds, nthreads, names in sorted(_rows, key=lambda r: -r[1])[:40]:
        lines.append(f"{delta:4d} {nodeid} {dict(kinds)} threads+{nthreads} {names[:4]}")
    lines += ["", "== leftover threads =="]
    lines += sorted(Counter(re.sub(r"\d+", "N", t.name) for t in threading.enumerate()).__repr__().split(", "))
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def _chain(obj: object, skip: set[int], depth: int = 12) -> str:
    """A referrer path (type names) from `obj` up towards whatever keeps it alive."""
    import gc
    import types

    names = [type(obj).__name__]
    seen = set(skip) | {id(obj)}
    for _ in range(depth):
        found = gc.get_referrers(obj)
        seen.add(id(found))
        refs = [r for r in found if id(r) not in seen and not isinstance(r, types.FrameType)]
        seen.add(id(refs))
        if not refs:
            break
        obj = refs[0]
        seen.add(id(obj))
        label = type(obj).__name__
        if isinstance(obj, dict):
            owner = [r for r in gc.get_referrers(obj) if getattr(r, "__dict__", None) is obj]
            seen.add(id(owner))
            label = f"dict-of-{type(owner[0]).__name__}" if owner else "dict"
        if isinstance(obj, types.ModuleType):
            label = f"module {obj.__name__}"
        if isinstance(obj, types.FunctionType):
            label = f"function {obj.__qualname__}"
        if isinstance(obj, types.CellType):
            label = "cell(" + ",".join(f"{type(r).__name__}:{getattr(r, '__qualname__', '')}"
                                       for r in gc.get_referrers(obj)[:3]) + ")"
        names.append(label)
    return " <- ".join(names)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    if not os.environ.get("FD_PROBE_GC"):
        return
    import gc
    import socket
    import sqlite3

    before = len(_fds())
    alive = [o for o in gc.get_objects() if isinstance(o, (socket.socket, sqlite3.Connection))]
    chains: Counter[str] = Counter()
    skip = {id(alive), id(chains)}
    for o in alive:
        if not (isinstance(o, socket.socket) and o.fileno() < 0):
            chains[_chain(o, skip)] += 1
    gc.collect()
    lines = [f"fds before gc.collect={before}, after={len(_fds())}", "== what holds the live sockets/sqlite =="]
    lines += [f"{n:5d} {c}" for c, n in chains.most_common(30)]
    lines += ["== open fds by target ==", *_describe()]
    with open(os.environ.get("FD_PROBE_OUT", "/tmp/fd_probe.txt") + ".gc", "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def _describe() -> list[str]:
    """Each open socket's TCP state and ports (from /proc/net/tcp*), each file's path: what the leak is."""
    tcp: dict[str, str] = {}
    states = {"01": "ESTABLISHED", "06": "TIME_WAIT", "08": "CLOSE_WAIT", "0A": "LISTEN", "07": "CLOSE"}
    for name in ("tcp", "tcp6", "unix"):
        try:
            rows = Path(f"/proc/net/{name}").read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            f = row.split()
            if name == "unix":
                tcp[f[6]] = f"unix {f[7] if len(f) > 7 else ''}"
            else:
                local, remote = int(f[1].split(":")[1], 16), int(f[2].split(":")[1], 16)
                tcp[f[9]] = f"{name} {states.get(f[3], f[3])} local:{local} remote:{remote}"
    out: Counter[str] = Counter()
    for target in _fds().values():
        if target.startswith("socket:["):
            desc = tcp.get(target[8:-1], "socket?")
            out[re.sub(r"local:\d{5} ", "local:EPHEMERAL ", re.sub(r"remote:\d+", "remote:PORT", desc))
                if "remote:0" not in desc else desc.split(" local")[0] + " (listening)"] += 1
        else:
            out[re.sub(r"/pytest-\d+/[^/]+/", "/TMP/", target)] += 1
    return [f"{n:5d} {k}" for k, n in out.most_common(40)]
