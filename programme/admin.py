from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from .models import (
    SURVEY_MAX_QUESTIONS,
    SURVEY_MIN_QUESTIONS,
    Challenge,
    ChallengeResult,
    GuidelinesPage,
    Nudge,
    Spotlight,
    SpotlightItem,
    StoryTip,
    Survey,
    SurveyInvite,
    SurveyQuestion,
    SurveyResponse,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ChallengeResultInline(ReadOnlyInline):
    model = ChallengeResult
    fields = ["rank", "user", "team", "score", "is_winner"]
    readonly_fields = fields


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin):
    list_display = ["name", "goal", "play", "starts_at", "ends_at", "campaign", "topic", "frozen_at"]
    list_filter = ["goal", "play"]
    list_select_related = ["campaign", "topic"]
    search_fields = ["name", "description", "prize"]
    autocomplete_fields = ["campaign", "topic"]
    readonly_fields = ["frozen_at"]
    inlines = [ChallengeResultInline]
    fields = [
        "name",
        "description",
        ("starts_at", "ends_at"),
        ("campaign", "topic"),
        ("goal", "play"),
        "winners",
        "prize",
        "frozen_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.frozen_at:  # the results are final
            return [
                "name",
                "description",
                "starts_at",
                "ends_at",
                "campaign",
                "topic",
                "goal",
                "play",
                "winners",
                "prize",
                "frozen_at",
            ]
        return self.readonly_fields


class QuestionInlineFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not SURVEY_MIN_QUESTIONS <= len(kept) <= SURVEY_MAX_QUESTIONS:
            raise ValidationError(
                f"A survey has {SURVEY_MIN_QUESTIONS} to {SURVEY_MAX_QUESTIONS} questions (this one has {len(kept)})."
            )


class SurveyQuestionInline(admin.TabularInline):
    model = SurveyQuestion
    formset = QuestionInlineFormSet
    fields = ["position", "kind", "text", "choices"]
    extra = 3
    max_num = SURVEY_MAX_QUESTIONS


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["campaign", "anonymous", "invited", "responded"]
    list_select_related = ["campaign"]
    search_fields = ["campaign__name", "intro"]
    autocomplete_fields = ["campaign"]
    inlines = [SurveyQuestionInline]

    def get_readonly_fields(self, request, obj=None):
        # Once someone answered, anonymity can no longer change: it was a promise to them.
        if obj is not None and obj.responses.exists():
            return ["campaign", "anonymous"]
        return []

    @admin.display(description="invited")
    def invited(self, obj: Survey) -> int:
        return obj.invites.filter(status=SurveyInvite.Status.SENT).count()

    @admin.display(description="answered")
    def responded(self, obj: Survey) -> int:
        return obj.responses.count()


class LogAdmin(admin.ModelAdmin):
    """Rows written by the jobs only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SurveyInvite)
class SurveyInviteAdmin(LogAdmin):
    list_display = ["survey", "user", "status", "claimed_at", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["survey__campaign", "user"]
    search_fields = ["user__email", "survey__campaign__name"]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(LogAdmin):
    list_display = ["survey", "user", "responded_on"]
    list_select_related = ["survey__campaign", "user"]
    search_fields = ["user__email", "survey__campaign__name"]


@admin.register(Nudge)
class NudgeAdmin(LogAdmin):
    list_display = ["user", "sent_at", "line"]
    list_select_related = ["user"]
    search_fields = ["user__email"]


@admin.register(GuidelinesPage)
class GuidelinesPageAdmin(admin.ModelAdmin):
    list_display = ["title", "updated_at"]
    search_fields = ["title", "body"]


@admin.register(StoryTip)
class StoryTipAdmin(admin.ModelAdmin):
    list_display = ["title", "position", "published"]
    list_editable = ["position", "published"]
    search_fields = ["title", "body"]


class SpotlightItemInline(ReadOnlyInline):
    model = SpotlightItem
    fields = ["kind", "position", "post", "user", "figure"]
    readonly_fields = fields


@admin.register(Spotlight)
class SpotlightAdmin(admin.ModelAdmin):
    """Picked by the weekly job; content managers may add a headline."""

    list_display = ["week_start", "headline", "published_at"]
    search_fields = ["headline"]
    readonly_fields = ["week_start", "published_at"]
    fields = ["week_start", "headline", "published_at"]
    inlines = [SpotlightItemInline]

    def has_add_permission(self, request):
        return False
