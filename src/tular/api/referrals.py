"""/api/v1/referrals: the list. (Submitting a lead and reading one referral come with the
pipeline: POST /referrals and GET/PATCH /referrals/{id} are added to this router then.)"""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Field, Query, Router
from pydantic import BaseModel, StringConstraints

from tular.api.pagination import AFTER_DESCRIPTION, PageQuery, page_of, paginate
from tular.referrals.models import Referral, ReferralStatus
from tular.referrals.selectors import referrals_filter

router = Router(tags=["referrals"])

StatusName = Literal[tuple(ReferralStatus.values)]


class ReferralQuery(PageQuery):
    program: Annotated[str, StringConstraints(max_length=50)] | None = Field(
        None, description="Program slug."
    )
    participant: UUID | None = Field(None, description="The referrer's participant id.")
    status: StatusName | None = None
    customer_external_id: Annotated[str, StringConstraints(max_length=200)] | None = None
    after: UUID | None = Field(None, description=AFTER_DESCRIPTION)


class ReferralItem(BaseModel):
    id: UUID
    program: str
    participant_id: UUID = Field(description="The referrer.")
    status: StatusName = Field(
        description="active or flagged for tracked sign-ups (flagged: a self-referral that "
        "earns nothing until cleared); submitted … dark for leads in the pipeline."
    )
    customer_external_id: str | None
    email: str
    name: str
    company: str
    created_at: datetime
    first_sale_at: datetime | None
    cancelled_at: datetime | None


def _referral_out(referral: Referral) -> dict:
    return {
        "id": referral.id,
        "program": referral.program.slug,
        "participant_id": referral.participant_id,
        "status": referral.status,
        "customer_external_id": referral.customer_external_id,
        "email": referral.email,
        "name": referral.name,
        "company": referral.company,
        "created_at": referral.created_at,
        "first_sale_at": referral.first_sale_at,
        "cancelled_at": referral.cancelled_at,
    }


@router.get("", response={200: page_of(ReferralItem)})
def list_referrals(request, query: Query[ReferralQuery]):
    """The workspace's referrals in the order they were recorded, a page at a time; every filter
    narrows."""
    referrals = referrals_filter(
        workspace=request.workspace,
        program_slug=query.program,
        participant_id=query.participant,
        status=query.status,
        customer_external_id=query.customer_external_id,
    )
    return paginate(referrals, after=query.after, limit=query.limit, shape=_referral_out)
