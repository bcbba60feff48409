"""Fake LinkedIn REST API: Posts API (article and image content) and Images API."""

import itertools
import re

from werkzeug import Response

from .base import FakeNetwork, bearer, json_response


class FakeLinkedIn(FakeNetwork):
    prefix = "/li"
    ROUTES = [
        ("POST", r"/rest/images", "images_initialize"),
        ("PUT", r"/upload/(?P<image_id>\w+)", "upload"),
        ("POST", r"/rest/posts", "posts"),
    ]

    def __init__(self, server) -> None:
        super().__init__(server)
        self.tokens = {"li-token"}
        self.person = "urn:li:person:AbC123xyz"
        self.images: dict[str, dict] = {}
        self.posts: list[dict] = []
        self.seq = itertools.count(7_400_000_000_000_000_001)

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
