"""What every endpoint shares: sign-in and scope checks, budgets, cursor pages, ETags, strict input."""

import hashlib
from collections.abc import Mapping

from django.http import HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from rest_framework import generics, serializers

from .permissions import SignedIn, TokenScope


class StrictSerializer(serializers.Serializer):
    """Input that names a field this endpoint does not take is refused, not silently ignored."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class ApiView(generics.GenericAPIView):
    """Base of every API view. A 200 answer to a GET carries an ETag (a hash of the body); a GET whose
    If-None-Match names it is answered 304 with no body, so a client syncing can skip what has not changed."""

    permission_classes = [SignedIn, TokenScope]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200 and hasattr(response, "render"):
            response.render()
            etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
            response["ETag"] = etag
            response["Cache-Control"] = "private, no-cache"
            patch_vary_headers(response, ("Authorization", "Cookie"))
            wanted = request.headers.get("If-None-Match", "")
            if wanted and (etag in parse_etags(wanted) or wanted.strip() == "*"):
                not_modified = HttpResponseNotModified()
                not_modified["ETag"] = etag
                not_modified["Cache-Control"] = response["Cache-Control"]
                not_modified["Vary"] = response["Vary"]
                return not_modified
        return response
