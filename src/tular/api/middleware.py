"""Every response under /api/ that is an error speaks problem+json, including those Django
produces before the API sees the request (unknown path, wrong method, oversize body)."""

from django.core.exceptions import RequestDataTooBig
from django.utils import translation

from tular.api.problems import PROBLEM_CONTENT_TYPE, problem

MESSAGES = {
    404: "No such endpoint. The API's paths are listed at /api/v1/docs.",
    405: "This endpoint does not accept the {method} method.",
}


class ApiProblemMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        if "Accept-Language" not in request.headers:
            # Integrators read English unless they ask; pages default to Indonesian.
            translation.activate("en")
            request.LANGUAGE_CODE = "en"
        response = self.get_response(request)
        if response.status_code < 400 or response.get("Content-Type", "").startswith(
            PROBLEM_CONTENT_TYPE
        ):
            return response
        status = response.status_code
        template = MESSAGES.get(status, "The request could not be handled.")
        converted = problem(status, template.format(method=request.method))
        if status == 405 and response.has_header("Allow"):
            converted["Allow"] = response["Allow"]
        return converted

    def process_exception(self, request, exception):
        if request.path.startswith("/api/") and isinstance(exception, RequestDataTooBig):
            return problem(413, "The request body is larger than 2.5 MB.")
        return None
