"""Fails the benchmark run when a scenario answered anything but what it should: a page or
function scenario that got redirected, refused or a server error measured the wrong thing, and
its numbers would be meaningless.

Usage: python3 scripts/bench_check.py OUT_DIR
"""
import json
import os
import re
import sys

# File name pattern -> the statuses its requests may get.
EXPECTED = [
    (r"^(page-open|page-open-signed-in|page-token|page-recent|page-store|fn-open|fn-guarded)\.(max|rate)\.\d+\.json$", {"200"}),
    (r"^refresh\.(max|rate)\.\d+\.json$", {"200"}),
    (r"^storm-idle\.\d+\.json$", {"200"}),
    (r"^(storm|flood)\.\d+\.page\.json$", {"200"}),
    # Sign-ins beyond what the hashing queue holds are shed: 503 (or 429 once throttled).
    (r"^(storm|flood)\.\d+\.logins\.json$", {"200", "429", "503"}),
]


def browser_problems(out: str) -> list:
    """The Chromium first-load measurement (browser.json; absent in runs made before it existed):
    every page measured, each first visit seen to transfer the document and the stylesheet (or
    the byte counts would be meaningless), and the JavaScript and WASM exactly where the page has
    an island. Its targets are the report's, not checked here."""
    path = os.path.join(out, "browser.json")
    if not os.path.exists(path):
        return []
    with open(path) as file:
        browser = json.load(file)
    problems = [f"browser.json: {e['path']}: {e['error']}" for e in browser.get("errors", [])]
    if not browser.get("pages"):
        problems.append("browser.json: no page measured")
    for page in browser.get("pages", []):
        for number, run in enumerate(page["runs"], 1):
            first = run["first"]
            where = f"browser.json: {page['path']} run {number}: first visit"
            missing = [kind for kind in ("document", "css") if first["bytes"][kind] <= 0]
            if missing:
                problems.append(f"{where} transferred no {', '.join(missing)}")
            # A page with an island loads the JavaScript and WASM; a page without must not.
            islands = first.get("islands", 1)  # runs made before islands were counted had some
            code = [kind for kind in ("script", "wasm") if first["bytes"][kind] > 0]
            if islands > 0 and len(code) < 2:
                problems.append(f"{where} has islands but did not load both the JavaScript and the WASM")
            if islands == 0 and code:
                problems.append(f"{where} has no island but loaded {', '.join(code)}")
    return problems


def main(out: str) -> int:
    problems, checked = [], 0
    for name in sorted(os.listdir(out)):
        allowed = next((ok for pattern, ok in EXPECTED if re.match(pattern, name)), None)
        if allowed is None:
            continue
        with open(os.path.join(out, name)) as file:
            counts = json.load(file).get("statusCodeDistribution", {})
        checked += 1
        if not counts:
            problems.append(f"{name}: no answers at all")
        unexpected = {status: n for status, n in counts.items() if status not in allowed}
        if unexpected:
            problems.append(f"{name}: unexpected statuses {unexpected} (allowed {sorted(allowed)})")
    if checked == 0:
        problems.append("no scenario results found")
    problems += browser_problems(out)
    for problem in problems:
        print(f"bench check: {problem}", file=sys.stderr)
    print(f"bench check: {checked} scenario results, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
