"""Tracking throughput: `POST /api/v1/track/sale` and `/track/signup` against the redirect on
the same server, in the same run, at 10k and at 1M existing sales, on SQLite and PostgreSQL.

For each target (`--targets`):

1. a fresh data dir (on PostgreSQL a fresh database `tular_trackbench_<pid>_<random>`);
   `tular apikey create` migrates and prints a secret key;
2. `tular serve` with its defaults on a free 127.0.0.1 port; through the API a program
   `bench` with four rules (a sale percent for the referrer with a tier and a monthly cap, a
   sale percent for the friend, a fixed sign-up reward for the friend, a perk for the
   referrer at sign-up) and one participant whose code the redirect is driven with;
3. `bench/track_data.py seed`: `--referrers` referrers and `--customers` referred customers
   (set-based SQL);
4. for each level of `--levels` (existing sales; `track_data.py history` adds what is missing
   with set-based SQL, tracked events, conversions, rewards and ledger entries), with wrk at
   `--connections` connections for `--duration` seconds each: the redirect `GET /r/CODE`,
   then `track/sale` (a fresh event_id and invoice per request, the customers in turn), then
   `track/signup` (a fresh customer per request, by a referrer's code);
5. counts the tracked events, sales and sign-ups in the database against the 201s wrk received
   (every acknowledged event must be there) and prints one table.

    uv run python bench/track.py                         # 10k and 1M sales, both databases
    uv run python bench/track.py --quick                 # tiny, for CI
    uv run python bench/track.py --targets sqlite --levels 10000 --duration 5

Columns: events/s (wrk's requests per second), p50/p99 (ms), % of the redirect's req/s in the
same run, server CPU µs per event (all the server's processes; steadier than req/s on a shared
machine), 201s / rows found. Never fails on a number; fails when an acknowledged event is
missing or a request failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from redirect import (  # noqa: E402
    HOST,
    PG_BASE_URL,
    Processes,
    api_post,
    ensure_tools,
    first_redirect,
    free_port,
    group_cpu_seconds,
    log,
    wait_http,
)

RULES = [
    {
        "trigger": "sale",
        "recipient": "referrer",
        "kind": "percent",
        "percent": "10",
        "duration_months": 12,
        "tiers": [{"min_conversions": 5, "percent": "15"}],
        "cap": {"amount": 50_000_000, "period": "month"},
    },
    {
        "trigger": "sale",
        "recipient": "friend",
        "kind": "percent",
        "percent": "5",
        "duration_months": 12,
    },
    {"trigger": "signup", "recipient": "friend", "kind": "fixed", "amount": 5_000_000},
    {"trigger": "signup", "recipient": "referrer", "kind": "perk", "perk": "Kaos Tular"},
]
PROGRAM = {
    "slug": "bench",
    "name": "Bench",
    "kind": "customer",
    "currency": "IDR",
    "destination_url": "https://toko.example/daftar",
    "allowed_hosts": ["toko.example"],
    "attribution": {"model": "last_touch", "window_days": 30},
    "hold_days": 14,
    "clawback_days": 60,
    "monetary_rewards_allowed": True,
    "rules": RULES,
}
PARTICIPANT = {
    "program": "bench",
    "external_id": "bench_link",
    "email": "link@bench.example",
    "name": "Bench link",
    "kind": "customer",
    "locale": "id",
}

# One wrk script for all three: `mode` (redirect, sale, signup) and the run's prefix come as
# script arguments. Each thread numbers its requests; 201s are counted per thread.
WRK_SCRIPT = r"""
local threads = {}
local next_id = 1
function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local mode, prefix, customers, referrers, key
n, created, others = 0, 0, 0  -- globals: done() reads them per thread
function init(args)
  mode, prefix = args[1], args[2]
  customers, referrers, key = tonumber(args[3]), tonumber(args[4]), args[5]
  prefix = prefix .. "-" .. tid
  if mode ~= "redirect" then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Authorization"] = "Bearer " .. key
  end
end

function request()
  if mode == "redirect" then return wrk.format() end
  n = n + 1
  local event = prefix .. "-" .. n
  local body
  if mode == "sale" then
    local customer = ((n * 7 + tid * 13) % customers) + 1
    body = string.format(
      '{"event_id":"%s","customer_external_id":"cust-%d","amount":%d,"currency":"IDR",'
      .. '"invoice_id":"%s"}', event, customer, 1000000 + (n % 7) * 250000, event)
  else
    local referrer = ((n + tid * 17) % referrers) + 1
    body = string.format(
      '{"event_id":"%s","code":"TRK%d","customer":{"external_id":"%s",'
      .. '"email":"%s@bench.example","name":"Bench friend"}}', event, referrer, event, event)
  end
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 201 or status == 302 then created = created + 1 else others = others + 1 end
end

done = function(summary, latency, requests)
  local ok, bad = 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("created")
    bad = bad + thread:get("others")
  end
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %.6f, "ok": %d, "other_status": %d, '
    .. '"socket_errors": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration / 1e6, ok, bad,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def wrk(url: str, *, mode: str, prefix: str, args, key: str, duration: float, work: Path):
    script = work / "track.lua"
    script.write_text(WRK_SCRIPT)
    command = [
        "wrk",
        "-t2",
        f"-c{args.connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
        "--",
        mode,
        prefix,
        str(args.customers),
        str(args.referrers),
        key,
    ]
    ran = subprocess.run(command, capture_output=True, text=True)
    if ran.returncode != 0:
        raise RuntimeError(f"wrk failed:\n{ran.stdout}{ran.stderr}")
    output = ran.stdout
    for line in output.splitlines():
        if line.startswith("BENCH "):
            return json.loads(line[6:])
    raise RuntimeError(f"no report from wrk:\n{output}")


def data(env: dict, *arguments: str) -> dict:
    made = subprocess.run(
        [sys.executable, str(HERE / "track_data.py"), *arguments],
        env=env,
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        raise RuntimeError(f"track_data.py {' '.join(arguments)} failed:\n{made.stderr}")
    return json.loads(made.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def postgres_database():
    name = f"tular_trackbench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    pg = ["-h", "127.0.0.1", "-U", "postgres"]
    subprocess.run(["createdb", *pg, name], check=True)
    try:
        yield f"{PG_BASE_URL}/{name}"
    finally:
        subprocess.run(["dropdb", *pg, "--if-exists", "--force", name], check=False)


def load() -> str:
    return os.getloadavg().__repr__()


def bench_target(target: str, args, procs: Processes, work: Path) -> list[dict]:
    data_dir = work / f"data-{target}"
    data_dir.mkdir()
    rows = []
    with contextlib.ExitStack() as stack:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TULAR_")}
        env.pop("DATABASE_URL", None)
        # The per-key rate limit (6000/min per process by default) would cap one key's
        # events below what is measured here: lifted, as a shop expecting bursts sets it.
        env.update(
            TULAR_DATA_DIR=str(data_dir),
            TULAR_LOG_LEVEL="WARNING",
            TULAR_API_RATE_LIMIT="10000000/min",
        )
        if target == "postgres":
            env["DATABASE_URL"] = stack.enter_context(postgres_database())
        tular = [sys.executable, "-m", "tular.cli"]
        created = subprocess.run(
            [*tular, "apikey", "create"], env=env, capture_output=True, text=True, check=True
        )
        key = created.stdout.strip().splitlines()[-1]
        port = free_port()
        base = f"http://{HOST}:{port}"
        log_path = work / f"serve-{target}.log"
        server = procs.start(
            [*tular, "serve", "--host", HOST, "--port", str(port), *serve_options(args)],
            env=env,
            log_path=log_path,
        )
        stack.callback(procs.stop, server)
        wait_http(f"{base}/healthz", server, log_path)
        api_post(base, key, "/api/v1/programs", PROGRAM)
        code = api_post(base, key, "/api/v1/participants", PARTICIPANT)["code"]
        first_redirect(f"{base}/r/{code}")
        seeded = data(env, "seed", "--referrers", str(args.referrers), "--customers",
                      str(args.customers))  # fmt: skip
        log(f"{target}: seeded {json.dumps(seeded)}")
        urls = {
            "redirect": f"{base}/r/{code}",
            "sale": f"{base}/api/v1/track/sale",
            "signup": f"{base}/api/v1/track/signup",
        }
        for level in args.levels:
            began = time.perf_counter()
            history = data(env, "history", "--sales", str(level))
            log(f"{target}: {level:,} sales in {time.perf_counter() - began:.0f} s {history}")
            run = f"r{uuid.uuid4().hex[:8]}"
            for mode in ("sale", "signup"):  # warm every process up (caches, plans)
                wrk(urls[mode], mode=mode, prefix=f"{run}w", args=args, key=key,
                    duration=args.warmup, work=work)  # fmt: skip
            measured = {}
            for mode in ("redirect", "sale", "signup"):
                cpu = group_cpu_seconds(server.pid)
                report = wrk(urls[mode], mode=mode, prefix=f"{run}{mode[:2]}", args=args,
                             key=key, duration=args.duration, work=work)  # fmt: skip
                report["cpu_s"] = group_cpu_seconds(server.pid) - cpu
                report["load"] = os.getloadavg()[0]
                measured[mode] = report
            time.sleep(1)  # requests in flight when wrk stopped finish
            sales = data(env, "count", "--prefix", f"{run}sa")
            signups = data(env, "count", "--prefix", f"{run}si")
            in_db = {"redirect": None, "sale": sales["sales"], "signup": signups["signups"]}
            redirect_rps = measured["redirect"]["requests"] / measured["redirect"]["seconds"]
            for mode, report in measured.items():
                rows.append(
                    {
                        "target": target,
                        "sales": level,
                        "mode": mode,
                        "rps": report["requests"] / report["seconds"],
                        "p50_ms": report["p50_us"] / 1000,
                        "p99_ms": report["p99_us"] / 1000,
                        "share": report["requests"] / report["seconds"] / redirect_rps,
                        "cpu_us": 1e6 * report["cpu_s"] / max(1, report["ok"]),
                        "ok": report["ok"],
                        "failed": report["other_status"] + report["socket_errors"],
                        "load": report["load"],
                        "in_db": in_db[mode],
                    }
                )
            print_rows(rows[-3:])
    return rows


def print_rows(rows: list[dict]) -> None:
    header = (
        f"| {'db':<8} | {'sales':>9} | {'request':<8} | {'per s':>7} | {'p50 ms':>7} | "
        f"{'p99 ms':>7} | {'% redirect':>10} | {'CPU µs/ev':>9} | {'2xx / in db':>13} | "
        f"{'failed':>6} | {'load':>4} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(cell) + 0) for cell in header.split("|")[1:-1]) + "|")
    for row in rows:
        found = "-" if row["in_db"] is None else f"{row['ok']} / {row['in_db']}"
        share = "-" if row["mode"] == "redirect" else f"{100 * row['share']:.1f} %"
        print(
            f"| {row['target']:<8} | {row['sales']:>9,} | {row['mode']:<8} | {row['rps']:>7,.0f} | "
            f"{row['p50_ms']:>7.1f} | {row['p99_ms']:>7.1f} | {share:>10} | "
            f"{row['cpu_us']:>9,.0f} | {found:>13} | {row['failed']:>6} | {row['load']:>4.1f} |",
            flush=True,
        )


def serve_options(args) -> list[str]:
    extra = ["--workers", str(args.workers)] if args.workers else []
    return extra + (["--threads", str(args.threads)] if args.threads else [])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny inputs, 1 s runs (CI)")
    parser.add_argument("--targets", default="sqlite,postgres")
    parser.add_argument("--levels", default="10000,1000000", help="existing sales, in order")
    parser.add_argument("--duration", type=float, default=10, help="seconds per wrk run (10)")
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--referrers", type=int, default=100)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--workers", type=int, help="tular serve --workers (default: its own)")
    parser.add_argument("--threads", type=int, help="tular serve --threads (default: its own)")
    args = parser.parse_args()
    if args.quick:
        args.levels, args.duration, args.warmup = "200,1000", 1, 1
        args.referrers, args.customers = 10, 50
    args.levels = [int(level) for level in args.levels.split(",")]
    ensure_tools()
    procs = Processes()
    rows: list[dict] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="tular-bench-track-") as tmp:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        try:
            for target in args.targets.split(","):
                try:
                    rows += bench_target(target.strip(), args, procs, Path(tmp))
                except (RuntimeError, subprocess.CalledProcessError, OSError) as exc:
                    failed = True
                    log(f"{target} failed: {exc}")
        finally:
            procs.stop_all()
    served = " ".join(serve_options(args)) or "(defaults)"
    print(f"\nwrk -t2 -c{args.connections} -d{args.duration:g}s; tular serve {served}")
    print_rows(rows)
    by = {(r["target"], r["sales"], r["mode"]): r for r in rows}
    low, high = args.levels[0], args.levels[-1]
    for (target, sales, mode), row in sorted(by.items()):
        if sales == high and high != low and mode != "redirect" and (target, low, mode) in by:
            base = by[(target, low, mode)]
            print(
                f"{target} {mode}: cost per event at {high:,} / at {low:,} sales: "
                f"CPU {row['cpu_us'] / base['cpu_us']:.2f}x, time "
                f"{base['rps'] / row['rps']:.2f}x"
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    lost = [r for r in rows if r["in_db"] is not None and r["in_db"] < r["ok"]]
    for row in lost:
        log(f"{row['target']} {row['mode']}: {row['ok'] - row['in_db']} acknowledged, not stored")
    bad = [r for r in rows if r["failed"]]
    for row in bad:
        log(f"{row['target']} {row['mode']} at {row['sales']:,}: {row['failed']} failed requests")
    return 1 if failed or lost or bad else 0


if __name__ == "__main__":
    sys.exit(main())
