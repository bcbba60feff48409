"""programme's part of a person's data export and erasure (accounts.signals; connected in apps.py).

Anonymous survey answers hold no link to anyone, so they are neither exported nor erasable per person.
"""

from .models import ChallengeResult, Nudge, SpotlightItem, SurveyAnswerSet, SurveyResponse


def export(sender, *, user, **kwargs) -> dict:
    answer_sets = SurveyAnswerSet.objects.filter(respondent=user).prefetch_related("answers__question")
    return {
        "survey_responses": [
            {"campaign": r.survey.campaign.name, "responded_on": r.responded_on.isoformat()}
            for r in SurveyResponse.objects.filter(user=user).select_related("survey__campaign")
        ],
        "survey_answers_with_name": [
            {
                "campaign_survey": s.survey_id,
                "answers": [
                    {"question": a.question.text, "scale": a.scale, "choice": a.choice, "text": a.text}
                    for a in s.answers.all()
                ],
            }
            for s in answer_sets
        ],
        "nudges": [{"sent_at": n.sent_at.isoformat(), "line": n.line} for n in Nudge.objects.filter(user=user)],
        "challenge_results": [
            {"challenge": r.challenge.name, "rank": r.rank, "score": r.score}
            for r in ChallengeResult.objects.filter(user=user).select_related("challenge")
        ],
    }


def erase(sender, *, user, **kwargs) -> None:
    """Named answers lose their name (they stay as anonymous answers); nudges and spotlight places go."""
    SurveyAnswerSet.objects.filter(respondent=user).update(respondent=None)
    Nudge.objects.filter(user=user).delete()
    SpotlightItem.objects.filter(user=user).delete()
