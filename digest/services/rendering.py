"""The digest as an email: subject, plain text and HTML (CSS inlined by css-inline), one helper for all three."""

from __future__ import annotations

from email.utils import make_msgid
from functools import cache

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from campaigns.networks import Network

from .content import MIN_CLICKS_FOR_ADVICE, Digest


@cache
def _inliner() -> css_inline.CSSInliner:
    # The <style> block stays for what cannot be inlined: dark mode and the narrow-screen rules.
    return css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False)


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
    }


def digest_render(digest: Digest) -> tuple[str, str, str]:
    """(subject, text, html) of a digest."""
    context = digest_context(digest)
    text = render_to_string("digest/email.txt", context)
    html = _inliner().inline(render_to_string("digest/email.html", context))
    return digest.subject, text, html


def digest_message(digest: Digest, *, connection=None, to: str | None = None) -> EmailMultiAlternatives:
    """The email with both parts, RFC 8058 one-click unsubscribe headers and its own Message-ID."""
    subject, text, html = digest_render(digest)
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">").strip() or "localhost"
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to or digest.recipient.profile.user.email],
        connection=connection,
        headers={
            "Message-ID": make_msgid(idstring="digest", domain=domain),
            "List-Unsubscribe": f"<{digest.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    return message
