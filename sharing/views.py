"""Browser pages: sharing agreements (council case staff) and API tokens (an agency's
administrator). Thin: forms validate, services write, selectors read."""

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from audit.services import audit_read
from cases.selectors import families_of_people
from config.forms import form_add_service_errors

from . import services
from .forms import AgreementEndForm, AgreementForm, ClientForm, PersonalTokenForm, TokenForm
from .models import ApiToken
from .selectors import agreement_list, client_list

PAGE_SIZE = 25
NEW_TOKEN_KEY = "sharing_new_token"  # noqa: S105 (a session key name)


def _audit_agreements(request: HttpRequest, agreements: Iterable[Any], action: str) -> None:
    """Agreements name a family (or a child) and why it is shared: reading them is audited, in
    the family's trail (a person's agreement: in each of the person's families')."""
    agreements = list(agreements)
    by_person = families_of_people(person_ids=[a.person_id for a in agreements if a.person_id])
    audit_read(
        actor=request.user,
        targets=agreements,
        action=action,
        families={a.pk: by_person.get(a.person_id, []) for a in agreements if a.person_id},
    )


def _require_sharing_role(request: HttpRequest) -> None:
    if not services.can_record_sharing(request.user):
        raise PermissionDenied


@login_required
def agreement_list_view(request: HttpRequest) -> HttpResponse:
    _require_sharing_role(request)
    state = request.GET.get("state", "in_force")
    if state not in {"in_force", "ended"}:
        state = "in_force"
    page = Paginator(agreement_list(user=request.user, state=state), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    _audit_agreements(request, page.object_list, "sharing_agreement.list")
    return render(request, "sharing/agreement_list.html", {"page": page, "state": state})


@login_required
@require_http_methods(["GET", "POST"])
def agreement_create_view(request: HttpRequest) -> HttpResponse:
    _require_sharing_role(request)
    form = AgreementForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agreement = services.sharing_agreement_create(
                actor=request.user,  # type: ignore[arg-type]
                agency=data["agency"],
                family=None if data["person"] else data["family"],
                person=data["person"],
                purpose=data["purpose"],
                lawful_basis=data["lawful_basis"],
                legal_gateway=data["legal_gateway"],
                scopes=data["scopes"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(
                request, f"Sharing agreement recorded: {agreement.subject} with {agreement.agency}."
            )
            return redirect("sharing:agreement_list")
    return render(request, "sharing/agreement_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def agreement_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_sharing_role(request)
    agreement = get_object_or_404(agreement_list(user=request.user, state="all"), pk=pk)
    if request.method == "GET":
        _audit_agreements(request, [agreement], "sharing_agreement.view")
    form = AgreementEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.sharing_agreement_end(
                actor=request.user,  # type: ignore[arg-type]
                agreement=agreement,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"Sharing with {agreement.agency} has ended.")
            return redirect("sharing:agreement_list")
    return render(request, "sharing/agreement_end.html", {"agreement": agreement, "form": form})


def _administered_agency(request: HttpRequest) -> Any:
    """The agency whose systems the user administers: a partner agency's systems, or the
    council's own case system that posts to the feed (ADR 0083). 403 for anyone else."""
    user: Any = request.user
    agency = getattr(user, "agency", None)
    if agency is None or not services.can_manage_tokens(user, agency):
        raise PermissionDenied
    return agency


@login_required
@require_http_methods(["GET", "POST"])
def token_list_view(request: HttpRequest) -> HttpResponse:
    """The agency's systems and tokens; creating a token shows its secret on this response only."""
    agency = _administered_agency(request)
    client_form = ClientForm(prefix="client")
    token_form = TokenForm(prefix="token", agency=agency)
    new_secret: str | None = None
    new_token: ApiToken | None = None
    action = request.POST.get("action")
    if request.method == "POST" and action == "client":
        client_form = ClientForm(request.POST, prefix="client")
        if client_form.is_valid():
            try:
                client = services.api_client_create(
                    actor=request.user,  # type: ignore[arg-type]
                    agency=agency,
                    name=client_form.cleaned_data["name"],
                )
            except ValidationError as error:
                form_add_service_errors(client_form, error)
            else:
                messages.success(request, f"System added: {client.name}.")
                return redirect("sharing:token_list")
    elif request.method == "POST" and action == "token":
        token_form = TokenForm(request.POST, prefix="token", agency=agency)
        if token_form.is_valid():
            try:
                new_token, new_secret = services.api_token_create(
                    actor=request.user,  # type: ignore[arg-type]
                    client=token_form.cleaned_data["client"],
                    name=token_form.cleaned_data["name"],
                    expires_on=token_form.cleaned_data["expires_on"],
                )
            except ValidationError as error:
                form_add_service_errors(token_form, error)
            else:
                # Post/redirect/get, so a reload cannot issue a second token. The secret waits in
                # the session only until the next page shows it once (ADR 0033).
                request.session[NEW_TOKEN_KEY] = {"id": new_token.pk, "secret": new_secret}
                return redirect("sharing:token_list")
    elif request.method == "GET" and NEW_TOKEN_KEY in request.session:
        shown = request.session.pop(NEW_TOKEN_KEY)
        new_token = ApiToken.objects.filter(pk=shown["id"], client__agency=agency).first()
        new_secret = shown["secret"] if new_token else None
    context = {
        "agency": agency,
        "clients": client_list(agency=agency),
        "client_form": client_form,
        "token_form": token_form,
        "new_token": new_token,
        "new_secret": new_secret,
    }
    response = render(request, "sharing/token_list.html", context)
    if new_secret:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    agency = _administered_agency(request)
    token = ApiToken.objects.filter(client__agency=agency, pk=pk).select_related("client").first()
    if token is None:
        raise Http404
    if request.method == "POST":
        try:
            services.api_token_revoke(actor=request.user, token=token)  # type: ignore[arg-type]
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Token revoked: {token.name} ({token.prefix}…).")
        return redirect("sharing:token_list")
    return render(request, "sharing/token_revoke.html", {"token": token})


@login_required
@require_http_methods(["GET", "POST"])
def personal_token_list_view(request: HttpRequest) -> HttpResponse:
    """Council case staff's own tokens (they act as the member of staff, with their role's
    visibility). Created, shown once, listed and revoked like an agency's."""
    user: Any = request.user
    if not services.can_hold_personal_token(user):
        raise PermissionDenied
    form = PersonalTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.api_token_create(
                actor=user,
                name=form.cleaned_data["name"],
                expires_on=form.cleaned_data["expires_on"],
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            request.session[NEW_TOKEN_KEY] = {"id": token.pk, "secret": secret}
            return redirect("sharing:personal_token_list")
    new_token = new_secret = None
    if request.method == "GET" and NEW_TOKEN_KEY in request.session:
        shown = request.session.pop(NEW_TOKEN_KEY)
        new_token = ApiToken.objects.filter(pk=shown["id"], user=user, client=None).first()
        new_secret = shown["secret"] if new_token else None
    tokens = ApiToken.objects.filter(user=user, client=None).order_by("-created_at")
    context = {"form": form, "tokens": tokens, "new_token": new_token, "new_secret": new_secret}
    response = render(request, "sharing/personal_tokens.html", context)
    if new_secret:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["POST"])
def personal_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user, client=None)
    try:
        services.api_token_revoke(actor=request.user, token=token)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Token revoked: {token.name} ({token.prefix}…).")
    return redirect("sharing:personal_token_list")
