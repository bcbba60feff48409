"""Content from everyone in the demo: suggestions in each state and posts employees asked colleagues to amplify.

Idempotent by natural keys (author + address, author + words). The posts named are not reachable: the demo
shows the pages and the moderation queue, and an engage tap fails with the network's clear message.
"""

from accounts.models import User
from accounts.roles import EMPLOYEE
from campaigns.models import Campaign
from community import services
from community.models import AmplifyRequest, Feed, Suggestion

from .data import _load, organisation
from .people import staff_users
from .result import SeedResult


def _employees() -> list[User]:
    org = organisation()
    return [User.objects.get(email=org.email(p)) for p in org.people if p.role == EMPLOYEE]


def community_seed(*, result: SeedResult) -> None:
    data = _load("community")
    employees = _employees()
    manager = staff_users()[-1]
    for item in data["suggestions"]:
        author = employees[item["author"]]
        if Suggestion.objects.filter(author=author, url=item["url"], text=item["text"]).exists():
            continue
        suggestion = services.suggestion_create(author=author, url=item["url"], text=item["text"])
        result.add("suggestions")
        # None approved: an approval makes a post, and the demo's posts are the campaigns' own (campaigns.json).
        if item["decision"] == "decline":
            services.suggestion_decline(suggestion=suggestion, by=manager, reason=item["reason"])
    for item in data["amplify"]:
        author = employees[item["author"]]
        if AmplifyRequest.objects.filter(author=author, url=item["url"]).exists():
            continue
        request = services.amplify_request_create(author=author, url=item["url"], note=item["note"])
        result.add("amplify requests")
        if item["decision"] == "feature":
            services.amplify_request_move(request=request, to=AmplifyRequest.Status.FEATURED, by=manager)
    _feed_seed(manager=manager, result=result)


def _feed_seed(*, manager, result: SeedResult) -> None:
    """One careers feed, inactive: its address does not exist, so "Check now" shows the polite failure message."""
    campaign = Campaign.objects.filter(utm_campaign="engineering-hiring-2026").first()
    url = f"https://careers.{organisation().domain}/feed/"
    if campaign is None or Feed.objects.filter(url=url).exists():
        return
    feed = Feed(name="Northwind careers (demo address, not reachable)", url=url, campaign=campaign, is_active=False)
    services.feed_save(feed=feed, by=manager)
    result.add("feeds")
