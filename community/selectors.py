"""Reads for the community pages and the admin inbox."""

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404

from networks.models import ConnectedAccount
from networks.providers import get_provider

from .models import AmplifyRequest, Engagement, Review, Suggestion


def suggestions_of(*, user) -> QuerySet[Suggestion]:
    """The person's own suggestions, newest first, with the post each became."""
    return Suggestion.objects.filter(author=user).select_related("post", "post__campaign")


def suggestions_waiting() -> QuerySet[Suggestion]:
    """The moderation queue: suggestions waiting for a content manager, oldest first."""
    return Suggestion.objects.filter(status=Review.PENDING).order_by("created_at", "id")


def suggestions_waiting_with_authors() -> QuerySet[Suggestion]:
    """The moderation queue with each suggestion's author, for lists that show who suggested what."""
    return suggestions_waiting().select_related("author")


def suggestion_for_review(*, suggestion_id: int) -> Suggestion:
    """Any suggestion, for a content manager deciding on it. Raises Http404."""
    suggestion = Suggestion.objects.filter(pk=suggestion_id).select_related("author", "post", "post__campaign").first()
    if suggestion is None:
        raise Http404("No such suggestion.")
    return suggestion


def amplify_requests_of(*, user) -> QuerySet[AmplifyRequest]:
    return AmplifyRequest.objects.filter(author=user)


def amplify_requests_waiting() -> QuerySet[AmplifyRequest]:
    return AmplifyRequest.objects.filter(status=AmplifyRequest.Status.PENDING).order_by("created_at", "id")


@dataclass
class EngageCard:
    """One featured post on the Engage page: what this colleague can do through the API, and what is done."""

    request: AmplifyRequest
    network_label: str
    actions: tuple[str, ...]
    done: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)
    could_connect: bool = False  # the network takes likes or reposts, but the colleague has no account there


def engage_cards_for(*, user) -> list[EngageCard]:
    """Featured posts of colleagues (not the person's own), in three queries whatever their number."""
    featured = list(
        AmplifyRequest.objects.filter(status=AmplifyRequest.Status.FEATURED)
        .exclude(author=user)
        .select_related("author")
        .order_by("-reviewed_at", "-id")[:50]
    )
    accounts: dict[str, ConnectedAccount] = {}
    for connected in ConnectedAccount.objects.filter(user=user, health=ConnectedAccount.Health.OK).order_by(
        "updated_at"
    ):
        accounts[connected.network] = connected
    mine: dict[int, list[Engagement]] = {}
    for engagement in Engagement.objects.filter(user=user, request__in=featured):
        mine.setdefault(engagement.request_id, []).append(engagement)
    cards = []
    for request in featured:
        provider = get_provider(request.network)
        account = accounts.get(request.network)
        card = EngageCard(
            request=request,
            network_label=provider.label,
            actions=provider.engage_actions_for(account=account),
            could_connect=account is None and bool(provider.engage_actions),
        )
        for engagement in mine.get(request.pk, []):
            if engagement.status == Engagement.Status.DONE:
                card.done.add(engagement.action)
            elif engagement.status == Engagement.Status.FAILED:
                card.failed[engagement.action] = engagement.error
        cards.append(card)
    return cards
