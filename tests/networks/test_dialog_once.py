"""Opening the same share dialog again for the same post and network is one share, its time refreshed."""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from networks.models import Share
from networks.services.sharing import share_intent_create


def test_opening_the_same_dialog_twice_records_one_share(client, employee, post):
    client.force_login(employee)
    url = reverse("networks:share_intent", args=[post.pk, "linkedin"])
    first = client.post(url)
    second = client.post(url)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]  # the same short link both times
    share = Share.objects.get(user=employee, post=post, network="linkedin")
    assert share.status == Share.Status.OPENED
    page = client.get(reverse("my_shares")).content.decode()
    assert page.count('data-route="intent"') == 1


def test_a_second_open_a_day_later_refreshes_the_time_of_the_same_share(employee, post):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first, _ = share_intent_create(user=employee, post=post, network="x")
    with time_machine.travel(start + dt.timedelta(days=1), tick=False):
        again, _ = share_intent_create(user=employee, post=post, network="x")
    assert again.pk == first.pk
    assert again.created_at == first.created_at  # first opened
    assert again.updated_at == start + dt.timedelta(days=1)  # last opened, shown on My shares
    assert Share.objects.filter(user=employee, network="x").count() == 1


def test_other_networks_and_colleagues_get_shares_of_their_own(employee, colleague, post):
    share_intent_create(user=employee, post=post, network="x")
    share_intent_create(user=employee, post=post, network="linkedin")
    share_intent_create(user=colleague, post=post, network="x")
    assert Share.objects.filter(route=Share.Route.INTENT).count() == 3


def test_the_database_refuses_a_second_opened_share_for_the_same_post_and_network(employee, post):
    share, _ = share_intent_create(user=employee, post=post, network="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Share.objects.create(
            user=employee,
            post=post,
            network="x",
            short_link=share.short_link,
            route=Share.Route.INTENT,
            status=Share.Status.OPENED,
            text=share.text,
        )
