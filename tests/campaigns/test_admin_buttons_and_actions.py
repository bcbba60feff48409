"""Issue 13, section 2: the workflow buttons on the post and campaign pages, pressed as the page sends them, and the
same moves as list actions. Only people allowed to make a move see its button or action; others are refused."""

from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission

from campaigns.models import Campaign, CampaignStatus, PostStatus, SuggestedPost
from tests.factories import CampaignFactory, SuggestedPostFactory, UserFactory

POSTS = "/admin/campaigns/suggestedpost/"
CAMPAIGNS = "/admin/campaigns/campaign/"


class _ButtonForms(HTMLParser):
    """Each workflow button of a page (a POST form to a `do/<action>/` URL): its label, action and hidden inputs."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._label: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "").lower() == "post":
            self._form = {"action": attrs.get("action", ""), "hidden": {}, "label": ""}
        elif self._form is not None and tag == "input" and attrs.get("type") == "hidden":
            self._form["hidden"][attrs["name"]] = attrs.get("value", "")
        elif self._form is not None and tag == "button":
            self._label = []

    def handle_data(self, data):
        if self._label is not None:
            self._label.append(data)

    def handle_endtag(self, tag):
        if tag == "button" and self._label is not None:
            self._form["label"] = " ".join("".join(self._label).split())
            self._label = None
        elif tag == "form" and self._form is not None:
            if self._form["label"] and "/do/" in self._form["action"]:
                self.forms.append(self._form)
            self._form = None


def _buttons(client, page_url: str) -> dict[str, dict]:
    parser = _ButtonForms()
    parser.feed(client.get(page_url).content.decode())
    return {form["label"]: form for form in parser.forms}


def _press(client, page_url: str, label: str, **data):
    """Open the page and press the button labelled `label`, sending what its form sends; follow the redirect."""
    form = _buttons(client, page_url)[label]
    return client.post(form["action"], {**form["hidden"], **data}, follow=True)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _post_page(post) -> str:
    return f"{POSTS}{post.pk}/change/"


def _campaign_page(campaign) -> str:
    return f"{CAMPAIGNS}{campaign.pk}/change/"


@pytest.fixture
def viewer(db):
    """Staff who may look at campaigns and posts, but not change, approve, publish or add them."""
    user = UserFactory(email="vic@example.com", first_name="Vic")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="campaigns", codename__in=["view_campaign", "view_suggestedpost"]
        )
    )
    return user


# --- the post page's buttons ------------------------------------------------------------------------------------


def test_the_publish_button_publishes_an_approved_post(client, content_manager):
    post = SuggestedPostFactory(status=PostStatus.APPROVED)
    client.force_login(content_manager)
    response = _press(client, _post_page(post), "Publish now")
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert post.transitions.get(to_status=PostStatus.PUBLISHED).by == content_manager
    assert _messages(response) == [f"“{post}” is published."]  # its campaign is launched: no warning
    assert response.redirect_chain[-1][0] == _post_page(post)
    assert "This post is <strong>published</strong>" in response.content.decode()


def test_the_publish_button_warns_about_an_unlaunched_campaign_and_the_offered_launch_works(client, content_manager):
    campaign = CampaignFactory(name="Spring fair", launched_at=None)
    post = SuggestedPostFactory(campaign=campaign, status=PostStatus.APPROVED)
    client.force_login(content_manager)
    response = _press(client, _post_page(post), "Publish now")
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    (_, warning) = _messages(response)
    assert f"“{post}” is published, but its campaign “Spring fair” is not launched" in warning
    assert "no employee sees the post until it is" in warning

    launch = _buttons(client, _post_page(post))["Launch campaign"]  # offered on the page the warning names
    assert launch["hidden"]["next"] == _post_page(post)
    response = _press(client, _post_page(post), "Launch campaign")
    campaign.refresh_from_db()
    assert campaign.launched_at is not None and campaign.status == CampaignStatus.ACTIVE
    assert response.redirect_chain[-1][0] == _post_page(post)  # back to the post
    assert "Launch campaign" not in _buttons(client, _post_page(post))


def test_the_archive_button_archives_the_post_and_leaves_only_duplicate(client, content_manager):
    post = SuggestedPostFactory(status=PostStatus.PUBLISHED)
    client.force_login(content_manager)
    response = _press(client, _post_page(post), "Archive")
    post.refresh_from_db()
    assert post.status == PostStatus.ARCHIVED
    assert _messages(response) == [f"“{post}” is archived."]
    assert set(_buttons(client, _post_page(post))) == {"Duplicate (as draft)"}  # no move leaves "archived"


def test_the_duplicate_button_opens_a_draft_copy_with_the_same_copy(client, content_manager, advocacy_admin):
    post = SuggestedPostFactory(title="Our new release", status=PostStatus.PUBLISHED, created_by=advocacy_admin)
    client.force_login(content_manager)
    response = _press(client, _post_page(post), "Duplicate (as draft)")
    copy = SuggestedPost.objects.exclude(pk=post.pk).get()
    assert response.redirect_chain[-1][0] == _post_page(copy)
    assert _messages(response) == ["Created “Our new release (copy)” as a draft."]
    assert (copy.title, copy.status, copy.campaign, copy.created_by) == (
        "Our new release (copy)",
        PostStatus.DRAFT,
        post.campaign,
        content_manager,
    )
    assert sorted(copy.variants.values_list("network", "text")) == sorted(post.variants.values_list("network", "text"))
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED  # the original is untouched


def test_someone_who_may_only_look_sees_no_buttons_and_is_refused(client, viewer):
    post = SuggestedPostFactory(status=PostStatus.APPROVED, campaign=CampaignFactory(launched_at=None))
    client.force_login(viewer)
    assert client.get(_post_page(post)).status_code == 200
    assert _buttons(client, _post_page(post)) == {}
    for action in ("publish", "archive", "duplicate"):
        assert client.post(f"{POSTS}{post.pk}/do/{action}/").status_code == 403, action
    assert client.post(f"{CAMPAIGNS}{post.campaign.pk}/do/launch/").status_code == 403
    post.refresh_from_db()
    post.campaign.refresh_from_db()
    assert post.status == PostStatus.APPROVED and post.campaign.launched_at is None
    assert SuggestedPost.objects.count() == 1


def test_a_buttons_url_takes_no_get(client, content_manager):
    post = SuggestedPostFactory(status=PostStatus.APPROVED)
    client.force_login(content_manager)
    assert client.get(f"{POSTS}{post.pk}/do/publish/").status_code == 405
    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED


# --- the campaign page's archive button -------------------------------------------------------------------------


def test_the_campaign_archive_button_archives_it_and_its_posts(client, content_manager):
    campaign = CampaignFactory()
    live = SuggestedPostFactory(campaign=campaign, status=PostStatus.PUBLISHED)
    draft = SuggestedPostFactory(campaign=campaign, status=PostStatus.DRAFT)
    client.force_login(content_manager)
    response = _press(client, _campaign_page(campaign), "Archive campaign and its posts")
    campaign.refresh_from_db()
    live.refresh_from_db()
    draft.refresh_from_db()
    assert campaign.status == CampaignStatus.ARCHIVED and campaign.archived_at is not None
    assert (live.status, draft.status) == (PostStatus.ARCHIVED, PostStatus.ARCHIVED)
    assert _messages(response) == ["1 campaign(s) archived."]
    assert "This campaign is <strong>archived</strong>" in response.content.decode()
    assert set(_buttons(client, _campaign_page(campaign))) == {"Duplicate (as draft)"}


def test_someone_who_may_only_look_gets_no_campaign_buttons_and_cannot_archive(client, viewer):
    campaign = CampaignFactory()
    client.force_login(viewer)
    assert client.get(_campaign_page(campaign)).status_code == 200
    assert _buttons(client, _campaign_page(campaign)) == {}
    for action in ("archive", "duplicate"):
        assert client.post(f"{CAMPAIGNS}{campaign.pk}/do/{action}/").status_code == 403, action
    campaign.refresh_from_db()
    assert campaign.archived_at is None and Campaign.objects.count() == 1


# --- list actions -----------------------------------------------------------------------------------------------


def _action_choices(client, list_url: str) -> set[str]:
    response = client.get(list_url)
    action_form = response.context.get("action_form")
    return {value for value, _ in action_form.fields["action"].choices if value} if action_form else set()


def _list_action(client, list_url: str, action: str, objects):
    return client.post(list_url, {"action": action, "_selected_action": [o.pk for o in objects]}, follow=True)


def test_posts_submit_action_submits_each_draft_and_reports_one_it_cannot(client, content_manager):
    drafts = [SuggestedPostFactory(status=PostStatus.DRAFT) for _ in range(2)]
    published = SuggestedPostFactory(title="Already out", status=PostStatus.PUBLISHED)
    client.force_login(content_manager)
    response = _list_action(client, POSTS, "submit", [*drafts, published])
    for post in drafts:
        post.refresh_from_db()
        assert post.status == PostStatus.SUBMITTED
        assert post.transitions.get(to_status=PostStatus.SUBMITTED).by == content_manager
    published.refresh_from_db()
    assert published.status == PostStatus.PUBLISHED
    said = _messages(response)
    assert "2 post(s) submitted for approval." in said
    assert any(m.startswith("“Already out”: A post that is published cannot be submitted") for m in said)


def test_posts_duplicate_action_makes_a_draft_copy_of_each(client, content_manager):
    originals = [SuggestedPostFactory(title=title, status=PostStatus.PUBLISHED) for title in ("One", "Two")]
    client.force_login(content_manager)
    response = _list_action(client, POSTS, "duplicate", originals)
    copies = SuggestedPost.objects.exclude(pk__in=[p.pk for p in originals]).order_by("title")
    assert [(c.title, c.status, c.created_by) for c in copies] == [
        ("One (copy)", PostStatus.DRAFT, content_manager),
        ("Two (copy)", PostStatus.DRAFT, content_manager),
    ]
    assert copies[0].variants.count() == originals[0].variants.count() == 3
    assert set(_messages(response)) == {"Created “One (copy)”.", "Created “Two (copy)”."}


def test_posts_archive_action_archives_the_selected_posts_only(client, content_manager):
    chosen = [SuggestedPostFactory(status=status) for status in (PostStatus.DRAFT, PostStatus.PUBLISHED)]
    other = SuggestedPostFactory(status=PostStatus.PUBLISHED)
    client.force_login(content_manager)
    response = _list_action(client, POSTS, "archive", chosen)
    assert [p.status for p in SuggestedPost.objects.filter(pk__in=[p.pk for p in chosen])] == [PostStatus.ARCHIVED] * 2
    other.refresh_from_db()
    assert other.status == PostStatus.PUBLISHED
    assert _messages(response) == ["2 post(s) archived."]


def test_campaigns_launch_action_launches_drafts_by_their_dates(client, content_manager):
    running = CampaignFactory(name="Running", launched_at=None)
    later = CampaignFactory(name="Later", launched_at=None)
    later.starts_at = later.starts_at + (later.ends_at - later.starts_at) / 2  # starts in about two weeks
    later.save(update_fields=["starts_at"])
    client.force_login(content_manager)
    response = _list_action(client, CAMPAIGNS, "launch", [running, later])
    running.refresh_from_db()
    later.refresh_from_db()
    assert (running.status, later.status) == (CampaignStatus.ACTIVE, CampaignStatus.SCHEDULED)
    assert set(_messages(response)) == {"“Running” is active.", "“Later” is scheduled."}


def test_campaigns_launch_action_refuses_an_archived_campaign(client, content_manager):
    campaign = CampaignFactory(name="Old", launched_at=None)
    client.force_login(content_manager)
    _list_action(client, CAMPAIGNS, "archive", [campaign])
    response = _list_action(client, CAMPAIGNS, "launch", [campaign])
    campaign.refresh_from_db()
    assert campaign.launched_at is None and campaign.status == CampaignStatus.ARCHIVED
    assert _messages(response) == ["“Old”: An archived campaign cannot be launched."]


def test_campaigns_duplicate_action_copies_the_campaign_and_its_posts_as_drafts(client, content_manager):
    campaign = CampaignFactory(name="Autumn", hashtags="#Autumn #Team")
    SuggestedPostFactory(campaign=campaign, title="Leaves", status=PostStatus.PUBLISHED)
    client.force_login(content_manager)
    response = _list_action(client, CAMPAIGNS, "duplicate", [campaign])
    copy = Campaign.objects.exclude(pk=campaign.pk).get()
    assert (copy.name, copy.hashtags, copy.owner, copy.launched_at) == (
        "Autumn (copy)",
        "#Autumn #Team",
        content_manager,
        None,
    )
    assert copy.status == CampaignStatus.DRAFT and copy.utm_campaign != campaign.utm_campaign
    assert [(p.title, p.status) for p in copy.posts.all()] == [("Leaves", PostStatus.DRAFT)]
    assert _messages(response) == ["Created “Autumn (copy)”."]


def test_campaigns_archive_action_archives_them_and_their_posts(client, content_manager):
    campaigns = [CampaignFactory(), CampaignFactory()]
    posts = [SuggestedPostFactory(campaign=c, status=PostStatus.PUBLISHED) for c in campaigns]
    kept = CampaignFactory()
    client.force_login(content_manager)
    response = _list_action(client, CAMPAIGNS, "archive", campaigns)
    assert {c.status for c in Campaign.objects.filter(pk__in=[c.pk for c in campaigns])} == {CampaignStatus.ARCHIVED}
    assert {p.status for p in SuggestedPost.objects.filter(pk__in=[p.pk for p in posts])} == {PostStatus.ARCHIVED}
    kept.refresh_from_db()
    assert kept.archived_at is None
    assert _messages(response) == ["2 campaign(s) archived."]


def test_the_list_actions_are_offered_to_content_managers(client, content_manager):
    client.force_login(content_manager)
    assert {"submit", "approve", "reject", "publish_now", "duplicate", "archive"} <= _action_choices(client, POSTS)
    assert {"launch", "duplicate", "archive"} <= _action_choices(client, CAMPAIGNS)


def test_someone_who_may_only_look_gets_no_list_actions_and_posting_one_changes_nothing(client, viewer):
    draft = SuggestedPostFactory(status=PostStatus.DRAFT, campaign=CampaignFactory(launched_at=None))
    client.force_login(viewer)
    assert _action_choices(client, POSTS) == set() and _action_choices(client, CAMPAIGNS) == set()
    for action in ("submit", "duplicate", "archive"):
        assert _list_action(client, POSTS, action, [draft]).status_code in (200, 403)
    for action in ("launch", "duplicate", "archive"):
        assert _list_action(client, CAMPAIGNS, action, [draft.campaign]).status_code in (200, 403)
    draft.refresh_from_db()
    draft.campaign.refresh_from_db()
    assert draft.status == PostStatus.DRAFT
    assert (draft.campaign.launched_at, draft.campaign.archived_at) == (None, None)
    assert (SuggestedPost.objects.count(), Campaign.objects.count()) == (1, 1)
