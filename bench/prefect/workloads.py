"""Workload 5, the Prefect side: workloads 1, 3 and 4 of bench/README.md as Prefect flows.

`python workloads.py serve` serves the three flows as deployments (a Runner polling the local
Prefect server). `python workloads.py drive` is a long-lived process that reads one JSON command
a line on stdin, runs flows in process or through the served deployments, and answers one JSON
line on stdout (prefixed with MARK, since Prefect logs to the console too), so Python start-up
and imports are never timed.
"""

import asyncio
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from prefect import flow, get_run_logger, serve, task
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.task_runners import ThreadPoolTaskRunner

MARK = "@@weft-bench "
_local = threading.local()


def _http() -> httpx.Client:
    # One keep-alive client per thread, as an HTTP task in a long-lived worker would hold.
    client = getattr(_local, "client", None)
    if client is None:
        client = _local.client = httpx.Client(timeout=30)
    return client


@task
def get(url: str) -> dict:
    response = _http().get(url)
    response.raise_for_status()
    return response.json()


@task
def set_values() -> dict:
    return {"x": 1}


@task
def log_done() -> None:
    get_run_logger().info("done")


@flow(name="bench-chain")
def chain(url: str, steps: int = 40) -> None:
    for i in range(steps):
        get(f"{url}/{i}")


@flow(name="bench-fan-out", task_runner=ThreadPoolTaskRunner(max_workers=50))
def fan_out(url: str, items: int = 100) -> None:
    get.map([f"{url}/{i}" for i in range(items)]).result()


@flow(name="bench-small")
def small(url: str) -> None:
    set_values()
    get(f"{url}/b")
    log_done()


FLOWS = {"chain": chain, "fan_out": fan_out, "small": small}


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def in_process(name: str, params: dict, count: int, concurrent: bool) -> dict:
    fn = FLOWS[name]
    if not concurrent:
        return {"ms": [timed(lambda: fn(**params)) for _ in range(count)]}
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=count) as pool:
        ms = list(pool.map(lambda _: timed(lambda: fn(**params)), range(count)))
    return {"ms": ms, "wall": (time.perf_counter() - start) * 1000}


async def served(name: str, params: dict, count: int, concurrent: bool) -> dict:
    async with get_client() as client:
        deployment = await client.read_deployment_by_name(f"{FLOWS[name].name}/bench")

        async def start():
            run = await client.create_flow_run_from_deployment(deployment.id, parameters=params)
            return run.id, time.perf_counter()

        async def finish(pending: dict) -> dict:
            # One query for every pending run at each poll, so 50 runs do not flood the server.
            done = {}
            while pending:
                await asyncio.sleep(0.05)
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
                run_id, started = await start()
                ms.extend((await finish({run_id: started})).values())
            return {"ms": ms}
        begin = time.perf_counter()
        started = dict(await asyncio.gather(*(start() for _ in range(count))))
        ms = list((await finish(started)).values())
        return {"ms": ms, "wall": (time.perf_counter() - begin) * 1000}


def drive() -> None:
    print(MARK + json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        try:
            args = (command["flow"], command["params"], command["count"], command.get("concurrent", False))
            if command["mode"] == "served":
                answer = asyncio.run(served(*args))
            else:
                answer = in_process(*args)
        except Exception as error:  # reported to the suite, which skips the workload
            answer = {"error": f"{type(error).__name__}: {error}"}
        print(MARK + json.dumps(answer), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(*(fn.to_deployment(name="bench") for fn in FLOWS.values()), print_starting_message=False)
    else:
        drive()
