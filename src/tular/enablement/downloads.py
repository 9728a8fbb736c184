"""An asset's file as an HTTP answer, for the console's and the portal's download views (which
check who asks first): always an attachment under the name the manager uploaded, with the
type fixed when it was checked, `nosniff`, and a sandbox CSP, so no file (an SVG above all)
ever runs as a page of the site."""

from __future__ import annotations

from django.http import FileResponse, Http404

from tular.enablement.models import Asset


def asset_response(asset: Asset) -> FileResponse:
    if not asset.file:
        raise Http404("a link, not a file")
    try:
        handle = asset.file.open("rb")
    except FileNotFoundError:
        raise Http404("the file is missing from the data directory") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=asset.file_name or f"asset.{asset.extension}",
        content_type=asset.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
