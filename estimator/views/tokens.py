"""The token counter endpoint: count pasted text and fill the form's token fields.

htmx posts here with the live form included and gets the counted fields back as out-of-band swaps
(plus an event that refreshes the results); a plain form post gets the whole page, re-rendered with
the counts filled in and every other value kept.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from estimator.budget import spends_compute
from estimator.forms import TOKEN_FIELDS
from estimator.htmx import HtmxRequest
from estimator.page import estimator_page
from estimator.ratelimit import ratelimit
from estimator.tokencount import TEXT_FIELDS, TokenCountError, count_tokens
from pricing.catalog import PriceTableError, default_model_id

TEMPLATE = "estimator/estimator.html"
# Encoded form bodies can be three times the text (percent-escapes); each box is checked separately.
MAX_BODY_BYTES = len(TEXT_FIELDS) * 200 * 1024 * 3 + 64 * 1024


def _form_data(request: HttpRequest) -> QueryDict:
    """The urlencoded body, read directly: the site-wide 64 KB form limit is too small for prompts."""
    if request.content_type != "application/x-www-form-urlencoded":
        # Browsers and htmx send forms urlencoded; a multipart body would need Django's parser and its limit.
        raise TokenCountError(
            {"system_prompt": ["Send the form as application/x-www-form-urlencoded (a normal form post)."]}
        )
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        raise TokenCountError(
            {"system_prompt": [f"The texts are over the {MAX_BODY_BYTES // 1024} KB limit."]}
        )
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise TokenCountError(
            {"system_prompt": [f"The texts are over the {MAX_BODY_BYTES // 1024} KB limit."]}
        )
    return QueryDict(body, encoding=settings.DEFAULT_CHARSET)


# No CSRF token: counting changes nothing on the server, and reading the body ourselves (not
# request.POST) is what lets a 200 KB prompt through the site-wide upload limit.
@csrf_exempt
@require_POST
@ratelimit("tokens", limit=120, period=600, what="token counts")  # up to 800 KB of text each
@spends_compute
def count(request: HtmxRequest) -> HttpResponse:
    texts = {name: "" for name in TEXT_FIELDS}
    data: QueryDict = QueryDict()
    counted = None
    token_errors: dict[str, list[str]] = {}
    try:
        data = _form_data(request)
        texts = {name: data.get(name, "") for name in TEXT_FIELDS}
        model = data.get("model") or default_model_id()
        counted = count_tokens(texts, model)
    except TokenCountError as exc:
        token_errors = exc.errors
    except PriceTableError as exc:
        token_errors = {"system_prompt": [str(exc)]}
    overrides = {name: str(value) for name, value in (counted.counts if counted else {}).items()}
    context = {
        "token_texts": texts,
        "token_errors": token_errors,
        "token_counts": counted,
        "token_fields": TOKEN_FIELDS,
    }
    if request.htmx:
        # htmx only swaps 2xx responses: the errors are in the fragment, so it is a 200.
        page = estimator_page(data, overrides, with_form=False)
        fields = [page.form[name] for name in overrides]
        response = render(request, f"{TEMPLATE}#token_result", {**context, "counted_fields": fields})
        if counted:
            # After the settle: the out-of-band inputs must hold the counts before the form is re-sent.
            response["HX-Trigger-After-Settle"] = "tokens-counted"
        return response
    page = estimator_page(data, overrides)
    return render(request, TEMPLATE, {**page.as_context(), **context}, status=400 if token_errors else 200)
