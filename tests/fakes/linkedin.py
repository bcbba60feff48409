"""Fake LinkedIn: Posts API (article and image content), Images API, OpenID Connect sign-in, token
introspection and member post analytics.

Behaves like LinkedIn where it matters: a second post with the same commentary is refused with 422
DUPLICATE_POST naming the URN of the first, error bodies carry Rest.li `errorDetails`, and the id_token
is RS256-signed with a key published at the JWKS endpoint.
"""

import itertools
import json
import re
import secrets
import time
from urllib.parse import parse_qs, unquote, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug import Response

from .base import FakeNetwork, bearer, json_response

# One signing key for the test session (generating RSA keys is slow).
_SIGNING_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_KEY_ID = "fake-linkedin-1"


def linkedin_error(status: int, message: str, *, code: str = "", field: str = "") -> Response:
    """A Rest.li error answer as the Posts API sends it."""
    body: dict = {"status": status, "message": message}
    if code:
        body["code"] = code
    if code or field:
        body["errorDetailType"] = "com.linkedin.common.error.BadRequest"
        body["errorDetails"] = {
            "inputErrors": [
                {
                    "description": message,
                    "input": {"inputPath": {"fieldPath": field}} if field else {},
                    "code": code or "INVALID_VALUE",
                }
            ]
        }
    return json_response(body, status)


class FakeLinkedIn(FakeNetwork):
    prefix = "/li"
    ROUTES = [
        ("POST", r"/rest/images", "images_initialize"),
        ("PUT", r"/upload/(?P<image_id>\w+)", "upload"),
        ("POST", r"/rest/posts", "posts"),
        ("GET", r"/oauth/\.well-known/openid-configuration", "openid_configuration"),
        ("GET", r"/oauth/openid/jwks", "jwks"),
        ("POST", r"/oauth/v2/accessToken", "access_token"),
        ("POST", r"/oauth/v2/introspectToken", "introspect"),
        ("GET", r"/v2/userinfo", "userinfo"),
        ("GET", r"/rest/memberCreatorPostAnalytics", "post_analytics"),
    ]
    issuer = "https://www.linkedin.com/oauth"
    client_id = "li-client"
    client_secret = "li-secret"

    def __init__(self, server) -> None:
        super().__init__(server)
        self.tokens = {"li-token"}
        self.token_scopes: dict[str, str] = {"li-token": "email,openid,profile,w_member_social"}
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
        id_token = jwt.encode(claims, _SIGNING_KEY, algorithm="RS256", headers={"kid": _KEY_ID})
        token = f"li-{secrets.token_hex(6)}"
        self.tokens.add(token)
        # LinkedIn lists the granted scopes comma-separated.
        self.token_scopes[token] = ",".join(grant["scope"].split())
        return json_response(
            {
                "access_token": token,
                "expires_in": 5183999,
                "scope": self.token_scopes[token],
                "token_type": "Bearer",
                "id_token": id_token,
            }
        )

    def route_jwks(self, request):
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(_SIGNING_KEY.public_key()))
        return json_response({"keys": [{**public, "kid": _KEY_ID, "use": "sig", "alg": "RS256"}]})

    def route_introspect(self, request):
        form = request.form
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return json_response({"error": "invalid_client", "error_description": "Client authentication failed"}, 401)
        token = form.get("token", "")
        if token not in self.tokens:
            return json_response({"active": False, "status": "revoked"})
        now = int(time.time())
        return json_response(
            {
                "active": True,
                "client_id": self.client_id,
                "authorized_at": now,
                "created_at": now,
                "status": "active",
                "expires_at": now + 5183999,
                "scope": self.token_scopes.get(token, "w_member_social"),
                "auth_type": "3L",
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
            return linkedin_error(400, "X-Restli-Protocol-Version 2.0.0 required", code="INVALID_VALUE")
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
            return linkedin_error(422, f"Missing fields: {sorted(missing)}", code="MISSING_FIELD")
        if body["author"] != self.person:
            return json_response(
                {"status": 403, "message": "Member does not have permission to create content for this author"}, 403
            )
        if len(body["commentary"]) > 3000:
            return linkedin_error(422, "/commentary :: length exceeds 3000", code="INVALID_VALUE", field="/commentary")
        for earlier in self.posts:
            if earlier["body"]["author"] == body["author"] and earlier["body"]["commentary"] == body["commentary"]:
                return linkedin_error(
                    422, f"Content is a duplicate of {earlier['urn']}", code="DUPLICATE_POST", field="/commentary"
                )
        content = body.get("content") or {}
        article = content.get("article")
        if article is not None:
            if not article.get("source") or not article.get("title"):
                return linkedin_error(
                    422, "/content/article :: source and title required", code="MISSING_FIELD", field="/content"
                )
            thumb = article.get("thumbnail")
            if thumb and not self.images.get(thumb.rsplit(":", 1)[-1], {}).get("uploaded"):
                return linkedin_error(
                    422, "/content/article/thumbnail :: image not uploaded", code="INVALID_VALUE", field="/content"
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
