import pytest
from django.contrib.auth.models import Group

from accounts.roles import ADVOCACY_ADMIN, CONTENT_MANAGER, EMPLOYEE
from campaigns.models import PostStatus
from tests.factories import SuggestedPostFactory


def test_roles_exist_with_permissions(db):
    admin = Group.objects.get(name=ADVOCACY_ADMIN)
    manager = Group.objects.get(name=CONTENT_MANAGER)
    assert admin.permissions.filter(codename="change_user").exists()
    assert manager.permissions.filter(codename="approve_suggestedpost").exists()
    assert not manager.permissions.filter(codename__in=["change_user", "change_group"]).exists()
    assert not Group.objects.get(name=EMPLOYEE).permissions.exists()


@pytest.mark.parametrize("url", ["/admin/", "/admin/campaigns/campaign/", "/admin/accounts/user/"])
def test_employee_cannot_open_the_admin(client, employee, url):
    client.force_login(employee)
    response = client.get(url)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_content_manager_can_work_on_campaigns_but_not_change_roles(client, content_manager, employee):
    client.force_login(content_manager)
    assert client.get("/admin/campaigns/campaign/").status_code == 200
    assert client.get("/admin/campaigns/suggestedpost/add/").status_code == 200
    assert client.get("/admin/auth/group/").status_code == 403
    response = client.post(
        f"/admin/accounts/user/{employee.pk}/change/",
        {"email": employee.email, "groups": [Group.objects.get(name=ADVOCACY_ADMIN).pk]},
    )
    assert response.status_code == 403
    assert not employee.groups.filter(name=ADVOCACY_ADMIN).exists()


def test_content_manager_approves_through_the_admin_action(client, content_manager):
    post = SuggestedPostFactory(status=PostStatus.SUBMITTED)
    client.force_login(content_manager)
    response = client.post(
        "/admin/campaigns/suggestedpost/", {"action": "approve", "_selected_action": [post.pk]}, follow=True
    )
    assert response.status_code == 200
    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED
    assert post.transitions.get().by == content_manager


def test_admin_action_on_a_bad_transition_reports_it_and_changes_nothing(client, content_manager):
    post = SuggestedPostFactory(status=PostStatus.DRAFT)
    client.force_login(content_manager)
    response = client.post(
        "/admin/campaigns/suggestedpost/", {"action": "publish_now", "_selected_action": [post.pk]}, follow=True
    )
    assert "cannot be published" in response.content.decode()
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT


def test_reject_action_asks_for_a_reason_then_records_it(client, content_manager):
    post = SuggestedPostFactory(status=PostStatus.SUBMITTED)
    client.force_login(content_manager)
    ask = client.post("/admin/campaigns/suggestedpost/", {"action": "reject", "_selected_action": [post.pk]})
    assert ask.status_code == 200
    assert b"Reject with this reason" in ask.content
    post.refresh_from_db()
    assert post.status == PostStatus.SUBMITTED
    client.post(
        "/admin/campaigns/suggestedpost/",
        {"action": "reject", "_selected_action": [post.pk], "reason": "Wrong landing page"},
    )
    post.refresh_from_db()
    assert (post.status, post.rejection_reason) == (PostStatus.REJECTED, "Wrong landing page")


def test_advocacy_admin_can_change_roles(client, advocacy_admin, employee):
    client.force_login(advocacy_admin)
    assert client.get(f"/admin/accounts/user/{employee.pk}/change/").status_code == 200
    assert client.get("/admin/auth/group/").status_code == 200


def test_admin_pages_render_for_content_manager(client, content_manager):
    post = SuggestedPostFactory()
    client.force_login(content_manager)
    for url in [
        f"/admin/campaigns/suggestedpost/{post.pk}/change/",
        f"/admin/campaigns/campaign/{post.campaign.pk}/change/",
        "/admin/campaigns/campaign/?status=active",
        "/admin/campaigns/suggestedpost/?status__exact=approved",
    ]:
        assert client.get(url).status_code == 200, url
