"""What goes into each digest: the posts chosen for the person, their buttons, impact and advice.

A write only in one place: the short links the buttons carry are created on first need
(shortlinks.services.links_ensure_many), for a whole batch at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse

from campaigns.models import SuggestedPost
from campaigns.networks import Network, compose_share_text
from networks.models import ConnectedAccount
from networks.providers.base import GENERIC_RENDITION_NAME, get_provider
from networks.services.sharing import share_initial_text
from programme.selectors import ProgrammeNews, digest_news
from shortlinks.services import links_ensure_many

from ..selectors import BatchFacts, Impact, Recipient, Recommendation, RunFacts, posts_for_recipient
from ..tokens import share_token_make, unsubscribe_token_make

MAX_POSTS = 5
EXPIRING_SOON = dt.timedelta(hours=48)
# Networks suggested when the person chose none: their connected accounts come first, then these.
DEFAULT_NETWORKS = (Network.LINKEDIN, Network.X, Network.BLUESKY, Network.FACEBOOK)
MIN_CLICKS_FOR_ADVICE = 10
IMAGE_WIDTH = 552  # the content column of the 600 px layout


@dataclass
class Button:
    network: str
    label: str
    url: str
    direct: bool  # a confirmation page that posts through the connected account


@dataclass
class Card:
    post: SuggestedPost
    network: str  # the person's best network for this post
    network_label: str
    copy: str
    link: str
    buttons: list[Button]
    featured: bool
    expires_at: dt.datetime | None
    expiring_soon: bool
    image_url: str = ""
    image_width: int = 0
    image_height: int = 0
    image_alt: str = ""


@dataclass
class Digest:
    recipient: Recipient
    cards: list[Card]
    impact: Impact
    recommendation: Recommendation
    reconnect: list[ConnectedAccount] = field(default_factory=list)
    subject: str = ""
    unsubscribe_url: str = ""
    preferences_url: str = ""
    accounts_url: str = ""
    today_url: str = ""
    programme: ProgrammeNews = field(default_factory=ProgrammeNews)

    @property
    def post_ids(self) -> list[int]:
        return [c.post.pk for c in self.cards]


def _absolute(path: str) -> str:
    return path if path.startswith(("http://", "https://")) else f"{settings.SITE_URL}{path}"


def posts_choose(
    *, posts: list[SuggestedPost], shared: set[int], recent: list[list[int]], now: dt.datetime
) -> list[SuggestedPost]:
    """Up to five: unshared, not expired, none from the last two digests unless featured;
    featured first, then those expiring within 48 hours (soonest first), then the newest."""
    seen = {pk for digest in recent[:2] for pk in digest}
    open_posts = [
        p
        for p in posts
        if p.pk not in shared and (p.expires_at is None or p.expires_at > now) and (p.is_featured or p.pk not in seen)
    ]

    def order(p: SuggestedPost):
        soon = p.expires_at is not None and p.expires_at - now <= EXPIRING_SOON
        return (
            not p.is_featured,
            not soon,
            p.expires_at if soon else dt.datetime.max.replace(tzinfo=dt.UTC),
            -p.publish_at.timestamp(),
            p.pk,
        )

    return sorted(open_posts, key=order)[:MAX_POSTS]


def _networks_for(recipient: Recipient, usable: dict[str, ConnectedAccount]) -> list[str]:
    chosen = [n for n in (recipient.profile.digest_networks or []) if n in Network.values and n != Network.GENERIC]
    if chosen:
        return chosen
    ordered = list(usable) + [n.value for n in DEFAULT_NETWORKS]
    return list(dict.fromkeys(ordered))


def _subject(count: int, impact: Impact) -> str:
    posts = "1 post" if count == 1 else f"{count} posts"
    if impact.rank:
        return f"{posts} to share today · you're #{impact.rank} this week"
    return f"{posts} to share today"


def digests_compose(*, facts: RunFacts, batch: BatchFacts, recipients: list[Recipient]) -> list[Digest]:
    """The digest of each recipient (an empty `cards` list: nothing new or unshared to suggest)."""
    now = facts.now
    direct_ok: dict[str, bool] = {}
    plans: list[tuple[Recipient, list[SuggestedPost], list[str], dict[str, ConnectedAccount]]] = []
    wanted: list[tuple[int, SuggestedPost, str]] = []
    for r in recipients:
        accounts = batch.accounts.get(r.user_id, [])
        usable = {a.network: a for a in accounts if a.can_publish}
        chosen = posts_choose(
            posts=posts_for_recipient(facts=facts, profile=r.profile),
            shared=batch.shared.get(r.user_id, set()),
            recent=batch.recent_posts.get(r.user_id, []),
            now=now,
        )
        networks = []
        for n in _networks_for(r, usable):
            provider = get_provider(n)
            if provider.intent_needs_instance and n not in usable:
                continue  # the dialog needs their server name first: the Today page asks for it
            networks.append(n)
        plans.append((r, chosen, networks, usable))
        wanted.extend((r.user_id, post, n) for post in chosen for n in networks)
    links = links_ensure_many(wanted=wanted)

    news = digest_news(profiles=[r.profile for r in recipients], now=now)
    preferences_url = _absolute(reverse("digest:preferences"))
    accounts_url = _absolute(reverse("networks:accounts"))
    today_url = _absolute(reverse("today"))
    digests = []
    for r, chosen, networks, usable in plans:
        rec = batch.recommendation.get(r.user_id) or Recommendation()
        impact = batch.impact.get(r.user_id) or Impact(since=now - dt.timedelta(days=1))
        best_first = sorted(networks, key=lambda n: (n != rec.best_network, n not in usable, networks.index(n)))
        cards = []
        for post in chosen:
            buttons = []
            for n in networks:
                provider = get_provider(n)
                link = links[(r.user_id, post.pk, n)].short_url
                if n not in direct_ok:
                    direct_ok[n] = provider.posts_directly()
                if n in usable and direct_ok[n]:
                    token = share_token_make(user_id=r.user_id, post_id=post.pk, network=n)
                    url = _absolute(reverse("digest:share", args=[token]))
                    buttons.append(Button(network=n, label=provider.label, url=url, direct=True))
                else:
                    text = compose_share_text(share_initial_text(post=post, network=n), link=link)
                    url = provider.intent_url(text=text, link=link)
                    buttons.append(Button(network=n, label=provider.label, url=url, direct=False))
            best = best_first[0] if best_first else Network.GENERIC
            card = Card(
                post=post,
                network=best,
                network_label=Network(best).label,
                copy=share_initial_text(post=post, network=best),
                link=links[(r.user_id, post.pk, best)].short_url if best_first else "",
                buttons=sorted(buttons, key=lambda b: best_first.index(b.network)),
                featured=post.is_featured,
                expires_at=post.expires_at,
                expiring_soon=post.expires_at is not None and post.expires_at - now <= EXPIRING_SOON,
            )
            renditions = {x.network: x for x in post.renditions.all()}
            image = renditions.get(GENERIC_RENDITION_NAME)
            if image is not None:
                card.image_url = _absolute(image.image.url)
                card.image_width = IMAGE_WIDTH
                card.image_height = round(image.height * IMAGE_WIDTH / image.width)
                card.image_alt = post.image_alt or post.title
            cards.append(card)
        reconnect = [a for a in batch.accounts.get(r.user_id, []) if a.health_at(now) == a.Health.NEEDS_RECONNECT]
        digests.append(
            Digest(
                recipient=r,
                cards=cards,
                impact=impact,
                recommendation=rec,
                reconnect=reconnect,
                subject=_subject(len(cards), impact),
                unsubscribe_url=_absolute(
                    reverse("digest:unsubscribe", args=[unsubscribe_token_make(user_id=r.user_id)])
                ),
                preferences_url=preferences_url,
                accounts_url=accounts_url,
                today_url=today_url,
                programme=news.get(r.user_id) or ProgrammeNews(),
            )
        )
    return digests
