"""Programme news reaches the chat channels by signal (programme never imports chat)."""

from django.dispatch import receiver

from programme.selectors import challenge_result_news, spotlight_news
from programme.signals import challenge_finished, spotlight_published

from . import services
from .models import ItemKind


@receiver(challenge_finished, dispatch_uid="chat.challenge_finished")
def challenge_results_to_chat(sender, challenge_id: int, **kwargs) -> None:
    news = challenge_result_news(challenge_id=challenge_id)
    if news is not None:
        _enqueue(ItemKind.CHALLENGE_RESULT, news)


@receiver(spotlight_published, dispatch_uid="chat.spotlight_published")
def spotlight_to_chat(sender, spotlight_id: int, **kwargs) -> None:
    news = spotlight_news(spotlight_id=spotlight_id)
    if news is not None:
        _enqueue(ItemKind.SPOTLIGHT, news)


def _enqueue(kind: str, news) -> None:
    services.programme_news_enqueue(
        kind=kind,
        source_key=news.source_key,
        title=news.title,
        text=news.text,
        url=news.url,
        team_ids=news.team_ids,
    )
