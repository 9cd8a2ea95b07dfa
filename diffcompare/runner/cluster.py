"""Cells on a Dask cluster (``--executor dask``): the same isolation as a local run,
inside each Dask worker, the cases spread over the workers.

Each Dask worker hosts an ``Isolated`` executor (``runner.isolated``: a spawned process
that runs the cells under their time and memory limits), so a case that hangs, crashes
or eats memory costs its cell there, as it would here. A *lane* is one worker taking
one case at a time, cell by cell; ``runner.loop`` runs the lanes side by side and
streams their rows into results.jsonl as they finish, so Ctrl-C, ``kill -9`` and
``--resume`` behave as in a local run.

Timing stays honest: every worker has one thread, and a timed run uses one worker per
host (``per_host``), for cells timed side by side share the host's cores and caches;
a run without timings (``--no-timing``) uses every worker. A worker that dies mid-cell
gives that cell an ``error`` row naming its host; its lane goes on with a worker the
cluster starts in its place (a nanny restarts a killed worker), or gives its case back
to the other lanes.

The workers' processes must be allowed children (the Dask setting
``distributed.worker.daemon: False``; the local cluster here sets it): the isolation
spawns one. They load the run's case files from the same paths, so a remote cluster
needs them on a shared file system.
"""

from __future__ import annotations

import pickle
import socket
import time
from dataclasses import replace

from diffcompare.errors import CaseError, UsageError
from diffcompare.runner.cell import bare_row
from diffcompare.runner.plan import Plan
from diffcompare.runner.problems import failed_case


class LaneLost(Exception):  # noqa: N818 — a lane's way of saying it has no worker left
    """A lane whose worker died and found no other: its case goes back to the others."""


REPLACEMENT_S = 60.0  # how long a lane waits for a worker in place of one that died
_POLL_S = 0.5  # how often a lane looks for its worker while a cell runs


def installed() -> None:
    """UsageError, saying how to install it, where Dask's distributed is missing."""
    import importlib.util

    if importlib.util.find_spec("distributed") is None:
        raise UsageError(
            "--executor dask needs Dask's distributed: pip install 'diffcompare[dask]'"
        )


# in a Dask worker process: the isolated executor of the run it serves, by its settings
_HERE: dict = {}


def _isolated(initargs: tuple):
    from diffcompare.runner.isolated import Isolated

    key = pickle.dumps(initargs)
    if key not in _HERE:
        for old in _HERE.values():
            old.close()
        _HERE.clear()
        why = initargs[0].load()  # the Sources: this process names the cases to the isolation
        if why:
            raise CaseError(f"the cases do not load on {socket.gethostname()}: {why}")
        _HERE[key] = Isolated(*initargs)
    return _HERE[key]


def _warm(initargs: tuple) -> None:
    _isolated(initargs)


def _on_worker(initargs: tuple, spec: bytes, verb: str, name: str, *args):
    """Runs in a Dask worker: one step of a case (its set-up, its oracle or one cell)
    through the worker's isolated executor; a cell's row names this host."""
    from diffcompare.form import registry
    from diffcompare.methods import by_name

    isolated = _isolated(initargs)
    if getattr(isolated, "spec", None) != spec:
        isolated.bind(pickle.loads(spec))
    case = registry.get(name)
    if verb == "problems":
        return isolated.problems(case)
    if verb == "reference":
        return isolated.reference(case, *args)
    op, dtype, method, device, failed = args
    if failed:  # the oracle killed an earlier worker: do not try it again here
        isolated.failed[(name, op, dtype)] = failed
    row = isolated.cell(case, op, dtype, by_name(method), device)
    return replace(row, host=socket.gethostname())


def _describe() -> dict:
    from diffcompare.runner.environment import describe

    return describe()


class Cluster:
    """The cells of a run on a Dask cluster: at ``address``, or a local one of
    ``workers`` processes started here (one thread each)."""

    def __init__(
        self,
        initargs: tuple,
        address: str | None = None,
        workers: int | None = None,
        timed: bool = True,
        per_host: int = 1,
    ):
        """initargs: the arguments of ``Isolated`` each worker builds (sources, time
        limit, memory limit, CUDA, methods)."""
        installed()
        import dask
        from distributed import Client, LocalCluster

        self.initargs = initargs
        self.timed, self.per_host = timed, per_host
        self.local = None
        if address:
            try:
                self.client = Client(address, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise UsageError(
                    f"--scheduler {address}: no Dask scheduler there ({exc})"
                ) from None
        else:
            import logging

            # its scheduler and nannies run here: their notes of a worker lost (what a
            # row says already) or of a Ctrl-C are not the run's output
            logging.getLogger("distributed").setLevel(logging.ERROR)
            # for as long as the cluster runs: a nanny reads it again when it restarts a worker
            self._config = dask.config.set({"distributed.worker.daemon": False})
            self.local = LocalCluster(
                n_workers=workers or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                memory_limit=0,  # the isolation inside holds each cell to --memory-limit
            )
            self.client = Client(self.local)
        # each worker sets its isolation up now (imports, a spawned process), while this
        # process does its own; the lanes' first steps queue behind it on the worker
        self._warm = [
            self.client.submit(_warm, initargs, workers=[a], pure=False)
            for a in self.client.scheduler_info(n_workers=-1)["workers"]
        ]
        self.busy: set[str] = set()  # the workers a lane holds
        self.hosts: dict[str, str] = {}  # worker address -> its host's name
        self._lanes: list[Lane] = []
        self.unused = 0

    def bind(self, plan: Plan) -> Cluster:
        self.plan = plan
        self.spec = pickle.dumps(replace(plan, cases=()))
        return self

    def workers(self) -> dict[str, str]:
        """Live workers: address -> host (the machine's name, as the worker says it)."""
        info = self.client.scheduler_info(n_workers=-1)["workers"]
        unnamed = [a for a in info if a not in self.hosts]
        if unnamed:
            self.hosts.update(self.client.run(socket.gethostname, workers=unnamed))
        return {a: self.hosts.get(a, info[a]["host"]) for a in info}

    def lanes(self) -> list[Lane]:
        """One lane per worker the run may use: one per host when timed (per_host)."""
        chosen, per, live = [], {}, self.workers()
        for address, host in sorted(live.items()):
            if self.timed and per.get(host, 0) >= self.per_host:
                continue
            per[host] = per.get(host, 0) + 1
            chosen.append(address)
        if not chosen:
            raise UsageError("the Dask cluster has no workers")
        self.unused = len(live) - len(chosen)  # the workers a timed run leaves idle
        self.busy = set(chosen)
        self._environments = self.client.run(_describe, workers=chosen)
        self._lanes = [Lane(self, a) for a in chosen]
        return self._lanes

    def environments(self) -> dict:
        """Each host's environment (versions, CPU, GPU), by host name."""
        by_address = getattr(self, "_environments", {})
        return {self.hosts.get(a, a): env for a, env in sorted(by_address.items())}

    def replacement(self, lost: str) -> str | None:
        """A live worker no lane holds, for a lane whose worker died: on the same host
        where one comes (a nanny restarts a killed worker), within REPLACEMENT_S."""
        self.busy.discard(lost)
        host = self.hosts.get(lost)
        deadline = time.monotonic() + REPLACEMENT_S
        while time.monotonic() < deadline:
            free = {a: h for a, h in self.workers().items() if a not in self.busy and a != lost}
            same = [a for a, h in free.items() if h == host]
            pick = (same or ([] if self.timed else list(free)) or [None])[0]
            if pick is not None:
                self.busy.add(pick)
                self._environments.update(self.client.run(_describe, workers=[pick]))
                return pick
            time.sleep(_POLL_S)
        return None

    def close(self) -> None:
        for lane in self._lanes:
            lane.cancel()
        self.client.close()
        if self.local is not None:
            self.local.close()
            self._config.__exit__(None, None, None)


class Lane:
    """One worker, one case at a time: the executor interface of ``runner.loop``
    (problems, reference, cell), each step a Dask task pinned to the worker."""

    def __init__(self, cluster: Cluster, address: str):
        self.cluster, self.address = cluster, address
        self.failed: dict = {}  # (case, operator, dtype) -> why its oracle failed
        self.future = None

    @property
    def host(self) -> str:
        return self.cluster.hosts.get(self.address, self.address)

    def _wait(self, verb: str, name: str, *args):
        """(result, None), or (None, (status, message)) when the worker died in it."""
        from distributed import wait

        if self.address is None:
            raise LaneLost(name)
        c = self.cluster
        self.future = c.client.submit(
            _on_worker,
            c.initargs,
            c.spec,
            verb,
            name,
            *args,
            workers=[self.address],
            allow_other_workers=False,
            pure=False,
        )
        try:
            while True:
                try:
                    wait(self.future, timeout=_POLL_S)
                except TimeoutError:  # still running: is its worker still there?
                    if self.address not in c.workers():
                        return None, self._lost()
                    continue
                return self.future.result(), None
        finally:
            self.future = None

    def _lost(self):
        """The worker died mid-step: its step is lost, and the lane moves on to another."""
        self.future.cancel()
        said = f"the Dask worker {self.address} on host {self.host} died during the cell"
        self.address = self.cluster.replacement(self.address)
        return ("error", said)

    def problems(self, case):
        found, failure = self._wait("problems", case.name)
        if failure:
            status, message = failure
            return failed_case(
                case, self.cluster.plan, status, f"setting the case up: {message}"
            ), []
        return found

    def reference(self, case, op: str, dtype: str) -> None:
        _, failure = self._wait("reference", case.name, op, dtype)
        if failure:
            self.failed[(case.name, op, dtype)] = f"the oracle: {failure[1]}"

    def cell(self, case, op: str, dtype: str, method, device: str):
        failed = self.failed.get((case.name, op, dtype), "")
        row, failure = self._wait("cell", case.name, op, dtype, method.name, device, failed)
        if failure:
            row = bare_row(case, op, dtype, method, device, *failure)
            return replace(row, threads=self.cluster.plan.threads, host=self.host)
        return row

    def cancel(self) -> None:
        future = self.future
        if future is not None:
            future.cancel()
