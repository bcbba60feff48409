"""Connected accounts and the share flow. Thin views: parse, call a service or selector, render."""

import zoneinfo
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import policy_pending_for
from accounts.services import profile_get
from campaigns.models import SuggestedPost
from campaigns.networks import TEXT_RULES, Network, short_link_placeholder
from campaigns.selectors import posts_for_today

from . import selectors
from .forms import BlueskyConnectForm, MastodonConnectForm, ShareForm
from .providers import get_provider
from .services import connections, sharing

MASTODON_SESSION_KEY = "networks.mastodon_pending"


class ShareDialogRedirect(HttpResponseRedirect):
    """A redirect to a network's share dialog; the email "dialog" is a mailto: link."""

    allowed_schemes = ["https", "mailto"]


def _form_errors(form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form's fields (or to the form as a whole)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error.messages[0] if hasattr(error, "messages") else str(error))
    else:
        for message in exc.messages:
            form.add_error(None, message)


# --- Connected accounts ----------------------------------------------------------------------


@login_required
@require_GET
def accounts_page(request: HttpRequest) -> HttpResponse:
    connections.accounts_sync_from_allauth(user=request.user)
    return _render_accounts(request)


def _render_accounts(request, *, mastodon_form=None, bluesky_form=None, status=200) -> HttpResponse:
    now = timezone.now()
    options = selectors.network_options(user=request.user)
    rows = [
        {"account": a, "health": a.health_at(now), "days_left": a.days_left(now)}
        for a in selectors.accounts_for(user=request.user)
    ]
    return render(
        request,
        "networks/accounts.html",
        {
            "rows": rows,
            "options": options,
            "mastodon_form": mastodon_form or MastodonConnectForm(),
            "bluesky_form": bluesky_form or BlueskyConnectForm(),
            "next": reverse("networks:accounts"),
        },
        status=status,
    )


@login_required
@require_POST
def account_disconnect(request: HttpRequest, account_id: int) -> HttpResponse:
    account = selectors.account_get_for_user(user=request.user, account_id=account_id)
    label = str(account)
    connections.account_disconnect(account=account)
    messages.success(request, f"Disconnected {label}. Its tokens are deleted.")
    return redirect("networks:accounts")


@login_required
@require_POST
def mastodon_connect(request: HttpRequest) -> HttpResponse:
    form = MastodonConnectForm(request.POST)
    if form.is_valid():
        try:
            url, pending = connections.mastodon_connect_start(instance=form.cleaned_data["instance"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            request.session[MASTODON_SESSION_KEY] = pending
            return HttpResponseRedirect(url)
    return _render_accounts(request, mastodon_form=form, status=400)


@login_required
@require_GET
def mastodon_callback(request: HttpRequest) -> HttpResponse:
    pending = request.session.pop(MASTODON_SESSION_KEY, None)
    try:
        account = connections.mastodon_connect_finish(
            user=request.user,
            pending=pending,
            state=request.GET.get("state", ""),
            code=request.GET.get("code", ""),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"Connected {account.handle}.")
    return redirect("networks:accounts")


@login_required
@require_POST
def bluesky_connect(request: HttpRequest) -> HttpResponse:
    form = BlueskyConnectForm(request.POST)
    if form.is_valid():
        try:
            account = connections.bluesky_connect(
                user=request.user, handle=form.cleaned_data["handle"], app_password=form.cleaned_data["app_password"]
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Connected @{account.handle}.")
            return redirect("networks:accounts")
    return _render_accounts(request, bluesky_form=form, status=400)


# --- Sharing ----------------------------------------------------------------------------------


def _post_or_404(user, post_id: int) -> SuggestedPost:
    """A post the user may share now (current, in an active campaign aimed at them); 404 otherwise."""
    return get_object_or_404(posts_for_today(user=user), pk=post_id)


def _network_or_404(network: str) -> str:
    if network not in Network.values or network in (Network.GENERIC, Network.SHEET):
        raise Http404("Unknown network.")
    return network


def _policy_first(request: HttpRequest) -> HttpResponse:
    """Sharing waits for the policy: to its page, then back here (nothing recorded on the way)."""
    messages.info(request, "Before your first share, please read and acknowledge the social media policy.")
    return redirect(f"{reverse('my_policy')}?{urlencode({'next': request.get_full_path()})}")


def _user_zone(user) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(profile_get(user=user).time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


@login_required
def share(request: HttpRequest, post_id: int, network: str) -> HttpResponse:
    """The share page: edit the text (when allowed), then post now, schedule or open the dialog."""
    post = _post_or_404(request.user, post_id)
    network = _network_or_404(network)
    if policy_pending_for(user=request.user) is not None:
        return _policy_first(request)
    zone = _user_zone(request.user)
    # The form reads and shows times in the employee's zone (for this request only).
    with timezone.override(zone):
        return _share_page(request, post, network, zone)


def _share_page(request: HttpRequest, post: SuggestedPost, network: str, zone: zoneinfo.ZoneInfo) -> HttpResponse:
    account = sharing.direct_account_for(user=request.user, network=network)
    nudged = False
    form = ShareForm(
        request.POST or None,
        initial={"text": sharing.share_initial_text(post=post, network=network), "include_image": True},
    )
    status = 200
    if request.method == "POST":
        if account is None:
            form.add_error(None, f"Direct posting to {Network(network).label} is not available; use the share dialog.")
        elif form.is_valid():
            data = form.cleaned_data
            try:
                created = sharing.share_direct_create(
                    user=request.user,
                    post=post,
                    network=network,
                    text=data["text"] if post.employees_may_edit else None,
                    scheduled_for=data["scheduled_for"] if data["action"] == "schedule" else None,
                    include_image=data["include_image"],
                    ask_for_personal_line=not data["skip_personal_line"],
                )
            except ValidationError as exc:
                nudged = any(e.code == "unpersonalised" for e in getattr(exc, "error_dict", {}).get("text", []))
                _form_errors(form, exc)
            else:
                if created.scheduled_for:
                    when = timezone.localtime(created.scheduled_for, zone)
                    messages.success(request, f"Scheduled for {when:%a %d %b, %H:%M} ({zone.key}).")
                else:
                    messages.success(request, f"Posting to {Network(network).label}… see its status below.")
                return redirect("my_shares")
        status = 400
    rule = TEXT_RULES.get(network, TEXT_RULES[Network.GENERIC])
    provider = get_provider(network)
    # Read only: a GET creates no link (the share itself creates it on POST; Today creates it on view).
    link = selectors.share_link_preview(user=request.user, post=post, network=network)
    link_exists = link != short_link_placeholder()
    return render(
        request,
        "networks/share.html",
        {
            "post": post,
            "network": network,
            "network_label": provider.label,
            "account": account,
            "form": form,
            "rule": rule,
            "limits": provider.limits,
            "connectable": provider.supports_direct,
            # LinkedIn or X without the organisation's keys (or X without its switch): nobody can connect.
            "set_up_here": provider.posts_directly(),
            "attaches_image": provider.attaches_image,
            "link_placeholder": link,
            "copy_text": selectors.share_copy_text(post=post, network=network, link=link) if link_exists else "",
            "intent_url": reverse("networks:share_intent", args=[post.pk, network]),
            "needs_instance": provider.intent_needs_instance,
            "instance": selectors.intent_instance_for(user=request.user, network=network)
            if provider.intent_needs_instance
            else "",
            "zone": zone.key,
            "nudged": nudged,
            "near_duplicates": selectors.near_duplicate_count(post_id=post.pk, network=network),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def share_intent(request: HttpRequest, post_id: int, network: str) -> HttpResponse:
    """The share dialog. GET only shows a page asking to open it (no side effect, so a cross-site
    <img> or link records nothing and sends nobody anywhere); the POST (CSRF-checked) records the
    "opened" share and sends the employee to the dialog with their short link. Mastodon's dialog
    opens on the instance the employee connected, else on the one they type into this form."""
    post = _post_or_404(request.user, post_id)
    network = _network_or_404(network)
    provider = get_provider(network)
    if policy_pending_for(user=request.user) is not None:
        return _policy_first(request)
    if request.method == "GET":
        return _share_intent_page(request, post, network)
    try:
        _, url = sharing.share_intent_create(
            user=request.user, post=post, network=network, instance=request.POST.get("instance", "")
        )
    except ValidationError as exc:
        if provider.intent_needs_instance:
            return _share_intent_page(request, post, network, errors=exc.messages, status=400)
        for message in exc.messages:
            messages.error(request, message)
        return redirect(f"{reverse('today')}#post-{post.pk}")
    return ShareDialogRedirect(url)


def _share_intent_page(request, post, network, *, errors=(), status=200) -> HttpResponse:
    provider = get_provider(network)
    return render(
        request,
        "networks/share_dialog.html",
        {
            "post": post,
            "network": network,
            "network_label": provider.label,
            "needs_instance": provider.intent_needs_instance,
            "instance": request.POST.get("instance", "").strip()[:255]
            or selectors.intent_instance_for(user=request.user, network=network),
            "errors": errors,
        },
        status=status,
    )


@login_required
@require_POST
def share_sheet(request: HttpRequest, post_id: int, network: str) -> HttpResponse:
    """The Share… button's record, posted (CSRF-checked) by the page's script once the phone's share
    sheet was used with the post's `network` copy. Answers JSON: 201, or 400 with a message."""
    post = _post_or_404(request.user, post_id)
    try:
        created = sharing.share_sheet_record(user=request.user, post=post, copy_network=network)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse({"share": created.pk}, status=201)


@login_required
@require_POST
def share_cancel(request: HttpRequest, share_id: int) -> HttpResponse:
    share_obj = selectors.share_get_for_user(user=request.user, share_id=share_id)
    if sharing.share_cancel(share=share_obj):
        messages.success(request, "The scheduled share is cancelled.")
    else:
        messages.error(request, "Too late to cancel: it is already being posted or done.")
    return redirect("my_shares")


@login_required
@require_POST
def share_retry(request: HttpRequest, share_id: int) -> HttpResponse:
    share_obj = selectors.share_get_for_user(user=request.user, share_id=share_id)
    label = Network(share_obj.network).label
    try:
        sharing.share_retry(share=share_obj)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"Trying again: posting to {label}… see its status below.")
    return redirect("my_shares")
