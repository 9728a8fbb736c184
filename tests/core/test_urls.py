"""The URL map loads the API and the Stripe webhook lazily, so a server answers early."""

import subprocess
import sys

from django.urls import reverse

from tular import urls


def test_the_lazy_api_include_has_the_apis_own_namespace():
    from tular.api.v1 import api

    _patterns, app_name, namespace = api.urls
    assert (app_name, namespace) == (urls.API_APP_NAME, urls.API_NAMESPACE)
    assert reverse("api-v1:openapi-json") == "/api/v1/openapi.json"


def test_a_server_process_answers_before_importing_the_api_or_stripe(tmp_path):
    # what `tular serve` loads before it listens (cli.load_server), in a fresh interpreter
    probe = (
        "import sys, django, os;"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'tular.settings';"
        "django.setup();"
        "from tular.cli import load_server; load_server();"
        "from django.test import Client;"
        "assert Client().get('/healthz').status_code in (200, 503);"
        "assert Client().get('/').status_code == 200;"
        "late = [m for m in ('stripe', 'tular.api.v1', 'tular.integrations.views')"
        " if m in sys.modules];"
        "assert not late, late;"
        "from tular.urls import load_everything; load_everything();"
        "assert 'tular.api.v1' in sys.modules and 'stripe' in sys.modules"
    )
    env = {"TULAR_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
