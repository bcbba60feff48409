"""The Celery app, and every periodic schedule in one place.

Schedules are crontab entries with an `expires`, so a beat that was down does not
pile runs up on restart. django-celery-beat's DatabaseScheduler copies them into
the database at start, where admins can see, pause and change them.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advocacy.settings")

app = Celery("advocacy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _filesystem_broker_folders(sender: Celery, **kwargs) -> None:
    """The embedded default's filesystem broker needs its folders before the first message."""
    for key in ("data_folder_in", "processed_folder", "control_folder"):
        folder = (sender.conf.broker_transport_options or {}).get(key)
        if folder:
            os.makedirs(folder, exist_ok=True)


MINUTE = 60
HOUR = 60 * MINUTE

app.conf.beat_schedule = {
    "campaigns: publish approved posts that are due": {
        "task": "campaigns.tasks.publish_due_posts",
        "schedule": crontab(minute="*"),
        "options": {"expires": 50},
    },
    "campaigns: email reviewers once a day when posts wait for their approval": {
        "task": "campaigns.tasks.remind_reviewers",
        "schedule": crontab(minute=0, hour=8),
        "options": {"expires": 6 * HOUR},
    },
    "networks: publish scheduled shares that are due, recover lost ones": {
        "task": "networks.tasks.shares_publish_due_task",
        "schedule": crontab(minute="*"),
        "options": {"expires": 50},
    },
    # Drains at once and queues a drain every 2 s until the next tick (analytics.tasks.DRAIN_EVERY).
    "analytics: drain buffered short-link clicks into the database": {
        "task": "analytics.tasks.clicks_drain_task",
        "schedule": crontab(minute="*"),
        "options": {"expires": 50},
    },
    "analytics: forget old visitor salts and hashes": {
        "task": "analytics.tasks.click_privacy_purge_task",
        "schedule": crontab(minute=5, hour=0),
        "options": {"expires": 6 * HOUR},
    },
    "networks: refresh tokens before they expire, flag the ones that cannot be": {
        "task": "networks.tasks.accounts_refresh_due_task",
        "schedule": crontab(minute=17, hour=3),
        "options": {"expires": 6 * HOUR},
    },
    # metrics, points and leaderboards (issue 5)
    "metrics: pull engagement of shares whose age-based refresh is due": {
        "task": "analytics.tasks_metrics.enqueue_due_metrics",
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 9 * MINUTE},
    },
    "leaderboard: award points for new shares and clicks, reverse reclassified clicks": {
        "task": "leaderboard.tasks.award_recent_points",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 4 * MINUTE},
    },
    "leaderboard: engagement points for growth measured in the last month (catch-up)": {
        "task": "leaderboard.tasks.award_engagement_points",
        "schedule": crontab(minute=25),
        "options": {"expires": 50 * MINUTE},
    },
    "leaderboard: weekly streak points for the last complete week": {
        "task": "leaderboard.tasks.award_weekly_streaks",
        "schedule": crontab(minute=40, hour=2),
        "options": {"expires": 6 * HOUR},
    },
    "digest: send the daily digests whose local time has just come": {
        "task": "digest.tasks.send_due_digests",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 14 * MINUTE},
    },
    "analytics: count recent shares into the daily rollups": {
        "task": "analytics.tasks.rollup_shares_sync_task",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 4 * MINUTE},
    },
    "chat: tell Slack and Teams channels about new featured posts (one message an hour at most)": {
        "task": "chat.tasks.chat_notify_task",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 4 * MINUTE},
    },
    "analytics: record campaigns that reached their goal (announced once)": {
        "task": "analytics.tasks.campaign_goals_check_task",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 4 * MINUTE},
    },
    "analytics: rebuild yesterday's rollups from the raw rows (safety net)": {
        "task": "analytics.tasks.rollup_yesterday_rebuild_task",
        "schedule": crontab(minute=30, hour=1),
        "options": {"expires": 6 * HOUR},
    },
    "dashboard: weekly summary email to admins and content managers (Monday 08:00 their time)": {
        "task": "dashboard.tasks.weekly_summary_send_due_task",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 14 * MINUTE},
    },
    "webhooks: send the deliveries that are due (retries), release lapsed claims": {
        "task": "webhooks.tasks.deliveries_send_due_task",
        "schedule": crontab(minute="*"),
        "options": {"expires": 50},
    },
    "community: check each active RSS/Atom feed; new entries become draft posts": {
        "task": "community.tasks.feeds_check_task",
        "schedule": crontab(minute="7,37"),
        "options": {"expires": 25 * MINUTE},
    },
    "leaderboard: rebuild every leaderboard from the ledger": {
        "task": "leaderboard.tasks.rebuild_leaderboards",
        "schedule": crontab(minute=50, hour=3),
        "options": {"expires": 6 * HOUR},
    },
    # the programme: challenges, feedback surveys, the weekly spotlight
    "programme: freeze ended challenges and award their winners": {
        "task": "programme.tasks.challenges_freeze_due",
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 9 * MINUTE},
    },
    "programme: invite the audiences of ended campaigns to their survey": {
        "task": "programme.tasks.survey_invites_send",
        "schedule": crontab(minute=20),
        "options": {"expires": 50 * MINUTE},
    },
    "programme: publish this week's spotlight (once a week, from last week's best)": {
        "task": "programme.tasks.spotlight_publish",
        "schedule": crontab(minute=35),
        "options": {"expires": 50 * MINUTE},
    },
}
