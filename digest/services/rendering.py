"""The digest as an email: subject, plain text and HTML, through the one mail path (infra.mail)."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from campaigns.networks import Network
from infra.mail import email_message, email_render

from .content import MIN_CLICKS_FOR_ADVICE, Digest, _absolute


def advice_for(digest: Digest) -> list[str]:
    """Seed 004's data-driven recommendations, from the person's own clicks, or "not enough data yet"."""
    rec = digest.recommendation
    if rec.total_clicks < MIN_CLICKS_FOR_ADVICE or rec.best_network is None:
        return []
    lines = [
        f"{Network(rec.best_network).label} brought you the most unique clicks in the last 90 days "
        f"({rec.best_network_clicks} of {rec.total_clicks}): share there first."
    ]
    if rec.best_hour is not None:
        lines.append(f"Your links get clicked most around {rec.best_hour:02d}:00 your time: share a little before.")
    return lines


def digest_context(digest: Digest) -> dict:
    profile = digest.recipient.profile
    return {
        "digest": digest,
        "name": profile.user.first_name or profile.user.display_name,
        "cards": digest.cards,
        "impact": digest.impact,
        "advice": advice_for(digest),
        "reconnect": digest.reconnect,
        "zone": digest.recipient.zone,
        "programme": digest.programme,
        "challenges_url": _absolute(reverse("programme:challenges")),
        "stories_url": _absolute(reverse("programme:stories")),
    }


def digest_render(digest: Digest) -> tuple[str, str, str]:
    """(subject, text, html) of a digest."""
    return email_render(templates="digest/email", context=digest_context(digest), subject=digest.subject)


def digest_message(digest: Digest, *, connection=None, to: str | None = None) -> EmailMultiAlternatives:
    """The email with both parts, RFC 8058 one-click unsubscribe headers and its own Message-ID."""
    subject, text, html = digest_render(digest)
    return email_message(
        subject=subject,
        text=text,
        html=html,
        to=[to or digest.recipient.profile.user.email],
        kind="digest",
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{digest.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
