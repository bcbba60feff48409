"""Fake LinkedIn REST API: Posts API (article and image content) and Images API."""

import itertools
import re
import secrets
import time
from urllib.parse import parse_qs, unquote, urlsplit

import jwt
from werkzeug import Response

from .base import FakeNetwork, bearer, json_response


class FakeLinkedIn(FakeNetwork):
    prefix = "/li"
    ROUTES = [
        ("POST", r"/rest/images", "images_initialize"),
        ("PUT", r"/upload/(?P<image_id>\w+)", "upload"),
        ("POST", r"/rest/posts", "posts"),
        ("GET", r"/oauth/\.well-known/openid-configuration", "openid_configuration"),
        ("POST", r"/oauth/v2/accessToken", "access_token"),
        ("GET", r"/v2/userinfo", "userinfo"),
        ("GET", r"/rest/memberCreatorPostAnalytics", "post_analytics"),
    ]
    issuer = "https://www.linkedin.com/oauth"
    client_id = "li-client"
    client_secret = "li-secret"

    def __init__(self, server) -> None:
        super().__init__(server)
        self.tokens = {"li-token"}
        self.codes: dict[str, dict] = {}
        self.person = "urn:li:person:AbC123xyz"
        self.images: dict[str, dict] = {}
        self.posts: list[dict] = []
        self.seq = itertools.count(7_400_000_000_000_000_001)
        self.analytics: dict[str, dict[str, int]] = {}
        self.analytics_requests: list[str] = []

    # OpenID Connect (Sign In with LinkedIn v2) -----------------------------------------
    def approve(self, authorize_url: str) -> dict:
        """The member approves on linkedin.com: return the callback query."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        assert query["response_type"] == "code" and query["client_id"] == self.client_id
        assert {"openid", "profile", "w_member_social"} <= set(query["scope"].split())
        code = secrets.token_urlsafe(8)
        self.codes[code] = query
        return {"code": code, "state": query["state"]}

    def route_openid_configuration(self, request):
        return json_response(
            {
                "issuer": self.issuer,
                "authorization_endpoint": self.url("/oauth/v2/authorization"),
                "token_endpoint": self.url("/oauth/v2/accessToken"),
                "userinfo_endpoint": self.url("/v2/userinfo"),
                "jwks_uri": self.url("/oauth/openid/jwks"),
                "response_types_supported": ["code"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "profile", "email"],
                "claims_supported": [
                    "iss",
                    "aud",
                    "iat",
                    "exp",
                    "sub",
                    "name",
                    "given_name",
                    "family_name",
                    "picture",
                    "email",
                    "email_verified",
                    "locale",
                ],
            }
        )

    def route_access_token(self, request):
        form = request.form
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return json_response({"error": "invalid_client", "error_description": "Client authentication failed"}, 401)
        grant = self.codes.pop(form.get("code", ""), None)
        if (
            form.get("grant_type") != "authorization_code"
            or not grant
            or form.get("redirect_uri") != grant["redirect_uri"]
        ):
            return json_response(
                {
                    "error": "invalid_request",
                    "error_description": "Unable to retrieve access token: authorization code not found",
                },
                400,
            )
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 3600,
            "sub": self.person.rsplit(":", 1)[-1],
            "name": "Alice Example",
            "email": "alice@example.com",
            "email_verified": True,
        }
        # Signed with a throwaway key: allauth skips signature checks for tokens it fetched itself over TLS.
        id_token = jwt.encode(claims, "fake-linkedin-key-that-is-long-enough-for-hs256", algorithm="HS256")
        token = f"li-{secrets.token_hex(6)}"
        self.tokens.add(token)
        return json_response(
            {
                "access_token": token,
                "expires_in": 5183999,
                "scope": grant["scope"].replace(" ", ","),
                "token_type": "Bearer",
                "id_token": id_token,
            }
        )

    def route_userinfo(self, request):
        if bearer(request) not in self.tokens:
            return json_response({"serviceErrorCode": 65600, "message": "Invalid access token", "status": 401}, 401)
        return json_response(
            {
                "sub": self.person.rsplit(":", 1)[-1],
                "email_verified": True,
                "name": "Alice Example",
                "locale": {"country": "US", "language": "en"},
                "given_name": "Alice",
                "family_name": "Example",
                "email": "alice@example.com",
            }
        )

    def _check(self, request):
        if bearer(request) not in self.tokens:
            return json_response(
                {
                    "status": 401,
                    "serviceErrorCode": 65601,
                    "code": "REVOKED_ACCESS_TOKEN",
                    "message": "The token used in the request has been revoked by the user",
                },
                401,
            )
        if not re.fullmatch(r"20\d{4}", request.headers.get("LinkedIn-Version", "")):
            return json_response(
                {"status": 426, "code": "NONEXISTENT_VERSION", "message": "Requested version is not active"}, 426
            )
        if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
            return json_response({"status": 400, "message": "X-Restli-Protocol-Version 2.0.0 required"}, 400)
        return None

    def route_images_initialize(self, request):
        if denied := self._check(request):
            return denied
        if request.args.get("action") != "initializeUpload":
            return json_response({"status": 400, "message": "Unknown action"}, 400)
        owner = ((request.get_json(silent=True) or {}).get("initializeUploadRequest") or {}).get("owner")
        if owner != self.person:
            return json_response({"status": 403, "message": "Not enough permissions to upload for this owner"}, 403)
        image_id = f"D4E10AQ{next(self.seq)}"
        self.images[image_id] = {"uploaded": False}
        return json_response(
            {
                "value": {
                    "uploadUrlExpiresAt": 1764100000000,
                    "uploadUrl": self.url(f"/upload/{image_id}"),
                    "image": f"urn:li:image:{image_id}",
                }
            }
        )

    def route_upload(self, request, image_id):
        if image_id not in self.images or not request.get_data():
            return json_response({"status": 400, "message": "Bad upload"}, 400)
        self.images[image_id] = {"uploaded": True, "bytes": len(request.get_data())}
        return Response(status=201)

    def route_posts(self, request):
        if denied := self._check(request):
            return denied
        body = request.get_json(silent=True) or {}
        required = {"author", "commentary", "visibility", "distribution", "lifecycleState"}
        if missing := required - body.keys():
            return json_response({"status": 422, "message": f"Missing fields: {sorted(missing)}"}, 422)
        if body["author"] != self.person:
            return json_response(
                {"status": 403, "message": "Member does not have permission to create content for this author"}, 403
            )
        if len(body["commentary"]) > 3000:
            return json_response({"status": 422, "message": "/commentary :: length exceeds 3000"}, 422)
        content = body.get("content") or {}
        article = content.get("article")
        if article is not None:
            if not article.get("source") or not article.get("title"):
                return json_response({"status": 422, "message": "/content/article :: source and title required"}, 422)
            thumb = article.get("thumbnail")
            if thumb and not self.images.get(thumb.rsplit(":", 1)[-1], {}).get("uploaded"):
                return json_response(
                    {"status": 422, "message": "/content/article/thumbnail :: image not uploaded"}, 422
                )
        urn = f"urn:li:share:{next(self.seq)}"
        self.posts.append({"urn": urn, "body": body})
        return Response(status=201, headers={"x-restli-id": urn, "x-linkedin-id": urn})

    # Metrics: memberCreatorPostAnalytics?q=entity&entity=(share:…)&queryType=…&aggregation=TOTAL ---
    def post_analytics_for(self, urn: str, **counts: int) -> None:
        self.analytics[urn] = counts

    def route_post_analytics(self, request):
        entity = unquote(request.args.get("entity", ""))
        self.analytics_requests.append(entity)
        if denied := self._check(request):
            return denied
        urn = entity[entity.index(":") + 1 : -1] if entity.startswith("(") else ""
        if urn not in self.analytics:
            return json_response({"status": 404, "message": "Not found"}, 404)
        query_type = request.args.get("queryType")
        metric = {"REACTION": "reactions", "COMMENT": "comments", "RESHARE": "reshares", "IMPRESSION": "impressions"}
        value = self.analytics[urn].get(metric[query_type], 0)
        key = "com.linkedin.adsexternalapi.memberanalytics.v1.CreatorPostAnalyticsMetricTypeV1"
        return json_response(
            {
                "paging": {"start": 0, "count": 10, "links": []},
                "elements": [{"count": value, "metricType": {key: query_type}}],
            }
        )
