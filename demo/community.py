"""Content from everyone in the demo: suggestions in each state (one approved into a post that is live on Today,
credited to its author), posts employees asked colleagues to amplify, and a careers feed whose entries became
draft posts.

Idempotent by natural keys (author + address, author + words, feed address). The posts named are not reachable:
the demo shows the pages and the moderation queue, and an engage tap fails with the network's clear message.
The feed is never fetched: its entries are imported from a sample file bundled here, through the same service
a fetched feed goes through, and the feed stays inactive so `make run` reaches for no outside address.
"""

import feedparser

from accounts.models import User
from accounts.roles import EMPLOYEE
from campaigns.models import Campaign, PostStatus, SuggestedPost
from campaigns.services import post_transition
from community import services
from community.models import AmplifyRequest, Feed, Suggestion

from .data import DATA_DIR, _load, organisation
from .people import staff_users
from .result import SeedResult

FEED_SAMPLE = DATA_DIR / "careers-feed.xml"


def community_posts_count() -> int:
    """Posts the community step makes: approved suggestions and the sample feed's entries."""
    approved = sum(1 for item in _load("community")["suggestions"] if item["decision"] == "approve")
    return approved + len(feedparser.parse(FEED_SAMPLE.read_bytes()).entries)


def _employees() -> list[User]:
    org = organisation()
    return [User.objects.get(email=org.email(p)) for p in org.people if p.role == EMPLOYEE]


def community_seed(*, result: SeedResult) -> None:
    data = _load("community")
    employees = _employees()
    *_, reviewer, manager = staff_users()
    for item in data["suggestions"]:
        author = employees[item["author"]]
        if Suggestion.objects.filter(author=author, url=item["url"], text=item["text"]).exists():
            continue
        if item["decision"] == "approve" and _approved_post_exists(item):
            continue  # its author was deleted and seeded again: the post it became outlived it
        suggestion = services.suggestion_create(author=author, url=item["url"], text=item["text"])
        result.add("suggestions")
        if item["decision"] == "decline":
            services.suggestion_decline(suggestion=suggestion, by=manager, reason=item["reason"])
        elif item["decision"] == "approve":
            _approve(suggestion, item, manager=manager, reviewer=reviewer, result=result)
    for item in data["amplify"]:
        author = employees[item["author"]]
        if AmplifyRequest.objects.filter(author=author, url=item["url"]).exists():
            continue
        request = services.amplify_request_create(author=author, url=item["url"], note=item["note"])
        result.add("amplify requests")
        if item["decision"] == "feature":
            services.amplify_request_move(request=request, to=AmplifyRequest.Status.FEATURED, by=manager)
    _feed_seed(manager=manager, result=result)


def _approved_post_exists(item: dict) -> bool:
    return SuggestedPost.objects.filter(campaign__utm_campaign=item["campaign"], title=item["title"]).exists()


def _approve(suggestion: Suggestion, item: dict, *, manager: User, reviewer: User, result: SeedResult) -> None:
    """Approved into a draft (the author earns the suggestion's points), then through the workflow with four eyes,
    so Today shows it credited to its author."""
    campaign = Campaign.objects.get(utm_campaign=item["campaign"])
    post = services.suggestion_approve(suggestion=suggestion, campaign=campaign, by=manager, title=item["title"])
    post_transition(post=post, to=PostStatus.SUBMITTED, by=manager)
    post_transition(post=post, to=PostStatus.APPROVED, by=reviewer)
    result.add("posts")


def _feed_seed(*, manager, result: SeedResult) -> None:
    """One careers feed, inactive (its address does not exist: "Check now" shows the polite failure message), whose
    entries were imported from the bundled sample into draft posts of the hiring campaign for review."""
    campaign = Campaign.objects.filter(utm_campaign="engineering-hiring-2026").first()
    url = f"https://careers.{organisation().domain}/feed/"
    if campaign is None or Feed.objects.filter(url=url).exists():
        return
    name = "Northwind careers (demo: sample entries, never fetched)"
    feed = Feed(name=name, url=url, campaign=campaign, is_active=False)
    services.feed_save(feed=feed, by=manager)
    result.add("feeds")
    result.add(
        "posts", services.feed_document_import(feed, FEED_SAMPLE.read_bytes(), content_type="application/rss+xml")
    )
