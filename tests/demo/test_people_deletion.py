"""Deleting a real-looking employee (shares, short links, clicks, points) through the admin."""

from accounts.models import User
from analytics.models import Click
from leaderboard.models import PointEntry
from networks.models import Share
from shortlinks.models import ShortLink


def test_admin_can_delete_an_employee_who_shared_and_earned_clicks(seed_output, db, client, advocacy_admin):
    sharer = User.objects.filter(shares__isnull=False, short_links__clicks__isnull=False).distinct().first()
    assert sharer is not None
    client.force_login(advocacy_admin)
    response = client.post(f"/admin/accounts/user/{sharer.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=sharer.pk).exists()
    assert not ShortLink.objects.filter(user_id=sharer.pk).exists()
    assert not Share.objects.filter(user_id=sharer.pk).exists()
    assert not Click.objects.filter(link__user_id=sharer.pk).exists()
    assert not PointEntry.objects.filter(user_id=sharer.pk).exists()
    assert Share.objects.exists()  # colleagues' shares stay
