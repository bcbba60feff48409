"""The demo makes every dashboard look alive: rollups filled through the same services as real traffic."""

from django.db.models import Sum

from accounts.models import User
from accounts.roles import CONTENT_MANAGER
from analytics.models import DailyRollup
from demo.seed import seed_demo


def test_the_demo_fills_every_dashboard(client, db):
    seed_demo()
    totals = DailyRollup.objects.aggregate(
        clicks=Sum("unique_clicks"), dialog=Sum("shares_dialog"), direct=Sum("shares_direct"), likes=Sum("likes")
    )
    assert all(totals.values()), totals
    sharer_id = DailyRollup.objects.filter(unique_clicks__gt=0, shares_direct__gt=0).values_list("user_id").first()[0]
    client.force_login(User.objects.get(pk=sharer_id))
    impact = client.get("/me/impact/", {"period": "30d"})
    figures = {f.label: f for f in impact.context["figures"]}
    assert figures["Unique clicks"].value > 0 and figures["Interactions"].available
    client.force_login(User.objects.filter(groups__name=CONTENT_MANAGER).first())
    overview = client.get("/programme/", {"period": "30d"})
    headline = {f.label: f for f in overview.context["headline"]}
    assert headline["Active advocates"].value > 0 and headline["Earned media value"].kind == "estimate"
    assert overview.context["chart"] is not None
    campaign_id = DailyRollup.objects.exclude(campaign_id=None).values_list("campaign_id", flat=True).first()
    assert client.get(f"/programme/campaigns/{campaign_id}/").context["has_activity"]
    # A second run changes nothing (the demo is idempotent).
    before = list(DailyRollup.objects.order_by("pk").values_list("pk", "unique_clicks", "shares_dialog", "likes"))
    seed_demo()
    assert (
        list(DailyRollup.objects.order_by("pk").values_list("pk", "unique_clicks", "shares_dialog", "likes")) == before
    )
