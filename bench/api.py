"""Benchmark: the partner API under load, beside a plain Django JSON view of the same rows.

    .venv/bin/python bench/api.py [--families 100000] [--database st_api_bench] [--reuse]
        [--connections 32] [--duration 30] [--workers 3] [--threads 2]

Builds a dedicated PostgreSQL database (never a test database): migrate, the lead's
`seed_demo --families N`, then records a sharing agreement (plans, incidents, cohort) for every
demo grant to a partner agency (set-based, as a data migration would) and issues the police
records system a token. Starts gunicorn on 127.0.0.1 and runs wrk (loopback only, bounded by
`--duration`) against, in turn:

- `GET /api/v1/families/` (first page, 50 rows) and `GET /api/v1/families/{id}/` (random shared
  ids), with the police token: token lookup, `visible_to`, scopes, serializer, audit insert;
- the same rows from `bench/ceiling.py` (plain Django, JsonResponse, no audit): the ceiling.

Prints requests/s and p50/p95/p99 latency for each, and the API's share of the ceiling.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LUA = """
local ids = {%(ids)s}
local token = "%(token)s"
local prefix = "%(prefix)s"
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
request = function()
  local path = prefix
  if #ids > 0 then path = prefix .. ids[math.random(#ids)] .. "/" end
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "non2xx": %%d, "socket_errors": %%d, '
    .. '"p50": %%d, "p95": %%d, "p99": %%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--families", type=int, default=100_000)
    parser.add_argument("--database", default="st_api_bench")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--user", default="postgres")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (as deployed)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if args.database.startswith("test_") or args.database in {"safeguard_transitions", "st_api"}:
        sys.exit("Refusing to use a test or shared database for the benchmark.")
    if not args.database.replace("_", "").isalnum():
        sys.exit("--database: letters, digits and underscores only.")
    if args.duration > 120 or args.connections > 256:
        sys.exit("Keep the load bounded: --duration <= 120, --connections <= 256.")

    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DATABASE_URL"] = f"postgres://{args.user}@{args.host}:5432/{args.database}"
    seeded = prepare_database(args)
    token, ids, counts = prepare_access()
    print(
        f"Data: {counts['families']} families, {counts['shared']} shared with police "
        f"under agreements ({seeded})"
    )

    server = start_gunicorn(args)
    try:
        results = {}
        for name, prefix, use_ids in [
            ("API family list", "/api/v1/families/", False),
            ("ceiling list", "/bench/families/", False),
            ("API family detail", "/api/v1/families/", True),
            ("ceiling detail", "/bench/families/", True),
        ]:
            check(args.port, prefix + (f"{ids[0]}/" if use_ids else ""), token)
            results[name] = run_wrk(args, prefix, token, ids if use_ids else [])
        rss = sum(worker_rss_kib(server.pid))
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(
        f"\n{args.connections} connections, {args.duration} s each, gunicorn "
        f"{args.workers} sync workers, wrk {args.threads} threads, loopback"
    )
    print(f"{'target':<20}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'non-2xx':>10}")
    for name, r in results.items():
        print(
            f"{name:<20}{r['rps']:>10.1f}{r['p50'] / 1000:>10.1f}{r['p95'] / 1000:>10.1f}"
            f"{r['p99'] / 1000:>10.1f}{r['non2xx'] + r['socket_errors']:>10}"
        )
    for kind in ("list", "detail"):
        api, ceiling = results[f"API family {kind}"], results[f"ceiling {kind}"]
        print(
            f"API {kind}: {api['rps'] / ceiling['rps']:.0%} of the ceiling's throughput; "
            f"p95 {api['p95'] / 1000:.1f} ms (goal < 150 ms, >= 60%)"
        )
    print(f"gunicorn RSS after the run (master + workers): {rss / 1024:.0f} MiB")


def prepare_database(args: argparse.Namespace) -> str:
    psql = ["psql", "-h", args.host, "-U", args.user, "-q", "-d", "postgres", "-tAc"]
    exists = subprocess.run(
        [*psql, f"SELECT 1 FROM pg_database WHERE datname = '{args.database}'"],  # noqa: S608 (checked)
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if args.reuse and exists:
        return "reused"
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {args.database}"], check=True)
    subprocess.run([*psql, f"CREATE DATABASE {args.database}"], check=True)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], check=True, cwd=ROOT)
    started = time.monotonic()
    subprocess.run(
        [*manage, "seed_demo", "--families", str(args.families)],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    return f"seeded in {time.monotonic() - started:.0f} s"


def prepare_access() -> tuple[str, list[int], dict[str, int]]:
    """Agreements for the demo's partner grants, and a police token. Idempotent."""
    import django

    django.setup()
    from django.db import connection

    from cases.models import Agency, Family, User
    from cases.roles import Role
    from cases.services import staff_user_create
    from sharing.models import ApiClient, SharingAgreement
    from sharing.services import api_client_create, api_token_create

    manager = User.objects.get(username="manager")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO sharing_sharingagreement (family_id, agency_id, purpose, lawful_basis,
                legal_gateway, scopes, granted_by_id, starts_on, ends_on, created_at, end_reason)
            SELECT g.content_object_id, a.id, 'Demo: multi-agency safeguarding', 'public_task',
                'Children Act 2004 s11', '["plans", "incidents", "cohort"]'::jsonb, %s,
                current_date - 30, current_date + 180, now(), ''
            FROM cases_familygroupobjectpermission g
            JOIN cases_agency a ON a.group_id = g.group_id AND a.kind <> 'council'
            WHERE NOT EXISTS (SELECT 1 FROM sharing_sharingagreement s
                              WHERE s.agency_id = a.id AND s.family_id = g.content_object_id)
            """,
            [manager.pk],
        )
        # A freshly seeded database has no visibility map or statistics yet; production's
        # autovacuum would have made both. Without this the first run measures a cold table.
        cursor.execute("VACUUM (ANALYZE)")
    police = Agency.objects.get(code="police")
    admin = User.objects.filter(username="bench-police-admin").first() or staff_user_create(
        actor=None,
        username="bench-police-admin",
        password=None,
        role=Role.ADMINISTRATOR,
        agency=police,
    )
    client = ApiClient.objects.filter(agency=police, name="Bench RMS").first() or (
        api_client_create(actor=admin, agency=police, name="Bench RMS")
    )
    _, raw = api_token_create(actor=admin, client=client, name=f"bench {time.time():.0f}")
    shared = SharingAgreement.objects.in_force().filter(agency=police).exclude(family=None)
    ids = list(shared.order_by("?").values_list("family_id", flat=True)[:1000])
    counts = {"families": Family.objects.count(), "shared": shared.count()}
    connection.close()
    return raw, ids, counts


def start_gunicorn(args: argparse.Namespace) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{args.port}/healthz", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    sys.exit("gunicorn did not start")


def check(port: int, path: str, token: str) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        body = json.loads(response.read())
    if "results" in body and not body["results"]:
        sys.exit(f"{path} returned no rows: the benchmark would measure nothing")


def run_wrk(args: argparse.Namespace, prefix: str, token: str, ids: list[int]) -> dict:
    script = LUA % {"ids": ",".join(map(str, ids)), "token": token, "prefix": prefix}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        output = subprocess.run(
            [
                "wrk",
                "-t",
                str(args.threads),
                "-c",
                str(args.connections),
                "-d",
                f"{args.duration}s",
                "--timeout",
                "10s",
                "-s",
                handle.name,
                f"http://127.0.0.1:{args.port}",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=args.duration + 60,
        ).stdout
    finally:
        os.unlink(handle.name)
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1_000_000)
    return result


def worker_rss_kib(master_pid: int) -> list[int]:
    pids = [master_pid]
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    sizes = []
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]))
    return sizes


if __name__ == "__main__":
    main()
