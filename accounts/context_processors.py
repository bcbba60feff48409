from django.conf import settings


def signup(request) -> dict[str, bool]:
    """Whether people may sign up themselves: the login page invites them only then."""
    return {"signup_open": settings.ACCOUNT_ALLOW_SIGNUP}
