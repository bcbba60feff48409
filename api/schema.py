"""The OpenAPI schema, exact about errors: every operation lists the error answers it can give, each with the
one error body (api.errors.ErrorSerializer)."""

from drf_spectacular.openapi import AutoSchema

from .errors import ErrorSerializer

ERRORS = {
    "400": "Invalid input: bad query parameters, page size or cursor, or fields that are wrong or unknown.",
    "401": "No credentials, or a token that is unknown or revoked.",
    "403": "Signed in, but this role (or a read-only token) may not do this.",
    "404": "No such object, or not one of yours.",
    "415": "The body's content type is not one this endpoint takes.",
    "429": "Too many requests for this token or person: wait for the Retry-After seconds.",
}


class ApiAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        wanted = ["400", "401", "403", "429"]
        if "{" in self.path:
            wanted.append("404")
        if self.method in ("POST", "PUT", "PATCH"):
            wanted.append("415")
        for code in wanted:
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = ERRORS[code]
                responses[code] = response
        if self.method == "GET" and "304" not in responses:
            responses["304"] = {"description": "Not modified: the ETag sent in If-None-Match is still current."}
        return responses
