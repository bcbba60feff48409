"""A chat channel in the demo: Slack news for everyone, configured as an admin would, and inactive.

Its webhook address is an example one (the reserved .example domain): an active channel would have the worker of
`make run` send the featured posts and programme news to it, which means reaching out of the machine. An admin sees
how a channel is set up, and may point it at a real incoming webhook and switch it on.
"""

from chat.models import ChannelKind, ChatChannel

from .people import staff_users
from .result import SeedResult

DEMO_CHANNEL = "#advocacy on Slack (demo: example webhook, inactive)"
DEMO_WEBHOOK = "https://hooks.slack.example/services/T0DEMO/B0DEMO/not-a-real-webhook"


def chat_seed(*, result: SeedResult) -> None:
    if ChatChannel.objects.filter(name=DEMO_CHANNEL).exists():
        return
    ChatChannel.objects.create(
        name=DEMO_CHANNEL,
        kind=ChannelKind.SLACK,
        webhook_url=DEMO_WEBHOOK,
        featured_posts=True,
        programme_news=True,
        is_active=False,
        created_by=staff_users()[0],
    )
    result.add("chat channels")
