"""/api/v1/assets: the partner asset library (docs/enablement.md), the same services as the
console (tular.enablement.services).

GET /assets lists a workspace's assets (cursor pages, `program` filter), POST /assets adds one
(multipart/form-data: a `file`, type- and size-checked, or a `url`; a wrong type or a file too
large is a 422 problem at ["body", "file"] saying which), DELETE /assets/{id} removes one.
Files are downloaded by partners in their portal, not through the API.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Field, Query, Router, Schema, Status

from tular.api.pagination import AFTER_DESCRIPTION, PageQuery, page_of, paginate
from tular.core.errors import Invalid, NotFound
from tular.core.ids import parse_uuid
from tular.core.schemas import refuse_control_characters
from tular.enablement.files import KINDS_SHOWN
from tular.enablement.models import Asset, AssetCategory
from tular.enablement.services import asset_create, asset_delete
from tular.programs.services import program_named_in_body
from tular.workspaces.audit import Actor

router = Router(tags=["assets"])

TEXT_FIELDS = {
    "program": 50,
    "category": 60,
    "title": 200,
    "description": 1000,
    "url": 1000,
    "language": 8,
}


class AssetOut(Schema):
    id: UUID
    program: str = Field(description="The program's slug.")
    category: str = Field(
        description=f"One of {', '.join(AssetCategory.values)}, or the manager's own word."
    )
    title: str
    description: str
    kind: str = Field(description="file or link")
    file_name: str = Field(description="The uploaded file's name; empty for a link.")
    url: str = Field(description="The link; empty for a file.")
    content_type: str
    size: int = Field(description="Bytes; 0 for a link.")
    language: str = Field(description="id, en, or empty for any language.")
    created_at: datetime


def _out(asset: Asset) -> dict:
    return {
        "id": asset.pk,
        "program": asset.program.slug,
        "category": asset.category,
        "title": asset.title,
        "description": asset.description,
        "kind": "link" if asset.is_link else "file",
        "file_name": asset.file_name,
        "url": asset.url,
        "content_type": asset.content_type,
        "size": asset.size,
        "language": asset.language,
        "created_at": asset.created_at,
    }


class AssetQuery(PageQuery):
    after: UUID | None = Field(None, description=AFTER_DESCRIPTION)
    program: str | None = Field(None, max_length=50, description="Only this program's (slug).")


@router.get("/assets", response={200: page_of(AssetOut)})
def list_assets(request, query: Query[AssetQuery]):
    """The workspace's assets in the order they were added."""
    rows = Asset.objects.filter(workspace=request.workspace).select_related("program")
    if query.program:
        rows = rows.filter(program__slug=query.program)
    return paginate(rows, after=query.after, limit=query.limit, shape=_out)


ASSET_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["program", "category", "title"],
                    "properties": {
                        "program": {"type": "string", "maxLength": 50},
                        "category": {
                            "type": "string",
                            "maxLength": 60,
                            "description": "brochure, logo, presentation, case_study, "
                            "price_list, other, or a word of your own.",
                        },
                        "title": {"type": "string", "maxLength": 200},
                        "description": {"type": "string", "maxLength": 1000},
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": f"{KINDS_SHOWN}, at most TULAR_ASSET_MAX_MB "
                            "(25 MB unless the operator set it). Checked by extension and "
                            "content. Either file or url.",
                        },
                        "url": {
                            "type": "string",
                            "maxLength": 1000,
                            "description": "An https:// link instead of a file.",
                        },
                        "language": {"type": "string", "enum": ["", "id", "en"]},
                    },
                }
            }
        },
    }
}


def _field(request, name: str) -> str:
    value = request.POST.get(name, "")
    if len(value) > TEXT_FIELDS[name]:
        raise Invalid([name], f"at most {TEXT_FIELDS[name]} characters")
    try:
        refuse_control_characters(value)
    except ValueError as error:
        raise Invalid([name], str(error)) from None
    return value


@router.post("/assets", response={201: AssetOut}, openapi_extra=ASSET_BODY)
def create_asset(request):
    """Add a file or a link to a program's asset library. 422 (at ["body", "file"]) for a type
    not accepted, content that is not what the extension says, an SVG with a script, an empty
    file or one over the size limit."""
    if (request.content_type or "") != "multipart/form-data":
        raise Invalid(["body"], "send multipart/form-data with a 'file' (or 'url') field")
    program = program_named_in_body(workspace=request.workspace, slug=_field(request, "program"))
    asset = asset_create(
        program=program,
        category=_field(request, "category"),
        title=_field(request, "title"),
        description=_field(request, "description"),
        upload=request.FILES.get("file"),
        url=_field(request, "url"),
        language=_field(request, "language"),
        actor=Actor.for_api_key(request.api_key),
    )
    return Status(201, _out(asset))


@router.delete("/assets/{asset_id}", response={204: None})
def delete_asset(request, asset_id: str):
    """Remove an asset and its file."""
    asset = (
        Asset.objects.filter(workspace=request.workspace, pk=parse_uuid(asset_id))
        .select_related("program")
        .first()
        if parse_uuid(asset_id)
        else None
    )
    if asset is None:
        raise NotFound("no such asset")
    asset_delete(asset=asset, actor=Actor.for_api_key(request.api_key))
    return Status(204, None)
