"""Posts in and out of a campaign as CSV (django-import-export): one row per network's copy of a post.

Columns: campaign (its UTM campaign), title, target_url, publish_at, expires_at (YYYY-MM-DD HH:MM in the
organisation's time zone), disclaimer, network, copy. Rows with the same campaign and title make one post; the
post's columns may be left empty on its later rows. Every imported post is a draft.

Each row goes through the admin's own forms (SuggestedPostAdminForm for the post, PostVariantForm for the
copy, so the counting rule with disclaimer and short link, the URL checks and the dates are the same), and a
row's problems are reported against its columns. The admin always runs a dry run first, inside a transaction
that is rolled back; the real import is offered only when no row has a problem, and rolls back whole if one has.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from import_export import fields, resources

from . import services
from .forms import PostVariantForm, SuggestedPostAdminForm
from .models import Campaign, PostVariant, SuggestedPost
from .networks import VARIANT_NETWORK_CHOICES
from .widgets import organisation_time_zone

POST_COLUMNS = ("campaign", "title", "target_url", "publish_at", "expires_at", "disclaimer")
REQUIRED_COLUMNS = ("campaign", "title", "target_url", "publish_at", "network", "copy")
DATE_FORMAT = "%Y-%m-%d %H:%M"
NETWORKS = dict(VARIANT_NETWORK_CHOICES)


def _cell(row, column: str) -> str:
    value = row.get(column)
    return "" if value is None else str(value).strip()


def _parse_when(value: str, column: str, zone: str) -> dt.datetime | None:
    if not value:
        return None
    for fmt in (DATE_FORMAT, "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            naive = dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
        return timezone.make_aware(naive, timezone.get_current_timezone())
    raise ValidationError(
        {column: f"“{value}” is not a date and time: write it as 2026-12-01 09:30 ({zone})."}, code="date"
    )


class PostCsvResource(resources.ModelResource):
    campaign = fields.Field(column_name="campaign")
    title = fields.Field(column_name="title")
    target_url = fields.Field(column_name="target_url")
    publish_at = fields.Field(column_name="publish_at")
    expires_at = fields.Field(column_name="expires_at")
    disclaimer = fields.Field(column_name="disclaimer")
    network = fields.Field(column_name="network")
    copy = fields.Field(column_name="copy")

    class Meta:
        model = PostVariant
        fields = ("campaign", "title", "target_url", "publish_at", "expires_at", "disclaimer", "network", "copy")
        export_order = fields
        force_init_instance = True  # an import only ever adds drafts; it never updates a post
        use_transactions = True
        clean_model_instances = False  # the admin's forms have checked each row already
        skip_unchanged = False
        store_instance = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._posts: dict[tuple[int, str], tuple[SuggestedPost, dict[str, str], int]] = {}
        self._networks: dict[tuple[int, str], dict[str, int]] = {}
        self._user = None

    def get_export_queryset(self, request=None):
        return PostVariant.objects.select_related("post__campaign").order_by("post__publish_at", "post_id", "network")

    # --- export -------------------------------------------------------------------------------------------------

    def _when(self, value) -> str:
        return timezone.localtime(value, timezone.get_current_timezone()).strftime(DATE_FORMAT) if value else ""

    def dehydrate_campaign(self, variant: PostVariant) -> str:
        return variant.post.campaign.utm_campaign

    def dehydrate_title(self, variant: PostVariant) -> str:
        return variant.post.title

    def dehydrate_target_url(self, variant: PostVariant) -> str:
        return variant.post.target_url

    def dehydrate_publish_at(self, variant: PostVariant) -> str:
        return self._when(variant.post.publish_at)

    def dehydrate_expires_at(self, variant: PostVariant) -> str:
        return self._when(variant.post.expires_at)

    def dehydrate_disclaimer(self, variant: PostVariant) -> str:
        return variant.post.disclaimer

    def dehydrate_network(self, variant: PostVariant) -> str:
        return variant.network

    def dehydrate_copy(self, variant: PostVariant) -> str:
        return variant.text

    def export(self, queryset=None, **kwargs):
        with timezone.override(organisation_time_zone()):
            return super().export(queryset, **kwargs)

    # --- import -------------------------------------------------------------------------------------------------

    def import_data(self, dataset, *args, **kwargs):
        self._user = kwargs.get("user")
        with timezone.override(organisation_time_zone()):
            return super().import_data(dataset, *args, **kwargs)

    def before_import(self, dataset, **kwargs):
        headers = [str(h or "").strip() for h in (dataset.headers or [])]
        missing = [c for c in REQUIRED_COLUMNS if c not in headers]
        unknown = [h for h in headers if h and h not in self._meta.fields]
        problems = []
        if missing:
            problems.append(f"The file has no column {', '.join(missing)}.")
        if unknown:
            problems.append(f"Unknown column {', '.join(unknown)}.")
        if problems:
            raise ValidationError(
                " ".join(problems) + f" The first line must name the columns: {', '.join(self._meta.fields)}."
            )

    def import_instance(self, instance: PostVariant, row, **kwargs):
        zone = organisation_time_zone()
        errors: dict[str, list[str]] = {}
        number = kwargs.get("row_number", 0)

        campaign = None
        slug = _cell(row, "campaign")
        if not slug:
            errors["campaign"] = ["Name the campaign (its UTM campaign, as on the campaign page)."]
        else:
            campaign = Campaign.objects.filter(utm_campaign=slug).first()
            if campaign is None:
                errors["campaign"] = [f"There is no campaign with UTM campaign “{slug}”."]
            elif campaign.archived_at is not None:
                errors["campaign"] = [f"The campaign “{campaign}” is archived: no posts can be added to it."]
                campaign = None
        network = _cell(row, "network").lower()
        if network not in NETWORKS:
            allowed = ", ".join(NETWORKS)
            errors["network"] = [f"Unknown network “{network or '(empty)'}”: use one of {allowed}."]
        title = _cell(row, "title")
        if not title:
            errors["title"] = ["Give the post a title."]
        if campaign is None or not title:
            for column in ("publish_at", "expires_at"):  # report what else is wrong with the row too
                try:
                    _parse_when(_cell(row, column), column, zone)
                except ValidationError as exc:
                    errors.update({k: list(v) for k, v in exc.message_dict.items()})
            raise ValidationError(errors)

        key = (campaign.pk, title)
        post_values = {column: _cell(row, column) for column in POST_COLUMNS}
        if key in self._posts:
            post, first_values, first_row = self._posts[key]
            for column in POST_COLUMNS:
                if post_values[column] and post_values[column] != first_values[column]:
                    errors.setdefault(column, []).append(
                        f"Differs from row {first_row}, where this post starts; leave it empty or repeat it."
                    )
        else:
            post = self._post_from_row(row, campaign, post_values, errors, zone)
            if post is not None:
                self._posts[key] = (post, post_values, number)

        if network in NETWORKS:
            seen = self._networks.setdefault(key, {})
            if network in seen:
                errors.setdefault("network", []).append(f"Row {seen[network]} already has this post's {network} copy.")
            else:
                seen[network] = number
        if post is not None and "network" not in errors:
            variant_form = PostVariantForm(
                data={"network": network, "text": _cell(row, "copy")}, instance=PostVariant(post=post)
            )
            variant_form.instance.post = post
            if not variant_form.is_valid():
                for name, messages in variant_form.errors.items():
                    errors.setdefault("copy" if name in ("text", "__all__") else name, []).extend(messages)
        elif post is None and not _cell(row, "copy"):
            errors.setdefault("copy", []).append("The copy cannot be empty.")
        if errors or post is None:
            raise ValidationError(errors or {"title": ["This post's first row has errors."]})
        instance.post = post
        instance.network = network
        instance.text = _cell(row, "copy")

    def _post_from_row(self, row, campaign, values, errors, zone) -> SuggestedPost | None:
        when = {}
        for column in ("publish_at", "expires_at"):
            try:
                when[column] = _parse_when(values[column], column, zone)
            except ValidationError as exc:
                errors.update({k: list(v) for k, v in exc.message_dict.items()})
        if not values["publish_at"]:
            errors.setdefault("publish_at", []).append(f"Say when the post goes out, e.g. 2026-12-01 09:30 ({zone}).")
        data = {
            "campaign": campaign.pk,
            "title": values["title"],
            "target_url": values["target_url"],
            "publish_at": when.get("publish_at"),
            "expires_at": when.get("expires_at"),
            "disclaimer": values["disclaimer"],
            "image_alt": "",
        }
        form = SuggestedPostAdminForm(data=data)
        if not form.is_valid():
            for name, messages in form.errors.items():
                if name in ("publish_at", "expires_at") and name in errors:
                    continue
                errors.setdefault(name if name in POST_COLUMNS else "title", []).extend(messages)
        if errors:
            return None
        return services.post_draft_store(post=form.save(commit=False), by=self._user)

    def save_instance(self, instance, is_create, row, **kwargs):
        services.post_variant_add(variant=instance)
