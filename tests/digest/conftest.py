import datetime as dt
import email
import logging
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from accounts.models import EmployeeProfile, User
from tests.factories import CampaignFactory, SuggestedPostFactory, UserFactory


class SmtpSink:
    """A real SMTP server on loopback (aiosmtpd): keeps what arrives, can refuse like real servers do."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: dict[str, list[str]] = {}  # address -> RCPT answers to give, in order, before accepting

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answers = self.refuse.get(address.lower())
        if answers:
            return answers.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


logging.getLogger("mail.log").setLevel(logging.WARNING)


@pytest.fixture
def smtp(settings):
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    sink.port = controller.port
    yield sink
    controller.stop()


@pytest.fixture(autouse=True)
def digest_settings(settings):
    settings.SITE_URL = "https://advocacy.example.com"
    settings.SHORTLINK_BASE_URL = "https://go.example.com"
    settings.DIGEST_SMTP_RETRY_DELAYS = (0, 0)
    settings.X_DIRECT_POSTING = False
    settings.SHARE_FETCH_OPEN_GRAPH = False
    return settings


def make_person(email: str, *, time_zone: str = "UTC", hour: int = 8, minute: int = 0, days=None, **profile):
    user = UserFactory(email=email, first_name=email.split("@")[0].title())
    EmployeeProfile.objects.filter(user=user).update(
        time_zone=time_zone,
        digest_hour=hour,
        digest_minute=minute,
        digest_days=list(range(7)) if days is None else days,
        **profile,
    )
    return user


def make_posts(n: int = 3, campaign=None, **kwargs):
    """Posts in one campaign whose owner (a content manager) has the digest off, so only the test's people get one."""
    if campaign is None:
        owner = (
            UserFactory(email="owner@example.com")
            if not User.objects.filter(email="owner@example.com").exists()
            else User.objects.get(email="owner@example.com")
        )
        EmployeeProfile.objects.filter(user=owner).update(digest_opt_in=False)
        campaign = CampaignFactory(owner=owner)
    return [SuggestedPostFactory(campaign=campaign, **kwargs) for _ in range(n)]


def at(year, month, day, hour, minute=0, zone="UTC") -> dt.datetime:
    import zoneinfo

    return dt.datetime(year, month, day, hour, minute, tzinfo=zoneinfo.ZoneInfo(zone))


def now() -> dt.datetime:
    return timezone.now()


from tests.networks.conftest import _servers, mastodon, network_settings  # noqa: E402, F401  (the fake Mastodon)
