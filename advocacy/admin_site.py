"""The Django admin site, with an approval inbox on its index page.

The index gathers from the apps below (campaigns' approval queue, community's suggestions and amplify
requests), so it lives in the project package,
the top of the layers; each app's ModelAdmin stays in its own admin.py.
"""

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.urls import reverse


class AdvocacyAdminSite(AdminSite):
    def index(self, request, extra_context=None):
        # Imported here: this module is loaded with INSTALLED_APPS, before the models are ready.
        from campaigns.selectors import post_versions_waiting_for, posts_waiting_for
        from community.selectors import amplify_requests_waiting, suggestions_waiting

        waiting = posts_waiting_for(user=request.user).count()
        inbox = {
            "approval_waiting": waiting,
            "approval_inbox_url": reverse("admin:campaigns_suggestedpost_changelist") + "?waiting=me",
            "corrections_waiting": post_versions_waiting_for(user=request.user).count(),
            "corrections_inbox_url": reverse("admin:campaigns_postversion_changelist") + "?status__exact=submitted",
        }
        if request.user.has_perm("community.change_suggestion"):
            inbox |= {
                "suggestions_waiting": suggestions_waiting().count(),
                "suggestions_inbox_url": reverse("admin:community_suggestion_changelist"),
                "amplify_waiting": amplify_requests_waiting().count(),
                "amplify_inbox_url": reverse("admin:community_amplifyrequest_changelist"),
            }
        return super().index(request, {**inbox, **(extra_context or {})})


class AdvocacyAdminConfig(AdminConfig):
    default_site = "advocacy.admin_site.AdvocacyAdminSite"
