from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from accounts.signals import employee_joined, personal_data_erase
        from analytics.signals import campaign_goal_reached, clicks_counted
        from campaigns.signals import post_published
        from networks.signals import share_settled

        from . import receivers

        share_settled.connect(receivers.on_share_settled, dispatch_uid="webhooks.share_settled")
        clicks_counted.connect(receivers.on_clicks_counted, dispatch_uid="webhooks.clicks_counted")
        post_published.connect(receivers.on_post_published, dispatch_uid="webhooks.post_published")
        campaign_goal_reached.connect(receivers.on_campaign_goal_reached, dispatch_uid="webhooks.goal_reached")
        employee_joined.connect(receivers.on_employee_joined, dispatch_uid="webhooks.employee_joined")
        personal_data_erase.connect(receivers.on_personal_data_erase, dispatch_uid="webhooks.privacy.erase")
