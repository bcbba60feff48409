"""Template helpers for the share buttons on the Today page."""

from django import template
from django.urls import reverse

from campaigns.networks import Network

from ..models import ConnectedAccount
from ..providers import get_provider
from ..services import DIRECT_NETWORKS

register = template.Library()

# The generic copy serves every network without its own variant.
GENERIC_SERVES = (
    Network.MASTODON,
    Network.BLUESKY,
    Network.FACEBOOK,
    Network.THREADS,
    Network.WHATSAPP,
    Network.EMAIL,
)


def _accounts(context, user) -> dict[str, ConnectedAccount]:
    """The user's usable accounts, looked up once per request (the tag runs once per post and variant)."""
    holder = context.get("request") or context.render_context
    cache = getattr(holder, "_sharing_accounts", None) if holder is not context.render_context else None
    if cache is None or cache[0] != user.pk:
        accounts = {
            a.network: a for a in ConnectedAccount.objects.filter(user=user).order_by("updated_at") if a.can_publish
        }
        cache = (user.pk, accounts)
        if holder is not context.render_context:
            holder._sharing_accounts = cache
    return cache[1]


@register.simple_tag(takes_context=True)
def share_buttons(context, post, network: str, user) -> list[dict]:
    """Buttons for one variant: direct publish when possible, else the share dialog (with the short link)."""
    if network == Network.GENERIC:
        own = {v.network for v in post.variants.all()}
        networks: tuple[str, ...] = tuple(n for n in GENERIC_SERVES if n not in own)
    else:
        networks = (network,)
    buttons = []
    for net in networks:
        page = reverse("networks:share", args=[post.pk, net])
        intent = reverse("networks:share_intent", args=[post.pk, net])
        account = _accounts(context, user).get(net)
        direct = bool(net in DIRECT_NETWORKS and account and get_provider(net).is_configured())
        buttons.append(
            {
                "network": net,
                "label": Network(net).label,
                "direct": direct,
                "account": account if direct else None,
                "share_url": page,
                "intent_url": intent,
                "needs_instance": net == Network.MASTODON and not account,
            }
        )
    return buttons
