"""The one mail path: every email is a (subject, text, html) triple rendered by one helper and built into one
kind of message, sent through Django's mail backend (so any backend works).

HTML bodies get their CSS inlined by css-inline (mail clients drop <style> blocks); the <style> block is kept
for what cannot be inlined (dark mode, narrow screens). Every message carries its own Message-ID, so a send log
can record it, and `Auto-Submitted: auto-generated` (RFC 3834), so auto-responders leave it alone.
"""

from email.utils import make_msgid
from functools import cache

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


@cache
def _inliner() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False)


def email_render(*, templates: str, context: dict, subject: str | None = None) -> tuple[str, str, str]:
    """(subject, text, html) from `<templates>_subject.txt` (unless `subject` is given), `<templates>.txt` and
    `<templates>.html`, the HTML with its CSS inlined. Raises TemplateDoesNotExist for a missing part."""
    if subject is None:
        subject = " ".join(render_to_string(f"{templates}_subject.txt", context).split())
    text = render_to_string(f"{templates}.txt", context)
    html = _inliner().inline(render_to_string(f"{templates}.html", context))
    return subject, text, html


def email_message(
    *,
    subject: str,
    text: str,
    html: str,
    to: list[str],
    kind: str,
    connection=None,
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    """A message with both parts, a Message-ID naming its `kind` (e.g. "digest") and any extra `headers`."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">").strip() or "localhost"
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        connection=connection,
        headers={
            "Message-ID": make_msgid(idstring=kind, domain=domain),
            "Auto-Submitted": "auto-generated",
            **(headers or {}),
        },
    )
    message.attach_alternative(html, "text/html")
    return message
