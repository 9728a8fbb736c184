"""WSGI entry point, served by granian (`tular serve`)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tular.settings")

from django.core.wsgi import get_wsgi_application

from tular.tracking.fastpath import wrap

django_application = get_wsgi_application()
application = wrap(django_application)
