from django.http import HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request):
    # No database work: a load balancer probes this many times a minute.
    return HttpResponse("ok", content_type="text/plain")
