"""Named reads for pages: narrow columns, no per-row queries."""

from .models import Petition, Signature


def petition_featured() -> Petition | None:
    return (
        Petition.objects.only("slug", "title", "text", "goal", "signature_count", "is_open")
        .order_by("-is_featured", "-created_at")
        .first()
    )


def petition_public(*, slug: str) -> Petition:
    return Petition.objects.only("slug", "title", "text", "goal", "signature_count", "is_open").get(slug=slug)


def petition_count(*, slug: str) -> dict | None:
    return Petition.objects.filter(slug=slug).values("signature_count", "goal").first()


def signatures_recent_public(*, petition: Petition, limit: int = 10) -> list[dict]:
    """Recent signers who chose to be shown: first name and country only."""
    rows = (
        Signature.objects.filter(petition=petition, show_publicly=True, state=Signature.State.CONFIRMED)
        .order_by("-confirmed_at")
        .values_list("name", "country")[:limit]
    )
    from django_countries import countries

    return [{"first_name": name.split()[0] if name else "", "country": countries.name(code)} for name, code in rows]

