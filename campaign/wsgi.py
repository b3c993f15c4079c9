import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campaign.settings")
application = get_wsgi_application()


def warm_up() -> None:
    """Import and compile here what every process's first requests would otherwise do.

    gunicorn imports this module once in its master (preload_app) and forks the workers from
    it, so what is loaded here is loaded once, not once per worker: the URLconf and every view
    module, the Redis client library, the broker transport, the page templates and the crispy
    form templates, so a worker's first request does not pay for them while requests queue
    behind it (after a deploy, or a worker recycle in a surge). Nothing here
    opens a connection: a socket opened before the fork would be shared by every worker.
    """
    from django.conf import settings
    from django.core.cache import cache
    from django.template import engines
    from django.template.loader import get_template
    from django.urls import get_resolver
    from django.utils import formats, translation
    from django.utils.module_loading import import_string

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    getattr(cache, "_cache", None)  # builds the Redis client and its (unconnected) pool
    "example.org".encode("idna")  # the codec the email field's check loads
    if settings.CELERY_BROKER_URL.startswith("redis"):
        import campaign.broker  # noqa: F401 - kombu's Redis transport

    from crispy_forms.utils import render_crispy_form

    from campaign.petitions.forms import SignatureForm

    import_string(settings.MESSAGE_STORAGE)
    engines["django"].engine.template_context_processors  # noqa: B018 - imports the context processors
    for name in (
        "base.html",
        "content/home.html",
        "petitions/sign.html",
        "petitions/thanks.html",
        "petitions/confirm.html",
    ):
        get_template(name)
    for language, _name in settings.LANGUAGES:
        with translation.override(language):  # its catalogue, format module and sorted country list
            formats.get_format("DATE_FORMAT")
            render_crispy_form(SignatureForm(action="/"), context={"csrf_token": "warm-up"})


warm_up()
