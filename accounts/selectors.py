"""Reads about people."""

from django.db.models import QuerySet
from django.utils import timezone

from .models import EmployeeProfile, PolicyAcknowledgement, PolicyDocument, User
from .signals import personal_data_export


def user_data_export(*, user: User) -> dict:
    """Everything the platform stores about `user`, as one JSON-ready dict.

    accounts contributes the person and their profile; every other app adds its own sections through
    `personal_data_export` (connected in its AppConfig.ready()). Read-only.
    """
    profile = EmployeeProfile.objects.filter(user=user).select_related("team", "location").first()
    data: dict = {
        "exported_at": timezone.now().isoformat(),
        "person": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "roles": sorted(user.groups.values_list("name", flat=True)),
            "erased_at": user.erased_at.isoformat() if user.erased_at else None,
        },
        "profile": None,
    }
    if profile is not None:
        data["profile"] = {
            "team": profile.team.name if profile.team else None,
            "location": profile.location.name if profile.location else None,
            "job_title": profile.job_title,
            "language": profile.language,
            "time_zone": profile.time_zone,
            "digest_opt_in": profile.digest_opt_in,
            "digest_hour": profile.digest_hour,
            "leaderboard_opt_out": profile.leaderboard_opt_out,
            "leaderboard_excluded": profile.leaderboard_excluded,
            "stories_consent": profile.stories_consent,
        }
    data["policy_acknowledgements"] = [
        {"version": a.document.version, "acknowledged_at": a.acknowledged_at.isoformat()}
        for a in PolicyAcknowledgement.objects.filter(user=user).select_related("document").order_by("acknowledged_at")
    ]
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    data["email_addresses"] = [
        {"email": a.email, "verified": a.verified, "primary": a.primary} for a in EmailAddress.objects.filter(user=user)
    ]
    data["social_logins"] = [
        {"provider": a.provider, "uid": a.uid, "last_login": a.last_login.isoformat() if a.last_login else None}
        for a in SocialAccount.objects.filter(user=user)
    ]
    for _receiver, sections in personal_data_export.send(sender=User, user=user):
        if isinstance(sections, dict):
            data.update(sections)
    return data


# --- The social media policy ---------------------------------------------------------------------------


def policy_current() -> PolicyDocument | None:
    """The policy in force: the highest published version (None while no policy is published)."""
    return PolicyDocument.objects.filter(published_at__isnull=False).order_by("-version").first()


def policy_pending_for(*, user) -> PolicyDocument | None:
    """The policy version `user` must acknowledge before sharing, or None when there is nothing to do.

    The sharing services call this, so every share path (the share page, the dialog, the digest, the API)
    refuses until the current version is acknowledged.
    """
    current = policy_current()
    if current is None or PolicyAcknowledgement.objects.filter(user=user, document=current).exists():
        return None
    return current


def policy_unacknowledged(*, document: PolicyDocument) -> QuerySet[User]:
    """Active, not erased people who have not acknowledged `document` yet."""
    return (
        User.objects.filter(is_active=True, erased_at__isnull=True)
        .exclude(policy_acknowledgements__document=document)
        .order_by("email")
    )
