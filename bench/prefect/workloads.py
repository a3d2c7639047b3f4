"""Workload 5, the Prefect side: workloads 1, 3 and 4 of bench/README.md and the anchor chain
(workload 18) as Prefect flows, and as background tasks for Prefect's task-worker path.

`python workloads.py serve` serves the flows as deployments (a Runner polling the local Prefect
server). `python workloads.py tasks` is a task worker serving the background tasks.
`python workloads.py drive` is a long-lived process that reads one JSON command a line on stdin,
runs flows in process, through the served deployments or as background tasks, and answers one
JSON line on stdout (prefixed with MARK, since Prefect logs to the console too), so Python
start-up and imports are never timed.
"""

import asyncio
import collections
import cProfile
import io
import json
import pstats
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from prefect import flow, get_run_logger, serve, task
from prefect.cache_policies import NONE as NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.task_worker import serve as serve_tasks

MARK = "@@weft-bench "
# Weft's worker runs at most 100 activities and 100 workflow tasks at once (bench/harness.ts);
# the runner and the task worker get the same limit.
WORKER_LIMIT = 100
# A burst submits its runs with at most this many submissions in flight, on every side: Prefect's
# API client opens at most 16 connections, and Weft's bursts start their runs through the same
# bound (SUBMIT_IN_FLIGHT in bench/workloads.ts).
SUBMIT_IN_FLIGHT = 16
# Prefect's default: results are not persisted, which its docs give as the default and which
# writes nothing per task; no cache policy, so no cache key (a hash of the inputs and the
# task's source) is computed per task run either. Background tasks store their parameters and
# results all the same: a task worker must read them.
FAST = {"persist_result": False, "cache_policy": NO_CACHE}
_local = threading.local()


def _http() -> httpx.Client:
    # One keep-alive client per thread, as an HTTP task in a long-lived worker would hold.
    client = getattr(_local, "client", None)
    if client is None:
        client = _local.client = httpx.Client(timeout=30)
    return client


def _call(url: str) -> dict:
    response = _http().get(url)
    response.raise_for_status()
    return response.json()


def fib(n: int) -> int:
    return n if n < 2 else fib(n - 1) + fib(n - 2)


@task(**FAST)
def get(url: str) -> dict:
    return _call(url)


@task(**FAST)
def fib_task(n: int) -> int:
    return fib(n)


@task(**FAST)
def small_task(url: str) -> dict:
    # A whole small run as one background task: the set and the log in its body.
    values = {"x": 1}
    _call(f"{url}/b")
    get_run_logger().info("done")
    return values


@flow(name="bench-chain")
def chain(url: str, steps: int = 40) -> None:
    for i in range(steps):
        get(f"{url}/{i}")


@flow(name="bench-fan-out", task_runner=ThreadPoolTaskRunner(max_workers=50))
def fan_out(url: str, items: int = 100) -> None:
    get.map([f"{url}/{i}" for i in range(items)]).result()


@flow(name="bench-small")
def small(url: str) -> dict:
    # Weft's small run sets a value and logs in the workflow, without an activity: here in the
    # flow body, without a task run. The GET is the one task, as it is Weft's one activity.
    values = {"x": 1}
    get(f"{url}/b")
    get_run_logger().info("done")
    return values


@flow(name="bench-fib-chain")
def fib_chain(steps: int = 40, n: int = 10) -> None:
    for _ in range(steps):
        fib_task(n)


FLOWS = {"chain": chain, "fan_out": fan_out, "small": small, "fib_chain": fib_chain}


def _tasks_chain(url: str, steps: int = 40) -> None:
    for i in range(steps):
        get.delay(f"{url}/{i}").result()


def _tasks_fan_out(url: str, items: int = 100) -> None:
    # 50 lanes, as the flow's task runner and Weft's foreach: at most 50 task runs at once.
    with ThreadPoolExecutor(max_workers=50) as pool:
        list(pool.map(lambda i: get.delay(f"{url}/{i}").result(), range(items)))


def _tasks_small(url: str) -> None:
    small_task.delay(url).result()


def _tasks_fib_chain(steps: int = 40, n: int = 10) -> None:
    for _ in range(steps):
        fib_task.delay(n).result()


BACKGROUND = {"chain": _tasks_chain, "fan_out": _tasks_fan_out, "small": _tasks_small, "fib_chain": _tasks_fib_chain}
# How a burst's run is submitted and then awaited, for the bounded submission.
BACKGROUND_SPLIT = {"small": (lambda url: small_task.delay(url), lambda future: future.result())}


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def in_process(name: str, params: dict, count: int, concurrent: bool) -> dict:
    fn = FLOWS[name]
    if not concurrent:
        return {"ms": [timed(lambda: fn(**params)) for _ in range(count)]}
    # A flow called in process submits nothing: each run is its own thread from the start.
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=count) as pool:
        ms = list(pool.map(lambda _: timed(lambda: fn(**params)), range(count)))
    return {"ms": ms, "wall": (time.perf_counter() - start) * 1000}


def background(name: str, params: dict, count: int, concurrent: bool) -> dict:
    if not concurrent:
        fn = BACKGROUND[name]
        return {"ms": [timed(lambda: fn(**params)) for _ in range(count)]}
    submit, finish = BACKGROUND_SPLIT[name]
    gate = threading.Semaphore(SUBMIT_IN_FLIGHT)
    begin = time.perf_counter()

    def one(_: int) -> float:
        # Each run's clock starts with the burst, before it waits for a submission slot.
        with gate:
            future = submit(**params)
        finish(future)
        return (time.perf_counter() - begin) * 1000

    with ThreadPoolExecutor(max_workers=count) as pool:
        ms = list(pool.map(one, range(count)))
    return {"ms": ms, "wall": (time.perf_counter() - begin) * 1000}


async def served(name: str, params: dict, count: int, concurrent: bool) -> dict:
    async with get_client() as client:
        deployment = await client.read_deployment_by_name(f"{FLOWS[name].name}/bench")
        gate = asyncio.Semaphore(SUBMIT_IN_FLIGHT)

        async def start(began: float):
            # The clock started before the create call (and before waiting for a submission slot).
            async with gate:
                run = await client.create_flow_run_from_deployment(deployment.id, parameters=params)
            return run.id, began

        async def finish(pending: dict) -> dict:
            # One query for every pending run at each poll, so a burst does not flood the server.
            done = {}
            while pending:
                await asyncio.sleep(0.02 if len(pending) == 1 else 0.05)
                runs = await client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=list(pending))))
                now = time.perf_counter()
                for run in runs:
                    if run.state is not None and run.state.is_final():
                        if not run.state.is_completed():
                            raise RuntimeError(f"prefect run {run.id} ended {run.state.type}: {run.state.message}")
                        done[run.id] = (now - pending.pop(run.id)) * 1000
            return done

        if not concurrent:
            ms = []
            for _ in range(count):
                run_id, began = await start(time.perf_counter())
                ms.extend((await finish({run_id: began})).values())
            return {"ms": ms}
        begin = time.perf_counter()
        started = dict(await asyncio.gather(*(start(begin) for _ in range(count))))
        ms = list((await finish(started)).values())
        return {"ms": ms, "wall": (time.perf_counter() - begin) * 1000}


def profile(name: str, params: dict, count: int, out: str) -> dict:
    """Runs a flow in process `count` times under cProfile, counting the HTTP requests it sends
    (to Prefect's API and to the loopback server), and writes both to `out`."""
    requests = collections.Counter()
    originals = []
    for cls in (httpx.Client, httpx.AsyncClient):
        original = cls.send
        originals.append((cls, original))
        label = lambda r: f"{r.method} {re.sub(r'/[0-9]+$', '/{n}', re.sub(r'[0-9a-f-]{36}', '{id}', r.url.path))}"  # noqa: E731
        if cls is httpx.Client:

            def send(self, request, *a, _o=original, **k):
                requests[label(request)] += 1
                return _o(self, request, *a, **k)
        else:

            async def send(self, request, *a, _o=original, **k):
                requests[label(request)] += 1
                return await _o(self, request, *a, **k)

        cls.send = send
    fn = FLOWS[name]
    fn(**params)
    requests.clear()
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for _ in range(count):
        fn(**params)
    profiler.disable()
    wall = (time.perf_counter() - start) * 1000
    for cls, original in originals:
        cls.send = original
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    # Task and flow run states reach the server as events over a websocket, not as HTTP requests.
    events = sum(v[1] for (file, _, fn), v in stats.stats.items() if fn == "emit_event" and file.endswith("events/utilities.py"))
    stats.sort_stats("cumulative").print_stats(60)
    with open(out, "w") as f:
        f.write(f"{count} runs of {name} {json.dumps(params)}: {wall / count:.1f} ms a run under the profiler\n")
        f.write("HTTP requests per run:\n")
        for key, n in requests.most_common():
            f.write(f"  {n / count:7.1f}  {key}\n")
        f.write(f"events emitted per run: {events / count:.1f}\n")
        f.write(text.getvalue())
    return {"ms": [wall / count]}


def drive() -> None:
    print(MARK + json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        try:
            args = (command["flow"], command["params"], command["count"], command.get("concurrent", False))
            if command["mode"] == "served":
                answer = asyncio.run(served(*args))
            elif command["mode"] == "tasks":
                answer = background(*args)
            elif command["mode"] == "profile":
                answer = profile(command["flow"], command["params"], command["count"], command["out"])
            else:
                answer = in_process(*args)
        except Exception as error:  # reported to the suite, which skips the measurement
            answer = {"error": f"{type(error).__name__}: {error}"}
        print(MARK + json.dumps(answer), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(*(fn.to_deployment(name="bench") for fn in FLOWS.values()), limit=WORKER_LIMIT, print_starting_message=False)
    elif sys.argv[1] == "tasks":
        serve_tasks(get, fib_task, small_task, limit=WORKER_LIMIT)
    else:
        drive()
