"""Staff pages for exports: choose, count, download; background jobs; the delivery report.

Every view needs a staff login and petitions.export_supporters; a job and its file are
visible to their owner only.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe
from django_countries import countries

from campaign.petitions.models import ExportJob, Petition, Signature
from campaign.staff_admin import staff_permission

from .filters import (
    ALL_STATES,
    ALL_STATES_PERMISSION,
    EXPORT_PERMISSION,
    ORGANIZER_STATES,
    ExportFilters,
    delivery_report,
    export_count,
    export_jobs_for,
    needs_all_states_permission,
)
from .jobs import (
    async_threshold,
    export_audit_record,
    export_job_create,
    export_job_download_record,
    export_job_path,
    export_job_withdrawn,
    export_prepare,
)
from .writers import Export

State = Signature.State

FORMAT_CHOICES = [
    ("csv", _("CSV — for mailing tools and scripts")),
    ("csv-excel", _("CSV for Excel — opens with every letter right in Excel")),
    ("xlsx", _("Excel workbook (XLSX) — dates you can sort and filter")),
]
AUDIENCE_CHOICES = [
    ("contactable", _("Contact list: only supporters who agreed to be kept updated, with email addresses")),
    ("delivery", _("Whole list for delivery: every supporter in the chosen states, without email addresses")),
]
STATE_LABELS = {
    State.CONFIRMED: _("confirmed"),
    State.PENDING: _("not yet confirmed by email"),
    State.SUSPICIOUS: _("held as suspicious (administrators only)"),
    State.REJECTED: _("rejected (administrators only)"),
}


class ExportForm(forms.Form):
    petition = forms.ModelChoiceField(
        label=_("Petition"),
        queryset=Petition.objects.order_by("-is_featured", "title"),
        to_field_name="slug",
        empty_label=None,
    )
    audience = forms.ChoiceField(
        label=_("Who"), choices=AUDIENCE_CHOICES, initial="contactable", widget=forms.RadioSelect
    )
    states = forms.MultipleChoiceField(
        label=_("Signature states"),
        initial=[State.CONFIRMED.value],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A contact list only ever includes addresses confirmed by email."),
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    since = forms.DateField(
        label=_("Signed from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label=_("Signed until (inclusive)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Whole days in UTC."),
    )
    file_format = forms.ChoiceField(label=_("File"), choices=FORMAT_CHOICES, initial="csv", widget=forms.RadioSelect)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = ALL_STATES if user.has_perm(ALL_STATES_PERMISSION) else ORGANIZER_STATES
        self.fields["states"].choices = [(s.value, STATE_LABELS[s]) for s in allowed]
        self.fields["country"].choices = [("", _("All countries")), *countries]
        if not self.is_bound:
            first = self.fields["petition"].queryset.first()
            if first is not None:
                self.initial.setdefault("petition", first.slug)

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The first day is after the last day."))
        return data

    def filters(self) -> ExportFilters:
        data = self.cleaned_data
        return ExportFilters(
            petition_id=data["petition"].pk,
            states=tuple(data["states"]),
            contactable=data["audience"] == "contactable",
            country=data["country"],
            since=data["since"],
            until=data["until"],
            file_format="xlsx" if data["file_format"] == "xlsx" else "csv",
            excel=data["file_format"] == "csv-excel",
        )


def _context(request, **extra) -> dict:
    # The admin's look and header; not its model sidebar, which is empty for an organizer.
    return {**admin.site.each_context(request), "is_nav_sidebar_enabled": False, **extra}


@require_safe
@staff_permission(EXPORT_PERMISSION)
def export_page(request):
    bound = "petition" in request.GET
    form = ExportForm(request.GET if bound else None, user=request.user)
    count = threshold = None
    if bound and form.is_valid():
        filters = form.filters()
        count = export_count(filters=filters)
        threshold = async_threshold(filters=filters)
    context = _context(
        request,
        title=_("Export supporters"),
        form=form,
        count=count,
        threshold=threshold,
        jobs=export_jobs_for(owner=request.user),
    )
    return render(request, "exports/export.html", context, status=400 if bound and not form.is_valid() else 200)


@require_POST
@staff_permission(EXPORT_PERMISSION)
def export_download(request):
    form = ExportForm(request.POST, user=request.user)
    if not form.is_valid():
        context = _context(
            request, title=_("Export supporters"), form=form, count=None, jobs=export_jobs_for(owner=request.user)
        )
        return render(request, "exports/export.html", context, status=400)
    filters = form.filters()
    export = export_prepare(filters=filters)
    if export.count > async_threshold(filters=filters):
        job = export_job_create(owner=request.user, filters=filters, total_rows=export.count)
        return redirect("exports:job", pk=job.pk)
    export_audit_record(export=export, actor=request.user, route="page")
    response = StreamingHttpResponse(export.chunks(), content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename()}"'
    response["Cache-Control"] = "no-store"
    return response


def _own_job(request, pk: int) -> ExportJob:
    # Another user's job is indistinguishable from a missing one.
    job = get_object_or_404(ExportJob.objects.select_related("petition"), pk=pk, owner=request.user)
    if needs_all_states_permission(job.filters) and not request.user.has_perm(ALL_STATES_PERMISSION):
        raise PermissionDenied
    return job


def _expired(job: ExportJob) -> bool:
    return job.state == ExportJob.State.DONE and (
        not job.file_path or (job.expires_at is not None and job.expires_at <= timezone.now())
    )


@require_safe
@staff_permission(EXPORT_PERMISSION)
def job_detail(request, pk: int):
    job = _own_job(request, pk)
    percent = round(100 * job.rows_written / job.total_rows) if job.total_rows else 0
    working = job.state in (ExportJob.State.QUEUED, ExportJob.State.RUNNING)
    context = _context(
        request,
        title=_("Export #%(id)s") % {"id": job.pk},
        job=job,
        percent=min(percent, 100),
        working=working,
        expired=_expired(job),
        withdrawn=export_job_withdrawn(job),
    )
    return render(request, "exports/job.html", context)


@require_safe
@staff_permission(EXPORT_PERMISSION)
def job_file(request, pk: int):
    job = _own_job(request, pk)
    if _expired(job):
        if export_job_withdrawn(job):
            context = _context(request, title=_("This export has been deleted"), job=job, withdrawn=True)
        else:
            context = _context(request, title=_("This export has expired"), job=job)
        return render(request, "exports/gone.html", context, status=410)
    if job.state != ExportJob.State.DONE:
        return redirect("exports:job", pk=job.pk)
    path = export_job_path(job)
    if path is None or not path.is_file():
        raise Http404
    export_job_download_record(job=job, actor=request.user)
    filters = ExportFilters.from_json(petition_id=job.petition_id, data=job.filters)
    export = Export(filters=filters, petition=job.petition, count=job.rows_written)
    response = FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse closes the file once it is sent
        as_attachment=True,
        filename=export.filename(when=job.finished_at),
        content_type=export.content_type,
    )
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@staff_permission(EXPORT_PERMISSION)
def report(request, slug: str):
    petition = get_object_or_404(Petition, slug=slug)
    return render(request, "exports/report.html", delivery_report(petition=petition))


def css_string(text: str) -> str:
    """`text` as a CSS string literal: every character but letters, digits and spaces escaped,
    so no title can end the string or the rule."""
    return '"' + "".join(c if c.isascii() and (c.isalnum() or c == " ") else f"\\{ord(c):06X}" for c in text) + '"'


# The printed report's running header names the campaign on every page. A page margin box can
# show only what a stylesheet gives it, and the CSP forbids inline style: hence this sheet.
@require_safe
@staff_permission(EXPORT_PERMISSION)
def report_print_css(request, slug: str):
    petition = get_object_or_404(Petition, slug=slug)
    css = "@page { @top-left { content: " + css_string(petition.title) + "; } }\n"
    return HttpResponse(css, content_type="text/css; charset=utf-8")
