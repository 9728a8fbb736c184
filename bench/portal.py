"""Portal and landing pages: weight (CSS + JS per page, raw and gzipped) and time.

Starts `tular up --demo` (SQLite in a fresh data dir; e-mail goes to files in it) on a free
port, signs in to the portal as a demo referrer the way a person does — asks for a link at
/portal/sign-in and follows the link from the e-mail it received — then, for each portal page
and the landing pages: the HTML's size, every stylesheet and script it loads (fetched, summed
raw and gzipped), the number of requests, and GET times (p50, p95). Issue 9's budget: no page
over 150 kB of CSS+JS; the script never fails on a number, only when a page does not answer.

    uv run python bench/portal.py            # 20 timed requests per page
    uv run python bench/portal.py --quick    # 3 per page, for CI
"""

from __future__ import annotations

import argparse
import gzip
import re
import shutil
import statistics
import sys
import tempfile
import time
from email import message_from_bytes
from email.policy import default as email_policy
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import free_port

from console import start, stop

REFERRER = "kemitraan@majujaya.example"  # CV Maju Jaya Elektronik, a demo reseller
PROGRAM = "mitra-reseller"
ASSET = re.compile(r'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="([^"]+)"')
BUDGET = 150_000


def csrf(client: httpx.Client, html: str) -> str:
    return (
        client.cookies.get("csrftoken")
        or re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    )


def magic_link(mail_dir: Path, deadline: float) -> str:
    """The sign-in link of the newest e-mail written by the file backend."""
    while time.monotonic() < deadline:
        for path in sorted(mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True):
            for chunk in re.split(rb"\n-{70,}\n", path.read_bytes()):
                if b"/portal/link/" not in chunk:
                    continue
                message = message_from_bytes(chunk.strip(), policy=email_policy)
                body = message.get_body(("plain",)).get_content()
                found = re.search(r"https?://\S+/portal/link/\S+", body)
                if found:
                    return found[0]
        time.sleep(0.3)
    raise SystemExit("no sign-in e-mail arrived")


def sign_in(client: httpx.Client, mail_dir: Path) -> float:
    """Ask for a link and follow it; the seconds it took (the worker sends the e-mail)."""
    began = time.perf_counter()
    page = client.get("/portal/sign-in")
    answer = client.post(
        "/portal/sign-in",
        data={"email": REFERRER, "csrfmiddlewaretoken": csrf(client, page.text)},
        headers={"Referer": f"{client.base_url}/portal/sign-in"},
    )
    if answer.status_code not in {200, 302}:
        raise SystemExit(f"asking for a link failed: {answer.status_code}")
    link = magic_link(mail_dir, time.monotonic() + 60)
    path = "/" + link.split("/", 3)[3]
    confirm = client.get(path)
    answer = client.post(
        path,
        data={"csrfmiddlewaretoken": csrf(client, confirm.text)},
        headers={"Referer": f"{client.base_url}{path}"},
    )
    if answer.status_code != 302:
        raise SystemExit(f"following the link failed: {answer.status_code}")
    return time.perf_counter() - began


def weigh(client: httpx.Client, path: str, cache: dict) -> dict:
    response = client.get(path)
    html = response.content
    raw = zipped = 0
    assets = ASSET.findall(response.text)
    for url in assets:
        if url not in cache:
            body = client.get(url).content
            cache[url] = (len(body), len(gzip.compress(body, 9)))
        raw += cache[url][0]
        zipped += cache[url][1]
    return {
        "status": response.status_code,
        "html": len(html),
        "assets": len(assets),
        "raw": raw,
        "gzip": zipped,
    }


def time_page(client: httpx.Client, path: str, requests: int) -> tuple[float, float]:
    client.get(path)
    times = []
    for _ in range(requests):
        began = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 requests per page (CI)")
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    requests = 3 if args.quick else args.requests
    data_dir = Path(tempfile.mkdtemp(prefix="tular-bench-portal-"))
    port = free_port()
    server = None
    failed = False
    try:
        server = start(data_dir, port, None)
        base = f"http://127.0.0.1:{port}"
        with (
            httpx.Client(base_url=base, timeout=30) as signed,
            httpx.Client(base_url=base, timeout=30) as anonymous,
        ):
            signed_in = sign_in(signed, data_dir / "mail")
            code = re.search(r"/r/([A-Z0-9]+)", signed.get(f"/portal/p/{PROGRAM}/").text)
            pages = [
                (signed, f"/portal/p/{PROGRAM}/"),
                (signed, f"/portal/p/{PROGRAM}/activity"),
                (signed, f"/portal/p/{PROGRAM}/kit"),
                (signed, f"/portal/p/{PROGRAM}/flyer"),
                (signed, f"/portal/p/{PROGRAM}/rules"),
                (anonymous, "/portal/sign-in"),
                (anonymous, f"/join/{PROGRAM}"),
            ]
            if code:
                pages.append((anonymous, f"/join/{PROGRAM}?via={code[1]}"))
            cache: dict = {}
            rows = [
                (path, weigh(client, path, cache), time_page(client, path, requests))
                for client, path in pages
            ]
        print(
            f"portal and landing pages, SQLite, demo data, {requests} sequential requests "
            f"per page; sign-in by e-mail link took {signed_in:.1f} s (request → e-mail → session)"
        )
        print(
            f"{'page':<40} {'status':>6} {'html kB':>8} {'files':>5} {'css+js kB':>10} "
            f"{'gzip kB':>8} {'p50 ms':>7} {'p95 ms':>7}"
        )
        for path, weight, (p50, p95) in rows:
            print(
                f"{path:<40} {weight['status']:>6} {weight['html'] / 1000:>8.1f} "
                f"{weight['assets']:>5} {weight['raw'] / 1000:>10.1f} "
                f"{weight['gzip'] / 1000:>8.1f} {p50:>7.1f} {p95:>7.1f}"
            )
            failed |= weight["status"] != 200
        heaviest = max(rows, key=lambda row: row[1]["raw"])
        print(
            f"heaviest page: {heaviest[0]} {heaviest[1]['raw'] / 1000:.1f} kB of CSS+JS "
            f"(budget {BUDGET / 1000:.0f} kB)"
        )
    finally:
        if server is not None:
            stop(server)
        shutil.rmtree(data_dir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
