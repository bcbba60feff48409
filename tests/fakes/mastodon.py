"""Fake Mastodon instance (docs.joinmastodon.org): apps, OAuth with PKCE, accounts, statuses, media v2.

Mounted at the server root, so the instance name is the server's host:port.
"""

import base64
import hashlib
import itertools
import secrets
from urllib.parse import parse_qs, urlsplit

import regex

from .base import FakeNetwork, bearer, json_response

GRAPHEME = regex.compile(r"\X")
URL = regex.compile(r"https?://\S+")


class FakeMastodon(FakeNetwork):
    prefix = ""
    ROUTES = [
        ("POST", r"/api/v1/apps", "apps"),
        ("GET", r"/\.well-known/oauth-authorization-server", "metadata"),
        ("POST", r"/oauth/token", "token"),
        ("POST", r"/oauth/revoke", "revoke"),
        ("GET", r"/api/v1/accounts/verify_credentials", "verify_credentials"),
        ("POST", r"/api/v2/media", "media"),
        ("GET", r"/api/v1/media/(?P<media_id>\d+)", "media_get"),
        ("POST", r"/api/v1/statuses", "statuses"),
        ("GET", r"/api/v1/statuses/(?P<status_id>\d+)", "status_get"),
        ("GET", r"/api/v2/search", "search"),
        ("POST", r"/api/v1/statuses/(?P<status_id>\d+)/favourite", "favourite"),
        ("POST", r"/api/v1/statuses/(?P<status_id>\d+)/reblog", "reblog"),
    ]

    def __init__(self, server, *, pkce: bool = True, media_processing_polls: int = 0) -> None:
        self.instance = f"{server.host}:{server.port}"
        self.pkce = pkce
        self.media_processing_polls = media_processing_polls
        self.apps: dict[str, dict] = {}
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.media: dict[str, dict] = {}
        self.statuses: list[dict] = []
        self.idempotency: dict[tuple[str, str], dict] = {}
        self.ids = itertools.count(110_000_000_000_000_001)
        self.counts: dict[str, dict] = {}  # engagement of statuses made elsewhere (metrics tests)
        self.lookups: list[str] = []
        self.remote: dict[str, dict] = {}  # statuses of other instances, by URL, that search can resolve
        self.favourites: set[tuple[str, str]] = set()  # (token, status id)
        self.reblogs: dict[tuple[str, str], dict] = {}
        self.account = {"id": "109876", "username": "alice", "acct": "alice", "url": f"http://{self.instance}/@alice"}
        super().__init__(server)

    # The employee's browser at /oauth/authorize: approve and return the callback query.
    def approve(self, authorize_url: str) -> dict:
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        assert query["response_type"] == "code"
        assert query["client_id"] in self.apps, "unknown client_id"
        app = self.apps[query["client_id"]]
        assert query["redirect_uri"] == app["redirect_uri"]
        assert set(query["scope"].split()) <= set(app["scopes"].split())
        if self.pkce:
            assert query.get("code_challenge_method") == "S256", "PKCE expected"
        code = secrets.token_urlsafe(8)
        self.codes[code] = query
        return {"code": code, "state": query["state"]}

    def route_apps(self, request):
        form = request.form
        if not form.get("client_name") or not form.get("redirect_uris"):
            return json_response({"error": "Validation failed: Application name can't be blank"}, 422)
        client_id = secrets.token_urlsafe(12)
        app = {
            "id": str(len(self.apps) + 1),
            "name": form["client_name"],
            "website": form.get("website"),
            "scopes": form.get("scopes", "read"),
            "redirect_uri": form["redirect_uris"],
            "redirect_uris": [form["redirect_uris"]],
            "client_id": client_id,
            "client_secret": secrets.token_urlsafe(16),
            "vapid_key": "BCk-QqERU0q-CfYZjcuB6lnyyOYfJ2AifKqfeGIm7Z-HiTU5T9eTG5GxVA0_OH5mMlI4UkkDTpaZwozy0TzdZ2M=",
        }
        self.apps[client_id] = app
        return json_response(app)

    def route_metadata(self, request):
        if not self.pkce:
            return json_response({"error": "Record not found"}, 404)
        base = f"http://{self.instance}"
        return json_response(
            {
                "issuer": base,
                "authorization_endpoint": f"{base}/oauth/authorize",
                "token_endpoint": f"{base}/oauth/token",
                "code_challenge_methods_supported": ["S256"],
                "grant_types_supported": ["authorization_code", "client_credentials"],
            }
        )

    def route_token(self, request):
        form = request.form
        app = self.apps.get(form.get("client_id", ""))
        if not app or form.get("client_secret") != app["client_secret"]:
            return json_response({"error": "invalid_client", "error_description": "Client authentication failed"}, 401)
        grant = self.codes.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or grant is None:
            return json_response(
                {"error": "invalid_grant", "error_description": "The provided authorization grant is invalid"}, 400
            )
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return json_response({"error": "invalid_grant", "error_description": "redirect_uri mismatch"}, 400)
        if grant.get("code_challenge"):
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if digest != grant["code_challenge"]:
                return json_response({"error": "invalid_grant", "error_description": "PKCE verification failed"}, 400)
        token = secrets.token_urlsafe(24)
        self.tokens[token] = {"scope": grant["scope"]}
        return json_response(
            {"access_token": token, "token_type": "Bearer", "scope": grant["scope"], "created_at": 1764000000}
        )

    def route_revoke(self, request):
        form = request.form
        app = self.apps.get(form.get("client_id", ""))
        if not app or form.get("client_secret") != app["client_secret"]:
            return json_response({"error": "unauthorized_client"}, 403)
        self.tokens.pop(form.get("token", ""), None)
        return json_response({})

    def _authorised(self, request):
        if bearer(request) not in self.tokens:
            return json_response({"error": "The access token is invalid"}, 401)
        return None

    def route_verify_credentials(self, request):
        return self._authorised(request) or json_response(self.account)

    def route_media(self, request):
        if denied := self._authorised(request):
            return denied
        upload = request.files.get("file")
        if upload is None:
            return json_response({"error": "Validation failed: File can't be blank"}, 422)
        data = upload.read()
        if len(data) > 16 * 1024 * 1024:
            return json_response({"error": "Validation failed: File file size must be less than 16 MB"}, 422)
        media_id = str(next(self.ids))
        self.media[media_id] = {
            "polls_left": self.media_processing_polls,
            "description": request.form.get("description"),
            "bytes": data,
        }
        body = {
            "id": media_id,
            "type": "image",
            "url": None if self.media_processing_polls else f"http://{self.instance}/m/{media_id}.jpg",
            "description": request.form.get("description"),
        }
        return json_response(body, 202 if self.media_processing_polls else 200)

    def route_media_get(self, request, media_id):
        if denied := self._authorised(request):
            return denied
        media = self.media.get(media_id)
        if media is None:
            return json_response({"error": "Record not found"}, 404)
        if media["polls_left"] > 0:
            media["polls_left"] -= 1
            return json_response({"id": media_id, "type": "image", "url": None}, 206)
        return json_response({"id": media_id, "type": "image", "url": f"http://{self.instance}/m/{media_id}.jpg"})

    def route_statuses(self, request):
        if denied := self._authorised(request):
            return denied
        token = bearer(request)
        key = request.headers.get("Idempotency-Key")
        if key and (token, key) in self.idempotency:
            return json_response(self.idempotency[(token, key)])
        body = request.get_json(silent=True) or {}
        text = body.get("status", "")
        if not text and not body.get("media_ids"):
            return json_response({"error": "Validation failed: Text can't be blank"}, 422)
        length = len(GRAPHEME.findall(URL.sub("x" * 23, text)))
        if length > 500:
            return json_response({"error": "Validation failed: Text character limit of 500 exceeded"}, 422)
        for media_id in body.get("media_ids", []):
            if media_id not in self.media:
                return json_response({"error": "Validation failed: media not found"}, 422)
        status_id = str(next(self.ids))
        status = {
            "id": status_id,
            "created_at": "2026-11-25T12:00:00.000Z",
            "uri": f"http://{self.instance}/users/alice/statuses/{status_id}",
            "url": f"http://{self.instance}/@alice/{status_id}",
            "content": f"<p>{text}</p>",
            "visibility": body.get("visibility", "public"),
            "media_attachments": [{"id": m, "type": "image"} for m in body.get("media_ids", [])],
            "account": self.account,
            "favourites_count": 0,
            "reblogs_count": 0,
            "replies_count": 0,
        }
        self.statuses.append({"text": text, "status": status, "idempotency_key": key})
        if key:
            self.idempotency[(token, key)] = status
        return json_response(status)

    def route_status_get(self, request, status_id):
        self.lookups.append(status_id)
        if denied := self._authorised(request):
            return denied
        for item in self.statuses:
            if item["status"]["id"] == status_id:
                return json_response(item["status"])
        if status_id in self.counts:
            return json_response(
                {
                    "id": status_id,
                    "created_at": "2026-11-25T10:00:00.000Z",
                    "visibility": "public",
                    "url": f"https://social.example/@alice/{status_id}",
                    "content": "<p>Out now</p>",
                    **self.counts[status_id],
                }
            )
        return json_response({"error": "Record not found"}, 404)

    # Metrics ------------------------------------------------------------------------
    def grant(self, token: str) -> None:
        """Make `token` a valid access token (for accounts made without the OAuth dance)."""
        self.tokens[token] = {"scope": "read"}

    def status_metrics(self, status_id: str, *, favourites=0, reblogs=0, replies=0) -> None:
        self.counts[status_id] = {"favourites_count": favourites, "reblogs_count": reblogs, "replies_count": replies}

    # Engaging with someone's status ----------------------------------------------------
    def remote_status(self, url: str, *, private: bool = False) -> str:
        """A status on another instance that this one can fetch by its URL; returns its local id here."""
        status_id = str(next(self.ids))
        self.remote[url] = {
            "id": status_id,
            "created_at": "2026-11-25T09:00:00.000Z",
            "uri": url.replace("/@", "/users/").rsplit("/", 1)[0] + "/statuses/" + url.rsplit("/", 1)[-1],
            "url": url,
            "visibility": "private" if private else "public",
            "content": "<p>We just opened our Lisbon office!</p>",
            "account": {"id": "55", "username": "bob", "acct": "bob@social.example"},
            "favourites_count": 0,
            "reblogs_count": 0,
            "favourited": False,
            "reblogged": False,
        }
        return status_id

    def route_search(self, request):
        # Mastodon shows statuses to signed-in people only, and resolves a remote URL only with resolve=true.
        if denied := self._authorised(request):
            return denied
        q = request.args.get("q", "")
        status = self.remote.get(q)
        found = []
        if status and request.args.get("resolve") == "true" and status["visibility"] == "public":
            found = [status]
        return json_response({"accounts": [], "statuses": found, "hashtags": []})

    def _status_by_id(self, status_id):
        return next((s for s in self.remote.values() if s["id"] == status_id), None)

    def route_favourite(self, request, status_id):
        if denied := self._authorised(request):
            return denied
        granted = self.tokens[bearer(request)]["scope"].split()
        if "write" not in granted and "write:favourites" not in granted:
            return json_response({"error": "This action is outside the authorized scopes"}, 403)
        status = self._status_by_id(status_id)
        if status is None:
            return json_response({"error": "Record not found"}, 404)
        key = (bearer(request), status_id)
        if key not in self.favourites:  # favouriting twice answers the status, counted once
            self.favourites.add(key)
            status["favourites_count"] += 1
        return json_response({**status, "favourited": True})

    def route_reblog(self, request, status_id):
        if denied := self._authorised(request):
            return denied
        status = self._status_by_id(status_id)
        if status is None:
            return json_response({"error": "Record not found"}, 404)
        key = (bearer(request), status_id)
        if key not in self.reblogs:  # a second boost answers the first one
            status["reblogs_count"] += 1
            self.reblogs[key] = {
                "id": str(next(self.ids)),
                "reblog": {**status, "reblogged": True},
                "account": self.account,
                "content": "",
            }
        return json_response(self.reblogs[key])

    def grant_scopes(self, token: str, scope: str) -> None:
        self.tokens[token] = {"scope": scope}
