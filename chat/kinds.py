"""What each chat service accepts and answers: its payload and how to read its reply.

Slack incoming webhooks answer `200 ok`; `400 invalid_payload`, `403 invalid_token`,
`404 channel_not_found`, `410 channel_is_archived` are final, `429` carries Retry-After.
Teams' legacy connectors answer `200 1`, but also `200` with a body starting "Webhook message
delivery failed" when Teams refused the card; Workflows (Power Automate) answer `202` and want
`{"type": "message", "attachments": [adaptive card]}` (a bare `{"text": …}` fails in the flow).
"""

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"  # nothing was posted; try again later
    LOST = "lost"  # it may have been posted: never repeated automatically
    REFUSED = "refused"  # the service will not take it: fix the message or the channel
    GONE = "gone"  # the webhook no longer exists: switch the channel off


@dataclass(frozen=True)
class Item:
    title: str
    text: str
    url: str
    button: str = "Share"


class ChatKind:
    name = ""
    label = ""

    def payload(self, *, heading: str, items: list[Item]) -> dict:
        raise NotImplementedError

    def outcome(self, status: int, body: str) -> Outcome:
        if status == 429:
            return Outcome.RETRY
        if status >= 500:
            return Outcome.LOST
        if status in (403, 404, 410):
            return Outcome.GONE
        if 200 <= status < 300:
            return Outcome.DELIVERED
        return Outcome.REFUSED


class Slack(ChatKind):
    name = "slack"
    label = "Slack"

    def payload(self, *, heading: str, items: list[Item]) -> dict:
        blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": heading[:150]}}]
        for item in items[:20]:  # Slack allows 50 blocks a message
            blocks.append(
                {
                    "type": "section",
                    "text": {
                        "type": "mrkdwn",
                        "text": f"*{_slack_escape(item.title)}*\n{_slack_escape(item.text)}"[:3000],
                    },
                    "accessory": {
                        "type": "button",
                        "text": {"type": "plain_text", "text": item.button},
                        "url": item.url,
                    },
                }
            )
        fallback = heading + ": " + "; ".join(i.title for i in items)
        return {"text": fallback[:4000], "blocks": blocks}


class Teams(ChatKind):
    name = "teams"
    label = "Microsoft Teams"

    def payload(self, *, heading: str, items: list[Item]) -> dict:
        body: list[dict] = [{"type": "TextBlock", "text": heading, "weight": "Bolder", "size": "Medium", "wrap": True}]
        for item in items[:20]:
            body += [
                {"type": "TextBlock", "text": item.title, "weight": "Bolder", "wrap": True, "separator": True},
                {"type": "TextBlock", "text": item.text, "wrap": True},
                {"type": "ActionSet", "actions": [{"type": "Action.OpenUrl", "title": item.button, "url": item.url}]},
            ]
        card = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": body,
        }
        return {
            "type": "message",
            "attachments": [
                {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
            ],
        }

    def outcome(self, status: int, body: str) -> Outcome:
        if status == 200 and body.lstrip().startswith("Webhook message delivery failed"):
            return Outcome.RETRY if "HTTP error 429" in body else Outcome.REFUSED
        return super().outcome(status, body)


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


KINDS: dict[str, ChatKind] = {k.name: k for k in (Slack(), Teams())}
