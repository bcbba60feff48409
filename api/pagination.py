from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

BAD_CURSOR = "Not a cursor this API gave out: start again from the first page."


class ApiCursorPagination(CursorPagination):
    """Every list: a cursor (stable while rows are added), 50 a page, at most 200; anything else is a clear 400.

    A view sets `cursor_ordering` (fields whose first is the position; the rest break ties)."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "-pk"

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            raise ValidationError({"page_size": [f"A whole number from 1 to {self.max_page_size}."]}) from None
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({"page_size": [f"A whole number from 1 to {self.max_page_size}."]})
        return size

    def get_ordering(self, request, queryset, view):
        ordering = getattr(view, "cursor_ordering", None) or self.ordering
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, DjangoValidationError):  # a position of the wrong type for the field
            raise ValidationError({"cursor": [BAD_CURSOR]}) from None

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError({"cursor": [BAD_CURSOR]}) from None
