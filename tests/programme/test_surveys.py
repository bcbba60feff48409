"""Feedback surveys: sent once to a campaign's audience when it ends, answered once, results with the numbers."""

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team, User
from programme import services
from programme.models import Survey, SurveyAnswer, SurveyAnswerSet, SurveyInvite, SurveyQuestion, SurveyResponse
from programme.selectors import survey_results

from .conftest import ended_campaign, person, survey_for

pytestmark = pytest.mark.django_db


def _answers(survey, *, scale="4", choice="LinkedIn", text="More posts about hiring, please."):
    questions = list(survey.questions.all())
    values = {"scale": scale, "choice": choice, "text": text}
    return {f"q{q.pk}": values[q.kind] for q in questions}


def test_the_audience_of_an_ended_campaign_is_invited_once_by_email_with_both_parts():
    sales = Team.objects.create(name="Sales")
    campaign = ended_campaign()
    campaign.audience_teams.add(sales)
    ada = person("ada@example.com", team=sales)
    person("outsider@example.com")
    survey = survey_for(campaign)
    assert services.survey_invites_send() == {"sent": 1, "failed": 0}
    assert services.survey_invites_send() == {"sent": 0, "failed": 0}  # the send log holds it
    assert [m.to for m in mail.outbox] == [[ada.email]]
    message = mail.outbox[0]
    assert campaign.name in message.subject
    assert f"https://advocacy.example.com/surveys/{survey.pk}/" in message.body
    html = message.alternatives[0][0]
    assert f"/surveys/{survey.pk}/" in html and "anonymous" in html
    assert message.extra_headers["Message-ID"]
    assert SurveyInvite.objects.get().status == SurveyInvite.Status.SENT


def test_no_invitation_while_the_campaign_runs_or_without_three_questions():
    person("ada@example.com")
    running = survey_for(ended_campaign()).campaign
    running.ends_at = timezone.now() + dt.timedelta(days=2)
    running.save()
    survey_for(ended_campaign(), kinds=("scale", "text"))  # two questions only
    assert services.survey_invites_send() == {"sent": 0, "failed": 0}
    assert mail.outbox == []


def test_a_refused_invitation_is_recorded_and_never_sent_twice(monkeypatch):
    person("ada@example.com")
    survey_for(ended_campaign())
    from django.core.mail import EmailMultiAlternatives

    def refuse(self, fail_silently=False):
        raise smtplib.SMTPRecipientsRefused({"ada@example.com": (550, b"no such user")})

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    assert services.survey_invites_send()["failed"] >= 1
    monkeypatch.undo()
    assert services.survey_invites_send() == {"sent": 0, "failed": 0}
    assert SurveyInvite.objects.filter(status=SurveyInvite.Status.FAILED).count() >= 1


def test_an_anonymous_answer_keeps_no_link_to_the_person(client):
    ada = person("ada@example.com")
    survey = survey_for(ended_campaign(), anonymous=True)
    client.force_login(ada)
    response = client.post(reverse("programme:survey", args=[survey.pk]), _answers(survey))
    assert response.status_code == 302
    assert SurveyResponse.objects.filter(survey=survey, user=ada).exists()
    answer_set = SurveyAnswerSet.objects.get()
    assert answer_set.respondent is None
    assert SurveyAnswer.objects.filter(answer_set=answer_set).count() == 3
    assert not any(f.name in {"created_at", "submitted_at"} for f in SurveyAnswerSet._meta.get_fields())


def test_a_named_survey_keeps_the_respondent():
    ada = person("ada@example.com")
    survey = survey_for(ended_campaign(), anonymous=False)
    services.survey_answer(survey=survey, user=ada, data=_answers(survey))
    assert SurveyAnswerSet.objects.get().respondent == ada


def test_answering_twice_is_refused_with_a_clear_message_and_nothing_stored(client):
    ada = person("ada@example.com")
    survey = survey_for(ended_campaign())
    client.force_login(ada)
    client.post(reverse("programme:survey", args=[survey.pk]), _answers(survey))
    again = client.post(reverse("programme:survey", args=[survey.pk]), _answers(survey, scale="1"))
    assert again.status_code == 400
    assert "You have already answered this survey" in again.content.decode()
    assert SurveyAnswerSet.objects.count() == 1
    assert list(SurveyAnswer.objects.exclude(scale=None).values_list("scale", flat=True)) == [4]
    assert "already answered" in client.get(reverse("programme:survey", args=[survey.pk])).content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("scale", "9", "Pick a number from 1 to 5."),
        ("scale", "lots", "Pick a number from 1 to 5."),
        ("choice", "Facebook", "Pick one of the options."),
        ("text", "x" * 2001, "At most 2000 characters"),
    ],
)
def test_a_bad_answer_is_a_clear_error_and_nothing_is_stored(client, field, value, message):
    ada = person("ada@example.com")
    survey = survey_for(ended_campaign())
    client.force_login(ada)
    response = client.post(reverse("programme:survey", args=[survey.pk]), _answers(survey, **{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SurveyResponse.objects.exists() and not SurveyAnswer.objects.exists()


def test_only_the_campaign_audience_may_answer_and_only_while_open():
    sales = Team.objects.create(name="Sales")
    campaign = ended_campaign()
    campaign.audience_teams.add(sales)
    survey = survey_for(campaign)
    with pytest.raises(Exception, match="for the people the campaign was aimed at"):
        services.survey_answer(survey=survey, user=person("out@example.com"), data=_answers(survey))
    insider = person("in@example.com", team=sales)
    with pytest.raises(Exception, match="closed"):
        services.survey_answer(
            survey=survey, user=insider, data=_answers(survey), now=timezone.now() + dt.timedelta(days=30)
        )
    assert not SurveyResponse.objects.exists()


def test_the_survey_waits_on_today_until_answered(client):
    ada = person("ada@example.com")
    survey = survey_for(ended_campaign())
    client.force_login(ada)
    assert f"/surveys/{survey.pk}/" in client.get(reverse("today")).content.decode()
    services.survey_answer(survey=survey, user=ada, data=_answers(survey))
    assert f"/surveys/{survey.pk}/" not in client.get(reverse("today")).content.decode()


def test_results_sit_on_the_campaign_page_with_the_response_rate(client, content_manager):
    campaign = ended_campaign()
    survey = survey_for(campaign)
    people = [person(f"p{i}@example.com") for i in range(3)]
    services.survey_invites_send()
    services.survey_answer(survey=survey, user=people[0], data=_answers(survey, scale="5"))
    services.survey_answer(survey=survey, user=people[1], data=_answers(survey, scale="3", text="Shorter posts"))
    client.force_login(content_manager)
    page = client.get(reverse("programme_campaign", args=[campaign.pk])).content.decode()
    audience = User.objects.filter(is_active=True).count()
    invited = SurveyInvite.objects.filter(status="sent").count()
    assert invited == audience
    assert f"<strong>2</strong> of {audience} people in the audience answered" in page
    assert f"response rate <strong>{round(200 / audience)}%</strong>" in page
    assert f"{invited} invitations emailed" in page
    assert "average 4.0 of 5" in page
    assert "Shorter posts" in page  # content managers read free text


def test_free_text_is_for_content_managers_and_admins_only(advocacy_admin):
    campaign = ended_campaign()
    survey = survey_for(campaign)
    ada = person("ada@example.com")
    services.survey_answer(survey=survey, user=ada, data=_answers(survey, text="A secret wish"))
    for_employee = survey_results(campaign=campaign, viewer=ada)
    text_question = next(q for q in for_employee.questions if q.kind == "text")
    assert text_question.texts == [] and text_question.answered == 1
    for_admin = survey_results(campaign=campaign, viewer=advocacy_admin)
    assert next(q for q in for_admin.questions if q.kind == "text").texts == ["A secret wish"]


def test_employees_cannot_open_the_campaign_results_page(client, employee):
    campaign = ended_campaign()
    survey_for(campaign)
    client.force_login(employee)
    assert client.get(reverse("programme_campaign", args=[campaign.pk])).status_code == 403


def _survey_admin_form(campaign, questions):
    data = {
        "campaign": campaign.pk,
        "intro": "",
        "anonymous": "on",
        "questions-TOTAL_FORMS": str(len(questions)),
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "5",
    }
    for i, (kind, text, choices) in enumerate(questions):
        data.update(
            {
                f"questions-{i}-position": str(i),
                f"questions-{i}-kind": kind,
                f"questions-{i}-text": text,
                f"questions-{i}-choices": choices,
            }
        )
    return data


def test_the_admin_asks_for_three_to_five_questions_and_stores_nothing_otherwise(client, content_manager):
    campaign = ended_campaign()
    client.force_login(content_manager)
    two = [("scale", "Useful?", ""), ("text", "Ideas?", "")]
    response = client.post(reverse("admin:programme_survey_add"), _survey_admin_form(campaign, two))
    assert response.status_code == 200
    assert "A survey has 3 to 5 questions (this one has 2)." in response.content.decode()
    bad_choice = [*two, ("choice", "Where?", "LinkedIn")]
    response = client.post(reverse("admin:programme_survey_add"), _survey_admin_form(campaign, bad_choice))
    assert "A choice question needs 2 to 8 options" in response.content.decode()
    assert not Survey.objects.exists() and not SurveyQuestion.objects.exists()
    good = [*two, ("choice", "Where?", "LinkedIn\nX")]
    assert client.post(reverse("admin:programme_survey_add"), _survey_admin_form(campaign, good)).status_code == 302
    assert Survey.objects.get().questions.count() == 3
