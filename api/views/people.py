"""Admins: people (invite, deactivate, role, team, location), point rules, and an employee's data export and
erasure, through the accounts and leaderboard services the admin pages use."""

import django_filters
from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts import services as people
from accounts.models import Location, Team, User
from accounts.roles import ROLES
from accounts.selectors import user_data_export
from leaderboard.models import RULE_ACTIONS, PointRule
from leaderboard.selectors import rules_in_force
from leaderboard.services.ledger import rule_set

from ..conventions import ApiView, StrictSerializer
from ..permissions import Perms, SignedIn, TokenScope

VIEW_PEOPLE = [SignedIn, TokenScope, Perms("accounts.view_user", "accounts.change_user")]
CHANGE_PEOPLE = [SignedIn, TokenScope, Perms("accounts.change_user")]
RULES = [SignedIn, TokenScope, Perms("leaderboard.change_pointrule")]


class PersonSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()
    team = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "is_active", "role", "team", "location", "date_joined"]
        read_only_fields = fields

    def get_role(self, user) -> str:
        return people.user_role(user=user)

    def get_team(self, user) -> int | None:
        profile = getattr(user, "profile", None)
        return profile.team_id if profile else None

    def get_location(self, user) -> int | None:
        profile = getattr(user, "profile", None)
        return profile.location_id if profile else None


class InviteInput(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=list(ROLES), required=False)
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)
    location = serializers.PrimaryKeyRelatedField(queryset=Location.objects.all(), required=False, allow_null=True)


class PersonInput(StrictSerializer):
    role = serializers.ChoiceField(choices=list(ROLES), required=False)
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)
    location = serializers.PrimaryKeyRelatedField(queryset=Location.objects.all(), required=False, allow_null=True)


class PeopleFilter(django_filters.FilterSet):
    team = django_filters.NumberFilter(field_name="profile__team_id")
    location = django_filters.NumberFilter(field_name="profile__location_id")
    is_active = django_filters.BooleanFilter()
    role = django_filters.ChoiceFilter(choices=[(r, r) for r in ROLES], field_name="groups__name")
    search = django_filters.CharFilter(method="by_text", help_text="Part of the email or name.")

    class Meta:
        model = User
        fields = ["team", "location", "is_active", "role", "search"]

    def by_text(self, queryset, name, value):
        return queryset.filter(
            Q(email__icontains=value) | Q(first_name__icontains=value) | Q(last_name__icontains=value)
        )


class PeopleApi(mixins.ListModelMixin, ApiView):
    serializer_class = PersonSerializer
    filterset_class = PeopleFilter
    cursor_ordering = ("pk",)
    queryset = User.objects.select_related("profile").prefetch_related("groups")

    def get_permissions(self):
        return [p() for p in (VIEW_PEOPLE if self.request.method == "GET" else CHANGE_PEOPLE)]

    @extend_schema(summary="People")
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    @extend_schema(
        summary="Invite a person (no password: they sign in with single sign-on or “Forgot password”)",
        request=InviteInput,
        responses={201: PersonSerializer},
    )
    def post(self, request):
        data = InviteInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = people.employee_invite(**data.validated_data)
        return Response(PersonSerializer(user).data, status=status.HTTP_201_CREATED)


def _person(user_id: int) -> User:
    return get_object_or_404(User.objects.select_related("profile"), pk=user_id)


class PersonApi(ApiView):
    serializer_class = PersonSerializer

    def get_permissions(self):
        return [p() for p in (VIEW_PEOPLE if self.request.method == "GET" else CHANGE_PEOPLE)]

    @extend_schema(summary="One person")
    def get(self, request, user_id: int):
        return Response(PersonSerializer(_person(user_id)).data)

    @extend_schema(summary="Set a person's role, team or location", request=PersonInput, responses=PersonSerializer)
    def patch(self, request, user_id: int):
        user = _person(user_id)
        data = PersonInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if "role" in values:
            if user.pk == request.user.pk and values["role"] != people.user_role(user=user):
                raise ValidationError({"role": ["You cannot change your own role: ask another admin."]})
            people.user_set_role(user=user, role=values["role"])
        placement = {key: values[key] for key in ("team", "location") if key in values}
        if placement:
            people.profile_place(user=user, **placement)
        return Response(PersonSerializer(_person(user_id)).data)


class EmptyInput(StrictSerializer):
    """No fields."""


class PersonDeactivateApi(ApiView):
    serializer_class = PersonSerializer
    permission_classes = CHANGE_PEOPLE

    @extend_schema(summary="Deactivate a person (no sign-in, no token)", request=EmptyInput, responses=PersonSerializer)
    def post(self, request, user_id: int):
        EmptyInput(data=request.data).is_valid(raise_exception=True)
        user = _person(user_id)
        if user.pk == request.user.pk:
            raise ValidationError("You cannot deactivate yourself: ask another admin.")
        people.user_deactivate(user=user)
        return Response(PersonSerializer(_person(user_id)).data)


class PersonExportApi(ApiView):
    serializer_class = None
    permission_classes = CHANGE_PEOPLE

    @extend_schema(
        summary="Everything stored about a person (as their own “Download my data”)", responses=OpenApiTypes.OBJECT
    )
    def get(self, request, user_id: int):
        return Response(user_data_export(user=_person(user_id)))


class PersonEraseApi(ApiView):
    serializer_class = PersonSerializer
    permission_classes = CHANGE_PEOPLE

    @extend_schema(
        summary="Erase a person's personal data (their activity stays, anonymous)",
        request=EmptyInput,
        responses=PersonSerializer,
    )
    def post(self, request, user_id: int):
        EmptyInput(data=request.data).is_valid(raise_exception=True)
        user = _person(user_id)
        if user.pk == request.user.pk:
            raise ValidationError("You cannot erase yourself through the API: ask another admin.")
        people.user_erase(user=user)
        return Response(PersonSerializer(_person(user_id)).data)


class RuleSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField(source="get_action_display")
    points = serializers.IntegerField()
    daily_cap_per_share = serializers.IntegerField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)


class RuleInput(StrictSerializer):
    points = serializers.IntegerField()
    daily_cap_per_share = serializers.IntegerField(required=False, allow_null=True)


class PointRulesApi(ApiView):
    serializer_class = RuleSerializer
    permission_classes = RULES
    queryset = PointRule.objects.none()  # the rules come from rules_in_force(); this names the model
    pagination_class = None  # one row per action: a fixed, short list

    @extend_schema(
        summary="Point rules: what each action earns now",
        operation_id="point_rules_list",
        responses=RuleSerializer(many=True),
    )
    def get(self, request):
        return Response(RuleSerializer(rules_in_force(), many=True).data)


class PointRuleApi(ApiView):
    serializer_class = RuleSerializer
    permission_classes = RULES

    def _rule(self, action: str):
        if action not in dict(RULE_ACTIONS):
            from django.http import Http404

            raise Http404("No such action.")
        return next(rule for rule in rules_in_force() if rule.action == action)

    @extend_schema(summary="One action's rule")
    def get(self, request, rule: str):
        return Response(RuleSerializer(self._rule(rule)).data)

    @extend_schema(
        summary="Change what an action earns (future entries only)", request=RuleInput, responses=RuleSerializer
    )
    def patch(self, request, rule: str):
        current = self._rule(rule)
        data = RuleInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        changed = rule_set(
            action=rule,
            points=values["points"],
            daily_cap_per_share=values.get("daily_cap_per_share", current.daily_cap_per_share),
        )
        return Response(RuleSerializer(changed).data)
