import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field

from werkzeug import Request, Response


@dataclass
class Failure:
    status: int
    body: object = None
    headers: dict = field(default_factory=dict)
    raw: str | None = None  # a body that is not JSON
    sleep: float = 0.0  # answer late (after the client's read timeout)
    then_succeed: bool = False  # do the work, then answer with the failure (request was processed)


class FakeNetwork:
    """Dispatches requests under `prefix` to `route_<name>` methods registered in ROUTES."""

    prefix = ""
    ROUTES: list[tuple[str, str, str]] = []  # (method, regex on the path after prefix, handler name)

    def __init__(self, server) -> None:
        self.server = server
        self.calls: list[tuple[str, str]] = []
        self.failures: dict[str, list[Failure]] = defaultdict(list)
        server.expect_request(re.compile(rf"^{re.escape(self.prefix)}/.*")).respond_with_handler(self.handle)

    def url(self, path: str = "") -> str:
        """Absolute URL of `path` under this fake (no trailing slash for the root)."""
        return self.server.url_for(f"{self.prefix}{path}").rstrip("/")

    def fail(
        self, endpoint: str, status: int, body=None, *, headers=None, raw=None, sleep=0.0, then_succeed=False, times=1
    ):
        for _ in range(times):
            self.failures[endpoint].append(Failure(status, body, headers or {}, raw, sleep, then_succeed))

    def count(self, endpoint: str) -> int:
        return sum(1 for name, _ in self.calls if name == endpoint)

    def handle(self, request: Request) -> Response:
        path = request.path[len(self.prefix) :]
        for method, pattern, name in self.ROUTES:
            match = re.fullmatch(pattern, path)
            if request.method == method and match:
                self.calls.append((name, path))
                failure = self.failures[name].pop(0) if self.failures[name] else None
                if failure and not failure.then_succeed:
                    return self._failure(failure)
                response = getattr(self, f"route_{name}")(request, **match.groupdict())
                if failure:
                    return self._failure(failure)
                return response
        return json_response({"error": "NotFound", "message": f"No route {request.method} {path}"}, 404)

    def _failure(self, failure: Failure) -> Response:
        if failure.sleep:
            time.sleep(failure.sleep)
        if failure.raw is not None:
            return Response(
                failure.raw, status=failure.status, headers=failure.headers, content_type="application/json"
            )
        return json_response(failure.body if failure.body is not None else {}, failure.status, failure.headers)


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers or {}, content_type="application/json")


def bearer(request: Request) -> str:
    header = request.headers.get("Authorization", "")
    return header[7:] if header.startswith("Bearer ") else ""
