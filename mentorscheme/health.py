from django.http import HttpResponse


def healthz(request):
    """For load balancers: the app server answers. Touches nothing else."""
    return HttpResponse("ok", content_type="text/plain")
