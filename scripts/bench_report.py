"""Turns the raw oha reports of scripts/bench.sh into the results table of docs/benchmarks.md.

Usage: bench_report.py OUT_DIR ROUNDS RATE
Each number is the median over the rounds; ratios are computed from those medians.
"""

import json
import statistics
import sys
from pathlib import Path

SCENARIOS = [
    ("page-open", "SSR page, unguarded"),
    ("page-token", "same page, guarded by the JWT claims"),
    ("page-store", "same page, guarded by a session-store lookup (Redis)"),
    ("fn-open", "server function, unguarded"),
    ("fn-guarded", "server function, guarded (signed in, session confirmed in Redis)"),
    ("refresh", "refresh rotation (`/api/refresh`, 16 logins, each answer's cookie followed)"),
]
HASH_PERMITS = 1  # the server runs on one core, so PASSWORD_HASH_CONCURRENCY defaults to 1
HASH_MIB = 19


def report(path: Path) -> dict:
    return json.loads(path.read_text())


def ms(seconds) -> float:
    return (seconds or 0.0) * 1000.0


def statuses(data: dict) -> str:
    counts = data.get("statusCodeDistribution", {})
    errors = data.get("errorDistribution", {})
    parts = [f"{code}: {count}" for code, count in sorted(counts.items())]
    parts += [f"{error}: {count}" for error, count in errors.items()]
    return ", ".join(parts) or "none"


def median_of(out: Path, name: str, kind: str, rounds: int, pick) -> float:
    return statistics.median(pick(report(out / f"{name}.{kind}.{r}.json")) for r in range(1, rounds + 1))


def main() -> None:
    out, rounds, rate = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    rows, medians = [], {}
    for name, label in SCENARIOS:
        throughput = median_of(out, name, "max", rounds, lambda d: d["summary"]["requestsPerSec"])
        p50 = median_of(out, name, "rate", rounds, lambda d: ms(d["latencyPercentiles"]["p50"]))
        p99 = median_of(out, name, "rate", rounds, lambda d: ms(d["latencyPercentiles"]["p99"]))
        requests = median_of(out, name, "rate", rounds, lambda d: sum(d.get("statusCodeDistribution", {}).values()))
        redis = statistics.median(
            int((out / f"{name}.redis.{r}").read_text()) - int((out / f"idle.redis.{r}").read_text())
            for r in range(1, rounds + 1)
        )
        per_request = max(redis, 0) / requests if requests else float("nan")
        medians[name] = {"throughput": throughput, "p50": p50, "p99": p99, "redis": per_request}
        last = report(out / f"{name}.max.{rounds}.json")
        rows.append(
            f"| {label} | {throughput:,.0f} | {p50:.2f} | {p99:.2f} | {per_request:.2f} | {statuses(last)} |"
        )

    storm_page = report(out / "storm.page.json")
    storm_logins = report(out / "storm.logins.json")
    storm_p99 = ms(storm_page["latencyPercentiles"]["p99"])
    idle_rss = int((out / "storm.idle_rss_kib").read_text()) / 1024
    peak_path = out / "storm.peak_rss_kib"
    peak_rss = int(peak_path.read_text()) / 1024 if peak_path.exists() else idle_rss
    growth = peak_rss - idle_rss
    memory_bound = HASH_PERMITS * HASH_MIB + 20

    def ratio(a: str, b: str, key: str) -> float:
        return medians[a][key] / medians[b][key] if medians[b][key] else float("nan")

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    token_vs_open = ratio("page-token", "page-open", "throughput")
    store_vs_open = ratio("page-store", "page-open", "throughput")
    storm_ratio = storm_p99 / medians["page-token"]["p99"] if medians["page-token"]["p99"] else float("nan")
    print(f"Rounds: {rounds}; fixed rate for latencies: {rate} requests/s; medians over rounds.\n")
    print("| scenario | throughput (req/s) | p50 (ms) | p99 (ms) | Redis commands / request | statuses (last round) |")
    print("|---|---:|---:|---:|---:|---|")
    print("\n".join(rows))
    print()
    print("| target | measured | verdict |")
    print("|---|---|---|")
    print(f"| JWT-guarded / unguarded page throughput ≥ 0.95 | {token_vs_open:.3f} | {verdict(token_vs_open >= 0.95)} |")
    print(f"| session-store-guarded / unguarded page throughput (the seed's comparison) | {store_vs_open:.3f} | for reference |")
    print(
        f"| guarded / unguarded server function throughput | {ratio('fn-guarded', 'fn-open', 'throughput'):.3f} | for reference |"
    )
    refresh_vs_page = ratio("refresh", "page-token", "throughput")
    print(
        f"| refresh / JWT-guarded page throughput ≥ 0.5 | {refresh_vs_page:.3f} | {verdict(refresh_vs_page >= 0.5)} |"
    )
    redis_per_page = medians["page-token"]["redis"]
    print(f"| Redis commands per JWT-guarded page request = 0 | {redis_per_page:.3f} | {verdict(redis_per_page < 0.005)} |")
    print(
        f"| guarded page p99 during the login storm ≤ 2 × idle | {storm_p99:.2f} ms vs {medians['page-token']['p99']:.2f} ms "
        f"(× {storm_ratio:.2f}) | {verdict(storm_ratio <= 2.0)} |"
    )
    print(
        f"| server memory growth during the storm ≤ {memory_bound} MiB ({HASH_PERMITS} hashing permit × {HASH_MIB} MiB + 20 MiB) "
        f"| {growth:.1f} MiB (idle {idle_rss:.1f} MiB, peak {peak_rss:.1f} MiB) | {verdict(growth <= memory_bound)} |"
    )
    print(
        f"| excess logins shed quickly (429/503) | logins: {statuses(storm_logins)}; "
        f"p50 {ms(storm_logins['latencyPercentiles']['p50']):.1f} ms, p99 {ms(storm_logins['latencyPercentiles']['p99']):.1f} ms | see statuses |"
    )

    weight = out / "weight"
    if weight.exists():
        print()
        print("| first load of /login | gzip -9 (KB) | raw (KB) |")
        print("|---|---:|---:|")
        total_gz = total_raw = 0
        for line in weight.read_text().split("\n"):
            if not line.strip():
                continue
            part, gz, raw = line.split()
            total_gz += int(gz)
            total_raw += int(raw)
            print(f"| {part} | {int(gz) / 1024:.1f} | {int(raw) / 1024:.1f} |")
        print(f"| **total** (target ≤ 150 KB gzip) | **{total_gz / 1024:.1f}** | {total_raw / 1024:.1f} |")


if __name__ == "__main__":
    main()
