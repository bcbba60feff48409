"""Fake Bluesky: handle resolution, PLC directory, and a PDS (sessions, blobs, records) per the atproto lexicons."""

import datetime as dt
import hashlib
import itertools
import secrets

import regex

from .base import FakeNetwork, bearer, json_response

GRAPHEME = regex.compile(r"\X")
ENGAGE_COLLECTIONS = ("app.bsky.feed.like", "app.bsky.feed.repost")
TID = regex.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


class FakeBluesky(FakeNetwork):
    prefix = "/bsky"
    ROUTES = [
        ("GET", r"/xrpc/com\.atproto\.identity\.resolveHandle", "resolve_handle"),
        ("GET", r"/plc/(?P<did>did:plc:[a-z0-9]+)", "plc"),
        ("POST", r"/xrpc/com\.atproto\.server\.createSession", "create_session"),
        ("POST", r"/xrpc/com\.atproto\.server\.refreshSession", "refresh_session"),
        ("POST", r"/xrpc/com\.atproto\.repo\.uploadBlob", "upload_blob"),
        ("POST", r"/xrpc/com\.atproto\.repo\.createRecord", "create_record"),
        ("GET", r"/xrpc/com\.atproto\.repo\.getRecord", "get_record"),
        ("GET", r"/xrpc/app\.bsky\.feed\.getPosts", "get_posts"),  # the public AppView (metrics)
    ]

    def __init__(self, server) -> None:
        super().__init__(server)
        self.did = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
        self.handle = "alice.example.com"
        self.app_password = "abcd-efgh-ijkl-mnop"
        self.access: set[str] = set()
        self.refresh: set[str] = set()
        self.blobs: dict[str, dict] = {}
        self.records: dict[str, dict] = {}
        self.seq = itertools.count(1)
        self.post_counts: dict[str, dict] = {}
        self.lookups: list[list[str]] = []
        # How createRecord refuses a record key already in use. The PDS today: 500 InternalServerError
        # (atproto #3718, indigo #873). With atproto PR #4728: an explicit RecordAlreadyExists error;
        # set (status, "RecordAlreadyExists") to play such a PDS.
        self.record_exists_answer: tuple[int, str] = (500, "InternalServerError")

    @property
    def resolver_url(self) -> str:
        return self.url()

    @property
    def plc_url(self) -> str:
        return self.url("/plc")

    def expire_access_tokens(self) -> None:
        self.access.clear()

    def _session(self) -> dict:
        access, refresh = f"acc-{secrets.token_hex(8)}", f"ref-{secrets.token_hex(8)}"
        self.access.add(access)
        self.refresh.add(refresh)
        return {"did": self.did, "handle": self.handle, "accessJwt": access, "refreshJwt": refresh, "active": True}

    def _auth(self, request):
        token = bearer(request)
        if token in self.access:
            return None
        if token.startswith("acc-"):
            return json_response({"error": "ExpiredToken", "message": "Token has expired"}, 400)
        return json_response({"error": "AuthenticationRequired", "message": "Authentication Required"}, 401)

    def route_resolve_handle(self, request):
        if request.args.get("handle") != self.handle:
            return json_response({"error": "InvalidRequest", "message": "Unable to resolve handle"}, 400)
        return json_response({"did": self.did})

    def route_plc(self, request, did):
        if did != self.did:
            return json_response({"message": f"DID not registered: {did}"}, 404)
        return json_response(
            {
                "@context": ["https://www.w3.org/ns/did/v1"],
                "id": did,
                "alsoKnownAs": [f"at://{self.handle}"],
                "service": [{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": self.url()}],
            }
        )

    def route_create_session(self, request):
        body = request.get_json(silent=True) or {}
        if body.get("identifier") not in (self.handle, self.did) or body.get("password") != self.app_password:
            return json_response({"error": "AuthenticationRequired", "message": "Invalid identifier or password"}, 401)
        return json_response(self._session())

    def route_refresh_session(self, request):
        token = bearer(request)
        if token not in self.refresh:
            return json_response({"error": "ExpiredToken", "message": "Token has been revoked"}, 400)
        self.refresh.discard(token)
        return json_response(self._session())

    def route_upload_blob(self, request):
        if denied := self._auth(request):
            return denied
        data = request.get_data()
        if len(data) > 1_000_000:
            return json_response({"error": "BlobTooLarge", "message": "This file is too large"}, 400)
        cid = "bafkrei" + hashlib.sha256(data).hexdigest()[:52]
        blob = {
            "$type": "blob",
            "ref": {"$link": cid},
            "mimeType": request.headers.get("Content-Type"),
            "size": len(data),
        }
        self.blobs[cid] = blob
        return json_response({"blob": blob})

    def route_create_record(self, request):
        if denied := self._auth(request):
            return denied
        body = request.get_json(silent=True) or {}
        record = body.get("record") or {}
        collection = body.get("collection")
        if body.get("repo") != self.did or collection not in ("app.bsky.feed.post", *ENGAGE_COLLECTIONS):
            return json_response({"error": "InvalidRequest", "message": "Invalid repo or collection"}, 400)
        if collection in ENGAGE_COLLECTIONS:
            return self._create_engagement(body, collection, record)
        if record.get("$type") != "app.bsky.feed.post" or "createdAt" not in record:
            return json_response({"error": "InvalidRequest", "message": "Record/$type must be app.bsky.feed.post"}, 400)
        text = record.get("text", "")
        if len(GRAPHEME.findall(text)) > 300:
            return json_response(
                {"error": "InvalidRequest", "message": "Record/text must not be longer than 300 graphemes"}, 400
            )
        encoded = text.encode("utf-8")
        for facet in record.get("facets", []):
            start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
            uri = facet["features"][0]["uri"]
            if encoded[start:end].decode("utf-8", "strict") != uri:
                return json_response(
                    {"error": "InvalidRequest", "message": "facet byte range does not cover the link"}, 400
                )
        embed = record.get("embed")
        if embed:
            if embed.get("$type") != "app.bsky.embed.external" or not embed["external"].get("uri"):
                return json_response({"error": "InvalidRequest", "message": "Invalid embed"}, 400)
            thumb = embed["external"].get("thumb")
            if thumb and thumb["ref"]["$link"] not in self.blobs:
                return json_response({"error": "InvalidRequest", "message": "Could not find blob"}, 400)
        rkey = body.get("rkey") or f"3l{next(self.seq):011d}"
        if body.get("rkey") and not TID.match(rkey):
            return json_response({"error": "InvalidRequest", "message": "Invalid record key"}, 400)
        uri = f"at://{self.did}/app.bsky.feed.post/{rkey}"
        if uri in self.records:
            status, error = self.record_exists_answer
            message = "Internal Server Error" if status >= 500 else f"Record already exists: {uri}"
            return json_response({"error": error, "message": message}, status)
        self.records[uri] = {"uri": uri, "cid": "bafyrei" + secrets.token_hex(20), "value": record}
        return json_response({"uri": uri, "cid": self.records[uri]["cid"], "validationStatus": "valid"})

    def route_get_record(self, request):
        uri = f"at://{request.args.get('repo')}/{request.args.get('collection')}/{request.args.get('rkey')}"
        if uri not in self.records:
            return json_response({"error": "RecordNotFound", "message": f"Could not locate record: {uri}"}, 400)
        return json_response(self.records[uri])

    def _create_engagement(self, body, collection, record):
        """A like or repost: a strongRef subject (uri + cid of an existing post). The PDS, like the real one,
        accepts any number of likes of the same post: only the record key stops a repeat."""
        subject = record.get("subject") or {}
        if record.get("$type") != collection or "createdAt" not in record:
            return json_response({"error": "InvalidRequest", "message": f"Record/$type must be {collection}"}, 400)
        if not isinstance(subject.get("uri"), str) or not isinstance(subject.get("cid"), str):
            return json_response(
                {"error": "InvalidRequest", "message": "Record/subject must have the property cid"}, 400
            )
        rkey = body.get("rkey") or f"3l{next(self.seq):011d}"
        if body.get("rkey") and not TID.match(rkey):
            return json_response({"error": "InvalidRequest", "message": "Invalid record key"}, 400)
        uri = f"at://{self.did}/{collection}/{rkey}"
        if uri in self.records:
            status, error = self.record_exists_answer
            message = "Internal Server Error" if status >= 500 else f"Record already exists: {uri}"
            return json_response({"error": error, "message": message}, status)
        self.records[uri] = {"uri": uri, "cid": "bafyrei" + secrets.token_hex(20), "value": record}
        counts = self.post_counts.get(subject["uri"])
        if counts is not None:
            counts["likeCount" if collection.endswith("like") else "repostCount"] += 1
        return json_response({"uri": uri, "cid": self.records[uri]["cid"], "validationStatus": "valid"})

    def engagements(self, collection: str) -> list[dict]:
        return [r["value"] for uri, r in self.records.items() if f"/{collection}/" in uri]

    @staticmethod
    def now() -> str:
        return dt.datetime.now(dt.UTC).isoformat()

    # Metrics (AppView, no auth; posts it does not have are left out) ------------------
    def post_metrics(self, uri: str, *, likes=0, reposts=0, replies=0, quotes=0) -> None:
        self.post_counts[uri] = {
            "likeCount": likes,
            "repostCount": reposts,
            "replyCount": replies,
            "quoteCount": quotes,
        }

    def route_get_posts(self, request):
        uris = request.args.getlist("uris")
        self.lookups.append(uris)
        if len(uris) > 25:
            return json_response(
                {"error": "InvalidRequest", "message": "uris must not have more than 25 elements"}, 400
            )
        posts = []
        for uri in uris:
            if uri in self.post_counts:
                did = uri.split("/")[2]
                posts.append(
                    {
                        "uri": uri,
                        "cid": "bafyreib2rxk3rh6kzwqcodrasxqyb3vjrdk2ioeoe6tabu3dk3n6tgyg7e",
                        "author": {"did": did, "handle": "alice.bsky.social", "displayName": "Alice"},
                        "record": {
                            "$type": "app.bsky.feed.post",
                            "text": "Out now",
                            "createdAt": "2026-11-25T10:00:00Z",
                        },
                        "indexedAt": "2026-11-25T10:00:01Z",
                        "labels": [],
                        **self.post_counts[uri],
                    }
                )
        return json_response({"posts": posts})
