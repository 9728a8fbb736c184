"""The public JSON API, /api/v1 (api-v1.md). Handlers are thin: parse, call a service, shape.

One router per bounded context (api/<context>.py), mounted here.
"""

from ninja import NinjaAPI

from tular.api import (
    integrations,
    keys,
    messages,
    participants,
    problems,
    programs,
    referrals,
    rewards,
    tracking,
    webhooks,
    workspace,
)
from tular.api.attribution import router as attribution_router
from tular.api.auth import PerKeyThrottle, secret_key
from tular.api.backtest import router as backtest_router
from tular.api.deals import router as deals_router
from tular.api.enablement import router as enablement_router
from tular.api.insight import router as insight_router
from tular.api.insight_people import router as insight_people_router
from tular.api.metrics import router as metrics_router
from tular.api.partner_members import router as partner_members_router
from tular.api.partner_performance import router as partner_performance_router
from tular.api.partners import router as partners_router
from tular.api.recognition import router as recognition_router
from tular.api.support import router as support_router

api = NinjaAPI(
    title="Tular API",
    version="1",
    description="Referral, affiliate and partner programs. Contract: api-v1.md.",
    auth=secret_key,
    throttle=[PerKeyThrottle()],
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
problems.install(api)

api.add_router("/programs", programs.router)
api.add_router("/programs", messages.router)
api.add_router("/participants", participants.router)
api.add_router("/referrals", referrals.router)
api.add_router("/api-keys", keys.router)
api.add_router("/track", tracking.router)
api.add_router("", rewards.router)
api.add_router("/metrics", metrics_router)
api.add_router("/integrations", integrations.router)
api.add_router("/workspace", workspace.workspace_router)
api.add_router("/members", workspace.members_router)
api.add_router("/invitations", workspace.invitations_router)
api.add_router("/audit-log", workspace.audit_router)
api.add_router("", webhooks.router)
api.add_router("", insight_router)
api.add_router("", recognition_router)
api.add_router("", backtest_router)
api.add_router("", insight_people_router)
api.add_router("", attribution_router)
api.add_router("/deals", deals_router)
api.add_router("", partners_router)
api.add_router("", partner_members_router)
api.add_router("", partner_performance_router)
api.add_router("/tickets", support_router)
api.add_router("", enablement_router)
