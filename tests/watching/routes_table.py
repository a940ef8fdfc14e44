"""Expected status codes for the watching routes: following a firm by email (public) and a
client's suppliers and webhooks (the `client` role only). Ids of other people's endpoints and
suppliers not on the list are not found (404), never forbidden."""

from tests import rows
from tests.factories import ROLES

ANON = "anonymous"
ALL = [ANON, *ROLES]


def client_only(ok: int) -> dict:
    return {ANON: 302, **{r: (ok if r == "client" else 403) for r in ROLES}}


WATCHING_ROUTES = {
    "watching.follow": ("GET", "/register/{listed_firm}/watch", dict.fromkeys(ALL, 200)),
    # a link that was altered or never issued is refused with a clear page
    "watching.confirm": ("GET", "/register/{listed_firm}/watch/confirm/bad-token",
                         dict.fromkeys(ALL, 400)),
    "watching.unsubscribe": ("GET", "/register/{listed_firm}/watch/unsubscribe/bad-token",
                             dict.fromkeys(ALL, 400)),
    "watching.suppliers": ("GET", "/client/suppliers", client_only(200)),
    "watching.add_supplier": ("POST", "/client/suppliers", client_only(400)),
    "watching.remove_supplier": ("POST", "/client/suppliers/999999/remove", client_only(404)),
    "watching.import_suppliers": ("POST", "/client/suppliers/import", client_only(400)),
    "watching.set_digest": ("POST", "/client/digest", client_only(400)),
    "watching.export_suppliers": ("GET", "/client/suppliers/export.csv", client_only(200)),
    "watching.webhooks_page": ("GET", "/client/webhooks", client_only(200)),
    "watching.create_webhook": ("POST", "/client/webhooks", client_only(400)),
    "watching.test_webhook": ("POST", "/client/webhooks/999999/test", client_only(404)),
    "watching.enable_webhook": ("POST", "/client/webhooks/999999/enable", client_only(404)),
    "watching.delete_webhook": ("POST", "/client/webhooks/999999/delete", client_only(404)),
}


def watching_route_objects(app) -> dict:
    """A firm the public register lists (it holds a certificate): the one people follow."""
    with app.app_context():
        return {"listed_firm": rows.certified_firm("Fornitore Seguito S.r.l.").firm_id}
