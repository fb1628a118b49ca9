from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe


@require_safe  # load balancers probe with HEAD as often as with GET
def healthz(request: HttpRequest) -> HttpResponse:
    # No database work: a load balancer probes this many times a minute.
    return HttpResponse("ok", content_type="text/plain")
