"""News analytics sends to higher apps (connected in their AppConfig.ready(), never imported downwards)."""

from django.dispatch import Signal

# A drain stored new counted clicks. Sent once per drain, after its batches committed, with `counts`:
# {link_id: LinkClickCounts} for every link that got at least one counted (human, not self) click.
# A drain killed between a commit and the send announces nothing for that batch: receivers that need
# exact figures read the link's totals (analytics.selectors.link_click_totals) rather than add the counts.
clicks_counted = Signal()

# A campaign reached its goal (clicks, shares or engagement at or over its target). Sent once per campaign,
# inside the transaction that records it (`CampaignGoalReached`), with `campaign_id`, `metric`, `target`,
# `reached` and `at`. Receivers may write in that transaction (their rows commit or roll back with it); one that
# raises rolls the record back too, and the next check (5 minutes later) announces the goal again.
campaign_goal_reached = Signal()
