"""Webhooks' answers to the domain apps' news (connected in WebhooksConfig.ready()): each writes the outbox
rows in the sender's transaction (or, for a drain, right after it committed), each in a savepoint, so a failure
here never spoils the sender's transaction: the senders log it (a goal check rolls back and tries again later)."""

from functools import wraps

from django.db import transaction

from analytics.services import LinkClickCounts

from . import selectors
from .models import EventType
from .services import NewEvent, events_erase_for, events_record


def _in_a_savepoint(receiver):
    """A receiver's failure (even a database error) must not spoil the sender's transaction."""

    @wraps(receiver)
    def wrapped(*args, **kwargs):
        with transaction.atomic():
            return receiver(*args, **kwargs)

    return wrapped


# clicks.counted: one event per drain, or a few for a drain that touched many links (bounded bodies).
CLICKS_LINKS_PER_EVENT = 100


@_in_a_savepoint
def on_share_settled(sender, *, share_id: int, status: str, **kwargs) -> None:
    found = selectors.share_data(share_id=share_id)
    if found is None:
        return
    data, user_id = found
    event_type = EventType.SHARE_PUBLISHED if status == "published" else EventType.SHARE_FAILED
    events_record(
        event_type=event_type,
        events=[NewEvent(data=data, ordering_key=f"share:{share_id}", subject_user_id=user_id)],
    )


@_in_a_savepoint
def on_clicks_counted(sender, *, counts: dict[int, LinkClickCounts], **kwargs) -> None:
    if not selectors.endpoints_for(event_type=EventType.CLICKS_COUNTED):
        return
    entries = selectors.clicks_data(counts=counts)
    chunks = [entries[i : i + CLICKS_LINKS_PER_EVENT] for i in range(0, len(entries), CLICKS_LINKS_PER_EVENT)]
    events_record(
        event_type=EventType.CLICKS_COUNTED,
        events=[NewEvent(data={"links": chunk}, ordering_key="clicks") for chunk in chunks],
    )


@_in_a_savepoint
def on_post_published(sender, *, post_id: int, **kwargs) -> None:
    data = selectors.post_data(post_id=post_id)
    if data is not None:
        events_record(event_type=EventType.POST_PUBLISHED, events=[NewEvent(data=data, ordering_key=f"post:{post_id}")])


@_in_a_savepoint
def on_campaign_goal_reached(sender, *, campaign_id: int, metric: str, target: int, reached: int, at, **kwargs) -> None:
    data = selectors.campaign_goal_data(campaign_id=campaign_id, metric=metric, target=target, reached=reached, at=at)
    if data is not None:
        events_record(event_type=EventType.CAMPAIGN_GOAL_REACHED, events=[NewEvent(data=data)])


@_in_a_savepoint
def on_employee_joined(sender, *, user_id: int, **kwargs) -> None:
    data = selectors.employee_data(user_id=user_id)
    if data is not None:
        events_record(event_type=EventType.EMPLOYEE_JOINED, events=[NewEvent(data=data, subject_user_id=user_id)])


def on_personal_data_erase(sender, *, user, **kwargs) -> None:
    events_erase_for(user_id=user.pk)
