"""Fake X API v2: POST /2/tweets, POST /2/media/upload, the OAuth 2.0 token endpoint (refresh grant),
the user timeline, and the metrics lookup GET /2/tweets?ids=…&tweet.fields=public_metrics (unknown ids
as resource-not-found errors next to the data).

Behaves like X where it matters: 403 for a tweet with the same text as one already posted, 400 over
280 weighted characters, links answered as t.co, x-rate-limit-* headers on every answer, a timeline
that honours start_time, and `data`/`errors` left out when empty.
"""

import base64
import datetime as dt
import hashlib
import itertools
import re
import secrets
import time
import unicodedata
from urllib.parse import parse_qs, urlsplit

from .base import FakeNetwork, bearer, json_response

X_NOT_FOUND = "https://api.twitter.com/2/problems/resource-not-found"
URL_RE = re.compile(r"https?://\S+")
TCO_LENGTH = 23
# twitter-text v3: code points in these ranges weigh 1, every other 2; a URL weighs 23.
LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
RATE_LIMIT = 100  # POST /2/tweets per 15 minutes per user, as X publishes it


def weighted_length(text: str) -> int:
    text = unicodedata.normalize("NFC", text)
    length, last = 0, 0
    for match in URL_RE.finditer(text):
        length += _weight(text[last : match.start()]) + TCO_LENGTH
        last = match.end()
    return length + _weight(text[last:])


def _weight(text: str) -> int:
    return sum(1 if any(lo <= ord(ch) <= hi for lo, hi in LIGHT_RANGES) else 2 for ch in text)


def tco(url: str) -> str:
    return "https://t.co/" + hashlib.sha256(url.encode()).hexdigest()[:10]


def shortened(text: str) -> str:
    return URL_RE.sub(lambda m: tco(m.group(0)), text)


class FakeX(FakeNetwork):
    prefix = "/x"
    ROUTES = [
        ("POST", r"/2/tweets", "tweets"),
        ("POST", r"/2/media/upload", "media_upload"),
        ("POST", r"/2/oauth2/token", "token"),
        ("GET", r"/2/users/(?P<user_id>\d+)/tweets", "user_tweets"),
        ("GET", r"/2/users/me", "users_me"),
        ("GET", r"/2/tweets", "tweet_lookup"),
    ]
    app_token = "app-token"  # X_BEARER_TOKEN: app-only auth for lookups
    client_id = "x-client-id"
    client_secret = "x-client-secret"

    def __init__(self, server) -> None:
        super().__init__(server)
        self.access = {"x-access-1"}
        self.refresh = {"x-refresh-1"}
        self.spent_refresh: set[str] = set()
        self.codes: dict[str, dict] = {}
        self.media: dict[str, dict] = {}
        self.tweets: list[dict] = []
        self.seq = itertools.count(1_861_000_000_000_000_001)
        self.public_metrics: dict[str, dict] = {}
        self.lookups: list[list[str]] = []

    def handle(self, request):
        response = super().handle(request)
        reset = str(int(time.time()) + 15 * 60)
        used = sum(1 for name, _ in self.calls if name == "tweets")
        for header, value in (
            ("x-rate-limit-limit", str(RATE_LIMIT)),
            ("x-rate-limit-remaining", str(max(0, RATE_LIMIT - used))),
            ("x-rate-limit-reset", reset),
        ):
            if header not in response.headers:
                response.headers[header] = value
        return response

    def _auth(self, request):
        if bearer(request) not in self.access:
            return json_response(
                {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}, 401
            )
        return None

    token_delay = 0.0  # seconds the token endpoint takes (widens race windows in concurrency tests)

    # The employee's browser at x.com/i/oauth2/authorize: approve and return the callback query.
    def approve(self, authorize_url: str) -> dict:
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        assert query["response_type"] == "code"
        assert query["client_id"] == self.client_id
        assert query["code_challenge_method"] == "S256", "X requires PKCE"
        assert {"tweet.write", "offline.access", "media.write"} <= set(query["scope"].split())
        code = secrets.token_urlsafe(8)
        self.codes[code] = query
        return {"code": code, "state": query["state"]}

    def _issue(self) -> dict:
        access, refresh = f"x-access-{secrets.token_hex(4)}", f"x-refresh-{secrets.token_hex(4)}"
        self.access.add(access)
        self.refresh.add(refresh)
        return {
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": access,
            "scope": "tweet.read tweet.write users.read media.write offline.access",
            "refresh_token": refresh,
        }

    def route_token(self, request):
        time.sleep(self.token_delay)
        auth = request.headers.get("Authorization", "")
        expected = "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if auth != expected:
            return json_response(
                {"error": "unauthorized_client", "error_description": "Missing valid authorization header"}, 401
            )
        form = request.form
        if form.get("grant_type") == "authorization_code":
            grant = self.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if not grant or form.get("redirect_uri") != grant["redirect_uri"] or challenge != grant["code_challenge"]:
                return json_response(
                    {
                        "error": "invalid_request",
                        "error_description": "Value passed for the authorization code was invalid.",
                    },
                    400,
                )
            return json_response(self._issue())
        token = form.get("refresh_token", "")
        if form.get("grant_type") != "refresh_token" or token not in self.refresh:
            return json_response(
                {"error": "invalid_request", "error_description": "Value passed for the token was invalid."}, 400
            )
        self.refresh.discard(token)  # single use
        self.spent_refresh.add(token)
        return json_response(self._issue())

    def route_users_me(self, request):
        if denied := self._auth(request):
            return denied
        return json_response({"data": {"id": "2244994945", "name": "Alice", "username": "alice_x", "verified": False}})

    def route_user_tweets(self, request, user_id):
        if denied := self._auth(request):
            return denied
        if not request.args.get("start_time"):
            return json_response({"title": "Invalid Request", "detail": "start_time expected", "status": 400}, 400)
        start = dt.datetime.fromisoformat(request.args["start_time"].replace("Z", "+00:00"))
        data = []
        for tweet in reversed(self.tweets):
            if tweet["created_at"] < start:
                continue
            text = tweet["body"]["text"]
            urls = []
            for match in URL_RE.finditer(text):
                start_at = len(shortened(text[: match.start()]))
                urls.append(
                    {
                        "start": start_at,
                        "end": start_at + TCO_LENGTH,
                        "url": tco(match.group(0)),
                        "expanded_url": match.group(0),
                        "display_url": match.group(0).split("://", 1)[1][:26],
                    }
                )
            item = {
                "id": tweet["id"],
                "text": shortened(text),
                "created_at": tweet["created_at"].strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "edit_history_tweet_ids": [tweet["id"]],
            }
            if urls:
                item["entities"] = {"urls": urls}
            data.append(item)
        page = data[: int(request.args.get("max_results", 10))]
        if not page:
            return json_response({"meta": {"result_count": 0}})
        return json_response(
            {"data": page, "meta": {"result_count": len(page), "newest_id": page[0]["id"], "oldest_id": page[-1]["id"]}}
        )

    def route_media_upload(self, request):
        if denied := self._auth(request):
            return denied
        media = request.files.get("media")
        if media is None or request.form.get("media_category") != "tweet_image":
            return json_response(
                {"title": "Invalid Request", "detail": "media and media_category=tweet_image required", "status": 400},
                400,
            )
        data = media.read()
        if len(data) > 5 * 1024 * 1024:
            return json_response({"title": "Invalid Request", "detail": "File size exceeds 5MB", "status": 400}, 400)
        media_id = str(next(self.seq))
        self.media[media_id] = {"bytes": len(data)}
        return json_response(
            {
                "data": {
                    "id": media_id,
                    "media_key": f"3_{media_id}",
                    "size": len(data),
                    "expires_after_secs": 86400,
                    "image": {"image_type": "image/jpeg", "w": 1600, "h": 900},
                }
            }
        )

    def route_tweets(self, request):
        if denied := self._auth(request):
            return denied
        body = request.get_json(silent=True) or {}
        if not body.get("text"):
            return json_response(
                {
                    "errors": [{"message": "text is required"}],
                    "title": "Invalid Request",
                    "detail": "One or more parameters to your request was invalid.",
                    "type": "https://api.twitter.com/2/problems/invalid-request",
                },
                400,
            )
        if weighted_length(body["text"]) > 280:
            return json_response(
                {
                    "errors": [{"message": "Your Tweet text is too long."}],
                    "title": "Invalid Request",
                    "detail": "One or more parameters to your request was invalid.",
                    "type": "https://api.twitter.com/2/problems/invalid-request",
                },
                400,
            )
        for media_id in (body.get("media") or {}).get("media_ids", []):
            if media_id not in self.media:
                return json_response(
                    {"title": "Invalid Request", "detail": "Your media IDs are invalid.", "status": 400}, 400
                )
            if self.media[media_id].get("attached"):
                return json_response(
                    {"title": "Invalid Request", "detail": "Your media IDs are invalid.", "status": 400}, 400
                )
        if any(t["body"]["text"] == body["text"] for t in self.tweets):
            return json_response(
                {
                    "title": "Forbidden",
                    "type": "about:blank",
                    "status": 403,
                    "detail": "You are not allowed to create a Tweet with duplicate content.",
                },
                403,
            )
        for media_id in (body.get("media") or {}).get("media_ids", []):
            self.media[media_id]["attached"] = True
        tweet_id = str(next(self.seq))
        links = URL_RE.findall(body["text"])
        self.tweets.append({"id": tweet_id, "body": body, "links": links, "created_at": dt.datetime.now(dt.UTC)})
        return json_response(
            {"data": {"id": tweet_id, "text": shortened(body["text"]), "edit_history_tweet_ids": [tweet_id]}}, 201
        )

    # Metrics ------------------------------------------------------------------------
    def tweet_metrics(
        self, tweet_id: str, *, likes=0, retweets=0, replies=0, quotes=0, impressions=0, bookmarks=0
    ) -> None:
        self.public_metrics[tweet_id] = {
            "retweet_count": retweets,
            "reply_count": replies,
            "like_count": likes,
            "quote_count": quotes,
            "bookmark_count": bookmarks,
            "impression_count": impressions,
        }

    def route_tweet_lookup(self, request):
        if bearer(request) != self.app_token and bearer(request) not in self.access:
            return json_response(
                {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}, 401
            )
        ids = request.args.get("ids", "").split(",")
        self.lookups.append(ids)
        if len(ids) > 100:
            return json_response({"title": "Invalid Request", "detail": "ids: size must be between 1 and 100"}, 400)
        body: dict = {"data": [], "errors": []}
        for tweet_id in ids:
            if tweet_id in self.public_metrics:
                body["data"].append(
                    {
                        "id": tweet_id,
                        "text": "Our new release is out!",
                        "edit_history_tweet_ids": [tweet_id],
                        "public_metrics": self.public_metrics[tweet_id],
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
        return json_response(body)
