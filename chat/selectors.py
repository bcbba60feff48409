from django.db.models import Count, Q, QuerySet

from .models import ChatChannel


def channels_with_counts() -> QuerySet[ChatChannel]:
    return ChatChannel.objects.select_related("team").annotate(
        waiting=Count("items", filter=Q(items__message__isnull=True))
    )
