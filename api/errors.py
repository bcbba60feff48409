"""One error body for every error: `{"code": …, "message": …, "fields": {name: [messages]}}` (fields only for
invalid input). Django's own ValidationError, Http404 and PermissionDenied from services come out the same way."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler as drf_exception_handler


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, machine-readable: invalid, not_found, permission_denied, …")
    message = serializers.CharField(help_text="For people: what went wrong and what to do.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Invalid input only: messages per field name.",
    )


def _django_validation(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        detail = {
            ("non_field_errors" if field == "__all__" else field): [m for e in errors for m in e.messages]
            for field, errors in exc.error_dict.items()
        }
        return exceptions.ValidationError(detail)
    return exceptions.ValidationError({"non_field_errors": exc.messages})


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """Nested serializer errors as `variants.0.text`-style keys with plain messages."""
    found: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            found.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(detail, list) and detail and all(isinstance(d, str) for d in detail):
        found[prefix or "non_field_errors"] = [str(d) for d in detail]
    elif isinstance(detail, list):
        for n, value in enumerate(detail):
            if value:
                found.update(_flatten(value, f"{prefix}.{n}" if prefix else str(n)))
    else:
        found[prefix or "non_field_errors"] = [str(detail)]
    return found


def error_body(exc: exceptions.APIException) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        general = fields.pop("non_field_errors", [])
        body: dict = {"code": "invalid", "message": " ".join(general) or "Some fields are not valid: see fields."}
        if fields:
            body["fields"] = fields
        return body
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    return {"code": str(code), "message": str(exc.detail)}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = _django_validation(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = error_body(exc)
    return response


def not_found(request, rest: str = ""):
    """Any other URL under /api/: the same error body, not the HTML page."""
    return JsonResponse({"code": "not_found", "message": "No such endpoint: see /api/v1/ for the list."}, status=404)
