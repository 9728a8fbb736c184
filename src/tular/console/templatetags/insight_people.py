"""`{% readiness_card participant %}`: the readiness card of a participant's page (R4), its
figures and form from console.views.insight_people."""

from django import template

register = template.Library()


@register.inclusion_tag("console/insight/_readiness_card.html", takes_context=True)
def readiness_card(context, participant):
    from tular.console.views.insight_people import card_context

    request = context["request"]
    return {**card_context(request, participant), "csrf_token": context.get("csrf_token")}
