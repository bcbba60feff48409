from celery import shared_task

from . import notifications, services


@shared_task(ignore_result=True)
def publish_due_posts() -> int:
    """Mark approved posts whose time has come as published. Idempotent: safe to re-run."""
    return services.publish_due_posts()


@shared_task(ignore_result=True)
def notify_post_decision(transition_id: int) -> None:
    """Email the author that their post was approved or rejected. Returns quietly if the step is gone."""
    notifications.post_decision_notify(transition_id=transition_id)


@shared_task(ignore_result=True)
def remind_reviewers() -> int:
    """The daily "posts wait for you" email; claimed per person and day, so a re-run sends nothing twice."""
    return notifications.reviewers_remind()
