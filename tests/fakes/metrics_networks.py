"""Fake network APIs for engagement metrics, speaking the real response shapes.

- X: GET /2/tweets?ids=…&tweet.fields=public_metrics (bearer token), unknown ids as
  resource-not-found errors next to the data.
- Bluesky: GET /xrpc/app.bsky.feed.getPosts?uris=…&uris=… (public), missing posts left out.
- Mastodon: GET /api/v1/statuses/:id (bearer token), 404 {"error": "Record not found"}.
- LinkedIn: GET /rest/memberCreatorPostAnalytics?q=entity&entity=(share:…)&queryType=…&aggregation=TOTAL.
"""

import json
from urllib.parse import unquote

from werkzeug import Request, Response

X_NOT_FOUND = "https://api.twitter.com/2/problems/resource-not-found"


def _json(body, status=200, headers=None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers or {}, content_type="application/json")


class FakeMetricsNetworks:
    def __init__(self, httpserver, *, x_token: str = "app-token", mastodon_token: str = "token") -> None:
        self.server = httpserver
        self.x_token = x_token
        self.mastodon_token = mastodon_token
        self.tweets: dict[str, dict] = {}
        self.bluesky_posts: dict[str, dict] = {}
        self.statuses: dict[str, dict] = {}
        self.linkedin: dict[str, dict[str, int]] = {}
        self.x_requests: list[list[str]] = []
        self.bluesky_requests: list[list[str]] = []
        self.mastodon_requests: list[str] = []
        self.linkedin_requests: list[str] = []

    def serve(self) -> "FakeMetricsNetworks":
        self.server.expect_request("/2/tweets", method="GET").respond_with_handler(self._x)
        self.server.expect_request("/xrpc/app.bsky.feed.getPosts", method="GET").respond_with_handler(self._bluesky)
        self.server.expect_request("/rest/memberCreatorPostAnalytics", method="GET").respond_with_handler(
            self._linkedin
        )
        import re

        self.server.expect_request(re.compile(r"^/api/v1/statuses/[^/]+$"), method="GET").respond_with_handler(
            self._mastodon
        )
        return self

    # X ----------------------------------------------------------------------------------
    def tweet(self, tweet_id: str, *, likes=0, retweets=0, replies=0, quotes=0, impressions=0) -> None:
        self.tweets[tweet_id] = {
            "retweet_count": retweets,
            "reply_count": replies,
            "like_count": likes,
            "quote_count": quotes,
            "bookmark_count": 0,
            "impression_count": impressions,
        }

    def _x(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {self.x_token}":
            return _json({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}, 401)
        ids = request.args.get("ids", "").split(",")
        self.x_requests.append(ids)
        if len(ids) > 100:
            return _json({"title": "Invalid Request", "detail": "ids: size must be between 1 and 100"}, 400)
        body: dict = {"data": [], "errors": []}
        for tweet_id in ids:
            if tweet_id in self.tweets:
                body["data"].append(
                    {
                        "id": tweet_id,
                        "text": "Our new release is out!",
                        "edit_history_tweet_ids": [tweet_id],
                        "public_metrics": self.tweets[tweet_id],
                    }
                )
            else:
                body["errors"].append(
                    {
                        "value": tweet_id,
                        "detail": f"Could not find tweet with ids: [{tweet_id}].",
                        "title": "Not Found Error",
                        "resource_type": "tweet",
                        "parameter": "ids",
                        "resource_id": tweet_id,
                        "type": X_NOT_FOUND,
                    }
                )
        if not body["data"]:
            del body["data"]
        if not body["errors"]:
            del body["errors"]
        return _json(body)

    # Bluesky ----------------------------------------------------------------------------
    def skeet(self, uri: str, *, likes=0, reposts=0, replies=0, quotes=0) -> None:
        self.bluesky_posts[uri] = {
            "likeCount": likes,
            "repostCount": reposts,
            "replyCount": replies,
            "quoteCount": quotes,
        }

    def _bluesky(self, request: Request) -> Response:
        uris = request.args.getlist("uris")
        self.bluesky_requests.append(uris)
        if len(uris) > 25:
            return _json({"error": "InvalidRequest", "message": "uris must not have more than 25 elements"}, 400)
        posts = []
        for uri in uris:
            if uri in self.bluesky_posts:
                did = uri.split("/")[2]
                posts.append(
                    {
                        "uri": uri,
                        "cid": "bafyreib2rxk3rh6kzwq",
                        "author": {"did": did, "handle": "alice.bsky.social", "displayName": "Alice"},
                        "record": {
                            "$type": "app.bsky.feed.post",
                            "text": "Out now",
                            "createdAt": "2026-11-25T10:00:00Z",
                        },
                        "indexedAt": "2026-11-25T10:00:01Z",
                        "labels": [],
                        **self.bluesky_posts[uri],
                    }
                )
        return _json({"posts": posts})

    # Mastodon ---------------------------------------------------------------------------
    def toot(self, status_id: str, *, favourites=0, reblogs=0, replies=0) -> None:
        self.statuses[status_id] = {"favourites_count": favourites, "reblogs_count": reblogs, "replies_count": replies}

    def _mastodon(self, request: Request) -> Response:
        status_id = request.path.rsplit("/", 1)[-1]
        self.mastodon_requests.append(status_id)
        if request.headers.get("Authorization") != f"Bearer {self.mastodon_token}":
            return _json({"error": "The access token is invalid"}, 401)
        if status_id not in self.statuses:
            return _json({"error": "Record not found"}, 404)
        return _json(
            {
                "id": status_id,
                "created_at": "2026-11-25T10:00:00.000Z",
                "visibility": "public",
                "url": f"https://social.example/@alice/{status_id}",
                "content": "<p>Out now</p>",
                **self.statuses[status_id],
            }
        )

    # LinkedIn ---------------------------------------------------------------------------
    def linkedin_post(self, urn: str, **counts: int) -> None:
        self.linkedin[urn] = counts

    def _linkedin(self, request: Request) -> Response:
        entity = unquote(request.args.get("entity", ""))
        self.linkedin_requests.append(entity)
        urn = entity[entity.index(":") + 1 : -1] if entity.startswith("(") else ""
        if urn not in self.linkedin:
            return _json({"status": 404, "message": "Not found"}, 404)
        query_type = request.args.get("queryType")
        metric = {"REACTION": "reactions", "COMMENT": "comments", "RESHARE": "reshares", "IMPRESSION": "impressions"}
        value = self.linkedin[urn].get(metric[query_type], 0)
        key = "com.linkedin.adsexternalapi.memberanalytics.v1.CreatorPostAnalyticsMetricTypeV1"
        return _json(
            {
                "paging": {"start": 0, "count": 10, "links": []},
                "elements": [{"count": value, "metricType": {key: query_type}}],
            }
        )
