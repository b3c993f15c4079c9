"""Every public page, as (route name, kwargs) by a readable name: the language and browser tiers walk the same list."""

from campaign.petitions.tokens import confirm_token_make, manage_token_make, unsubscribe_token_make


def public_pages(petition, signature) -> dict[str, tuple[str, dict]]:
    slug = {"slug": petition.slug}
    return {
        "home": ("content:home", {}),
        "demands": ("content:demands", {}),
        "timeline": ("content:timeline", {}),
        "sources": ("content:sources", {}),
        "privacy": ("content:privacy", {}),
        "about": ("content:about", {}),
        "countries": ("petitions:countries", slug),
        "sign": ("petitions:sign", slug),
        "thanks": ("petitions:thanks", slug),
        "confirmed": ("petitions:confirmed", slug),
        "resend": ("petitions:resend", slug),
        "confirm": ("petitions:confirm", {"token": confirm_token_make(public_id=signature.public_id)}),
        "unsubscribe": ("petitions:unsubscribe", {"token": unsubscribe_token_make(public_id=signature.public_id)}),
        "manage": ("petitions:manage", {"token": manage_token_make(public_id=signature.public_id)}),
        "manage request": ("petitions:manage_request", slug),
        "withdrawn": ("petitions:withdrawn", slug),
        "broken link": ("petitions:confirm", {"token": "not-a-token"}),
    }
