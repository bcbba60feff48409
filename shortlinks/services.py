"""Writes for short links. (Skeleton: the short-link issue completes it.)"""

from django.db import IntegrityError, transaction

from .models import ShortLink


def link_get_or_create(*, user, post, network: str) -> ShortLink:
    """The employee's link for this post and network, created once (safe under concurrency)."""
    existing = ShortLink.objects.filter(user=user, post=post, network=network).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return ShortLink.objects.create(user=user, post=post, network=network, target_url=post.target_url)
    except IntegrityError:
        return ShortLink.objects.get(user=user, post=post, network=network)
