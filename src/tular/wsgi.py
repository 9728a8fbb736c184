"""WSGI entry point, served by granian (`tular serve`)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tular.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

from tular.tracking.fastpath import wrap  # noqa: E402

django_application = get_wsgi_application()
application = wrap(django_application)
