"""`POST /integrations/stripe/<token>/webhook`: Stripe's deliveries (api-v1, "Stripe in").

A plain Django view, outside /api/v1: Stripe sends no API key, the Stripe-Signature is the
authentication. Errors still speak problem+json like the API.
"""

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from tular.core.problems import problem
from tular.integrations import stripe as stripe_in

logger = logging.getLogger(__name__)


@csrf_exempt
def stripe_webhook(request, token: str):
    if request.method != "POST":
        return problem(
            405,
            f"This endpoint does not accept the {request.method} method.",
            headers={"Allow": "POST"},
        )
    try:
        payload = request.body
    except RequestDataTooBig:
        return problem(413, "The request body is larger than 2.5 MB.")
    try:
        answer = stripe_in.receive(
            token=token, payload=payload, sig_header=request.headers.get("Stripe-Signature")
        )
    except LookupError:
        return problem(404, "No Stripe integration at this URL.")
    except stripe_in.BadSignature as exc:
        return problem(
            400,
            str(exc),
            slug="bad-signature",
            title="Bad signature",
        )
    except Exception:  # the database is down, ...: a 5xx makes Stripe retry later
        logger.exception("Stripe webhook failed")
        return problem(500, "Something went wrong on our side; Stripe will retry.")
    return JsonResponse(
        answer.body, status=answer.status, json_dumps_params={"ensure_ascii": False}
    )
