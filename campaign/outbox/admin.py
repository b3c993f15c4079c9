"""Updates to supporters in the staff admin: write per language, preview, send a test to
yourself, send (an Organizer), approve a large send (an Administrator), follow its progress."""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST
from modeltranslation.admin import TabbedTranslationAdmin

from campaign.moderation.audit import audit_record
from campaign.petitions.models import SupporterUpdate

from . import update_sending, updates

SEND = "petitions.send_supporterupdate"
APPROVE = "petitions.approve_supporterupdate"


def _about(update: SupporterUpdate):
    """The delivery or response this update was written about, if any (campaign/outbox/update_drafts.py)."""
    for name in ("about_delivery", "about_response"):
        try:
            return getattr(update, name)
        except ObjectDoesNotExist:
            continue
    return None


@admin.register(SupporterUpdate)
class SupporterUpdateAdmin(TabbedTranslationAdmin):
    list_display = ["subject", "petition", "state", "created_at", "finished_at"]
    list_filter = ["state", "petition"]
    fields = ["petition", "subject", "body"]
    change_form_template = "admin/petitions/supporterupdate/change_form.html"

    def has_change_permission(self, request, obj=None):
        # Once asked to send, the text is what supporters get: it no longer changes.
        if obj is not None and obj.state != SupporterUpdate.State.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Only a draft goes; the bulk action checks each row with its object (get_deleted_objects).
        if obj is not None and obj.state != SupporterUpdate.State.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/preview/", view(self.preview_view), name="petitions_supporterupdate_preview"),
            path("<int:pk>/test/", view(require_POST(self.test_view)), name="petitions_supporterupdate_test"),
            path("<int:pk>/send/", view(require_POST(self.send_view)), name="petitions_supporterupdate_send"),
            path("<int:pk>/approve/", view(require_POST(self.approve_view)), name="petitions_supporterupdate_approve"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        update = self.get_object(request, object_id)
        extra = {}
        if update is not None:
            extra = {
                "update": update,
                "progress": updates.update_progress(update=update),
                "recipients_now": updates.update_recipients(petition_id=update.petition_id).count(),
                "threshold": settings.UPDATE_APPROVAL_THRESHOLD,
                "can_send": request.user.has_perm(SEND) and update.state == SupporterUpdate.State.DRAFT,
                "can_approve": request.user.has_perm(APPROVE)
                and update.state == SupporterUpdate.State.AWAITING_APPROVAL,
                "languages": settings.LANGUAGES,
                "about": _about(update),
            }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def _update(self, request, pk: int, perm: str | None = None) -> SupporterUpdate:
        if not self.has_view_permission(request) or (perm and not request.user.has_perm(perm)):
            raise PermissionDenied
        return get_object_or_404(SupporterUpdate.objects.select_related("petition"), pk=pk)

    def _back(self, pk: int):
        return redirect(reverse("admin:petitions_supporterupdate_change", args=[pk]))

    def preview_view(self, request, pk: int):
        update = self._update(request, pk)
        previews = [
            {"code": code, "name": name, **vars(update_sending.update_preview(update=update, language=code))}
            for code, name in settings.LANGUAGES
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Preview: {update.subject}",
            "opts": self.model._meta,
            "original": update,
            "previews": previews,
        }
        return TemplateResponse(request, "admin/petitions/supporterupdate/preview.html", context)

    def test_view(self, request, pk: int):
        update = self._update(request, pk, SEND)
        language = request.POST.get("language", "")
        if language not in dict(settings.LANGUAGES) or not request.user.email:
            messages.error(request, "Choose a language, and give your staff account an email address first.")
            return self._back(pk)
        update_sending.update_test_send(update=update, to=request.user.email, language=language)
        audit_record(
            actor=request.user,
            action="update_test_send",
            petition=update.petition,
            details={"update": update.pk, "language": language},
        )
        messages.success(request, f"A test was sent to your own address, in {dict(settings.LANGUAGES)[language]}.")
        return self._back(pk)

    def send_view(self, request, pk: int):
        self._update(request, pk, SEND)
        try:
            update = updates.update_send_request(update_id=pk, actor=request.user)
        except updates.UpdateRefused as refused:
            messages.error(request, str(refused))
            return self._back(pk)
        if update.state == SupporterUpdate.State.AWAITING_APPROVAL:
            messages.warning(
                request,
                f"{update.recipients_expected} recipients is more than {settings.UPDATE_APPROVAL_THRESHOLD}:"
                " an Administrator must approve this send before it starts.",
            )
        else:
            messages.success(request, f"Sending to {update.recipients_expected} supporters.")
        return self._back(pk)

    def approve_view(self, request, pk: int):
        self._update(request, pk, APPROVE)
        try:
            updates.update_approve(update_id=pk, actor=request.user)
        except updates.UpdateRefused as refused:
            messages.error(request, str(refused))
            return self._back(pk)
        messages.success(request, "Approved: sending has started.")
        return self._back(pk)
