"""WSGI entry point, served by granian (`tular serve`).

`application` is Django behind the fast paths for `/r/` (tular.tracking.fastpath) and for
`POST /api/v1/track/sale` and `/track/signup` (tular.api.fastpath). Granian
loads `serving_application()` in each of its worker processes: the same application, and a
background thread that loads the rest of the URL map (the API, the Stripe webhook) while the
worker already answers, so a fresh server answers `/healthz` as soon as it listens. On SQLite
each worker also checkpoints the WAL in a thread of its own (tular.core.checkpoint).
"""

import logging
import os
import threading

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tular.settings")

from django.core.wsgi import get_wsgi_application

from tular.api import fastpath as api_fastpath
from tular.tracking.fastpath import wrap

logger = logging.getLogger(__name__)

django_application = get_wsgi_application()
application = wrap(api_fastpath.wrap(django_application))


def serving_application():
    """For granian (factory=True): the application, with the rest loading in the background."""
    threading.Thread(target=_load_everything, name="tular-load", daemon=True).start()
    _start_checkpoints()
    return application


def _start_checkpoints() -> None:
    from django.db import connections

    from tular.core import checkpoint

    database = connections["default"]
    if database.vendor == "sqlite":
        checkpoint.start(path=str(database.settings_dict["NAME"]))


def _load_everything() -> None:
    from tular.urls import load_everything

    try:
        load_everything()
    except Exception:  # a request that needs it will raise the same error, visibly
        logger.exception("could not load the API in the background")
