"""Screenshots of portal pages as a signed-in referrer (for looking at what you build).

    TULAR_DATA_DIR=<the server's> uv run python scripts/portal_screenshot.py \
        http://localhost:8000 /portal/p/<slug>/ out.png --email andi@example.com \
        [--workspace SLUG] [--width 360] [--lang id] [--full] [--pdf out.pdf]

Opens a portal session straight in the server's database (the session a used magic link opens:
tular.portal.access.SESSION_KEY, the language chosen), sets it as the `sessionid` cookie and
drives Debian's /usr/bin/chromium through Playwright (no browser download). Run it with the
same TULAR_DATA_DIR as the server. --pdf prints the page as Chromium's print would (print CSS).
"""

import argparse
import os
from urllib.parse import urlsplit

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def portal_session(*, email: str, workspace_slug: str | None, language: str) -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tular.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.utils.module_loading import import_string

    from tular.participants.models import Participant
    from tular.portal.access import LANGUAGE_KEY, SESSION_KEY

    participants = Participant.objects.filter(email_normalised=email.strip().lower())
    if workspace_slug:
        participants = participants.filter(workspace__slug=workspace_slug)
    participant = participants.first()
    if participant is None:
        raise SystemExit(f"no participant with the e-mail {email}")
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    store[SESSION_KEY] = {
        "workspace": participant.workspace_id,
        "email": participant.email_normalised,
    }
    store[LANGUAGE_KEY] = language
    store.create()
    return store.session_key


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("path")
    parser.add_argument("out")
    parser.add_argument("--email", default="andi@example.com")
    parser.add_argument("--workspace")
    parser.add_argument("--width", type=int, default=360)
    parser.add_argument("--lang", default="id")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--pdf")
    args = parser.parse_args()
    key = portal_session(email=args.email, workspace_slug=args.workspace, language=args.lang)

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        context = browser.new_context(
            viewport={"width": args.width, "height": 800},
            locale=args.lang,
            extra_http_headers={"Accept-Language": args.lang},
        )
        host = urlsplit(args.base).hostname
        context.add_cookies([{"name": "sessionid", "value": key, "domain": host, "path": "/"}])
        page = context.new_page()
        page.goto(args.base + args.path)
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            print(f"warning: the page scrolls sideways by {overflow} px")
        page.screenshot(path=args.out, full_page=args.full)
        if args.pdf:
            page.pdf(path=args.pdf, prefer_css_page_size=True, print_background=True)
        browser.close()


if __name__ == "__main__":
    main()
