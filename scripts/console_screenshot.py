"""Screenshots of console pages as a signed-in manager (for looking at what you build).

    uv run python scripts/console_screenshot.py http://localhost:8000 /console/programs/ out.png \
        [--width 1366] [--lang id] [--email E --password P] [--full]

Drives Debian's /usr/bin/chromium through Playwright (no browser download)."""

import argparse

from playwright.sync_api import sync_playwright

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("path")
    parser.add_argument("out")
    parser.add_argument("--width", type=int, default=1366)
    parser.add_argument("--lang", default="id")
    parser.add_argument("--email", default="manager@example.com")
    parser.add_argument("--password", default="demo-pass-123")
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(
            viewport={"width": args.width, "height": 900},
            locale=args.lang,
            extra_http_headers={"Accept-Language": args.lang},
        )
        page.goto(args.base + "/console/login/")
        page.fill("input[name=username]", args.email)
        page.fill("input[name=password]", args.password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(args.base + args.path)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=args.out, full_page=args.full)
        browser.close()


if __name__ == "__main__":
    main()
