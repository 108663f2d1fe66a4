"""The 360 px page audit: which pages each role can open, and what is wrong with one page on a phone.

The page list comes from the app's url_map (GET routes that answer HTML), with route arguments filled from the
seeded demo data. A page is checked for sideways scrolling, tap targets under 24×24 px (WCAG 2.5.8; links inside
running text are exempt) and axe-core violations of serious or critical impact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from playwright.sync_api import Page
from sqlalchemy import delete, select
from werkzeug.routing import Rule

from catalog.models import Category, Product, ProductRevision, ProductStatus
from catalog.services import submit_product, update_product
from integrations.models import WebhookSubscription
from marketplace.extensions import db
from marketplace.jobs.models import Job, JobStatus
from marketplace.models import Address, Bank, Cooperative, User
from orders.demands.models import Demand
from orders.models import CartItem, Order
from tests.browser.steps import OVERFLOW_JS
from tests.factories.catalog import make_draft, make_listed, set_variants, variant_row
from tests.factories.demands import make_offer
from tests.factories.integrations import make_subscription
from traceability.models import Batch, Label

AXE = Path(__file__).parent / "vendor" / "node_modules" / "axe-core" / "axe.min.js"
MIN_TAP = 24
VARIANTS_PRODUCT = "Rau cải ngồng Vạn Sơn"
# Routes that answer something other than an HTML page (files, JSON, feeds), change state on GET, or need a
# one-time secret from a message: the audit does not open them.
SKIPPED_PREFIXES = ("/api/", "/webhooks/", "/static/", "/media/", "/feeds/", "/jobs/<job_id>/files/")
SKIPPED_SUFFIXES = (".pdf", ".xlsx", ".json", ".xml", ".jpg", ".<fmt>", ":extension>")
SKIPPED_ENDPOINTS = frozenset(
    {
        "ops.healthz",
        "ops.readyz",
        "ops.metrics",
        "catalog.suggest",
        "main.set_language",
        "main.communes_picker",
        "main.account_email_confirm",
        "main.reset_password",
        "main.accept_invitation",
        "traceability.gs1resolver",
        "traceability.digital_link_product",
        "traceability.digital_link_batch",
        "traceability.digital_link",
        "traceability.digital_link_serial",
        "favicon",
        "orders.pay_status",
    }
)


def _first(statement) -> object | None:
    return db.session.scalars(statement.limit(1)).first()


def _demo_coop() -> Cooperative:
    return _first(select(Cooperative).where(Cooperative.slug == "htx-nam-meo-van-son"))


def _published() -> Product | None:
    return _first(select(Product).where(Product.status == ProductStatus.PUBLISHED).order_by(Product.id))


def _coop_product() -> Product | None:
    return _first(select(Product).where(Product.cooperative_id == _demo_coop().id).order_by(Product.id))


def _waiting_product() -> Product | None:
    return _first(select(Product).where(Product.status == ProductStatus.PENDING_REVIEW).order_by(Product.id))


def with_variants() -> Product | None:
    return _first(select(Product).where(Product.name == VARIANTS_PRODUCT))


def _demand() -> Demand | None:
    return _first(select(Demand).order_by(Demand.id))


def _order() -> Order | None:
    return _first(select(Order).where(Order.cooperative_id == _demo_coop().id).order_by(Order.id))


def _batch() -> Batch | None:
    return _first(select(Batch).where(Batch.cooperative_id == _demo_coop().id).order_by(Batch.id))


def _label_job() -> Job | None:
    return _first(select(Job).where(Job.kind == "labels").order_by(Job.created_at.desc()))


def _value(getter: Callable[[], object | None], attribute: str) -> object | None:
    found = getter()
    return getattr(found, attribute) if found is not None else None


# endpoint → argument name → the seeded value to fill in
ARGUMENTS: dict[str, dict[str, Callable[[], object | None]]] = {
    "catalog.product": {"slug": lambda: _value(_published, "slug")},
    "catalog.category": {"slug": lambda: _value(lambda: _first(select(Category).order_by(Category.id)), "slug")},
    "catalog.storefront": {"slug": lambda: _value(_demo_coop, "slug")},
    "catalog.province": {"slug": lambda: _value(lambda: _demo_coop().commune.province, "slug")},
    "catalog.commune": {"slug": lambda: _value(lambda: _demo_coop().commune, "slug")},
    "catalog.edit_product": {"product_id": lambda: _value(_coop_product, "id")},
    "catalog.product_variants": {"product_id": lambda: _value(with_variants, "id")},
    "demands.demand_page": {"demand_id": lambda: _value(_demand, "id")},
    "moderation.product": {"product_id": lambda: _value(_waiting_product, "id")},
    "moderation.revision": {
        "revision_id": lambda: _value(lambda: _first(select(ProductRevision).order_by(ProductRevision.id)), "id")
    },
    "orders.detail": {"code": lambda: _value(_order, "code")},
    "orders.pay": {"code": lambda: _value(_order, "code")},
    "orders.cancel": {"code": lambda: _value(_order, "code")},
    "orders.desk_order": {"code": lambda: _value(_order, "code")},
    "traceability.batch": {"code": lambda: _value(_batch, "code")},
    "traceability.new_event": {"code": lambda: _value(_batch, "code")},
    "labels.new_run": {"code": lambda: _value(_batch, "code")},
    "traceability.scan": {"text": lambda: _value(lambda: _first(select(Label).order_by(Label.id)), "serial")},
    "traceability.pin_check": {"text": lambda: _value(lambda: _first(select(Label).order_by(Label.id)), "serial")},
    "jobs.job_status": {"job_id": lambda: _value(_label_job, "id")},
    "workspace.application": {
        "cooperative_id": lambda: _value(lambda: _first(select(Cooperative).order_by(Cooperative.id.desc())), "id")
    },
    "admin.bank": {"bin_": lambda: _value(lambda: _first(select(Bank).order_by(Bank.bin)), "bin")},
    "main.address_form": {"address_id": lambda: _value(lambda: _first(select(Address).order_by(Address.id)), "id")},
    "integrations.webhook_detail": {
        "subscription_id": lambda: _value(
            lambda: _first(select(WebhookSubscription).order_by(WebhookSubscription.id)), "id"
        )
    },
    "integrations.categories": {"channel_id": lambda: "postmart"},
    "main.transfer_ownership": {"user_id": lambda: _value(lambda: _demo_coop().members[-1], "id")},
}


def _skipped(rule: Rule) -> bool:
    return (
        "GET" not in (rule.methods or ())
        or rule.endpoint in SKIPPED_ENDPOINTS
        or rule.rule.startswith(SKIPPED_PREFIXES)
        or rule.rule.endswith(SKIPPED_SUFFIXES)
    )


def _path(app: Flask, rule: Rule) -> str | None:
    """The rule's URL with its arguments filled from the seeded data, or None when nothing fits."""
    fillers = ARGUMENTS.get(rule.endpoint, {})
    values = dict(rule.defaults or {})
    for argument in rule.arguments - values.keys():
        value = fillers[argument]() if argument in fillers else None
        if value is None:
            return None
        values[argument] = value
    return rule.build(values, append_unknown=False)[1]


def audited_paths(app: Flask) -> tuple[list[str], list[str]]:
    """Every page path to visit, and the rules that could not be filled from the demo data (reported)."""
    unfilled: list[str] = []
    with app.app_context():
        paths = {f"/p/{with_variants().slug}"}
        for rule in app.url_map.iter_rules():
            if _skipped(rule):
                continue
            path = _path(app, rule)
            if path is None:
                unfilled.append(rule.rule)
            else:
                paths.add(path)
    return sorted(paths), sorted(unfilled)


def add_audit_data(owner: User, buyer: User) -> None:
    """What the demo data lacks for a page to exist: a finished label job, a product and a revision waiting for
    the commune, a saved address, a webhook subscription, a product with variants offered to the demo demand and a
    cart with lines (the caller commits)."""
    batch = db.session.scalars(select(Batch).where(Batch.cooperative_id == owner.cooperative_id)).first()
    title = f"In 8 tem cho lô {batch.lot}"
    params = {"batch_id": batch.id, "count": 8}
    db.session.add(
        Job(kind="labels", title=title, status=JobStatus.SUCCEEDED, owner_id=owner.id, params=params, total=8)
    )
    submit_product(owner, make_draft(owner, name="Trà shan tuyết cổ thụ"))
    published = db.session.scalars(select(Product).where(Product.cooperative_id == owner.cooperative_id)).first()
    update_product(owner, published, {"description": published.description + " Hái tay trên núi cao."})
    commune = owner.cooperative.commune_code
    db.session.add(
        Address(user_id=buyer.id, name="Lò Văn Páo", phone="0912000004", address="Bản Pá Khôm", commune_code=commune)
    )
    make_subscription("https://example.com/ocop-hook", cooperative_id=owner.cooperative_id)
    add_variants_and_offer(owner)
    fill_cart(buyer)


def add_variants_and_offer(owner: User) -> None:
    """A published product sold in three sizes, offered by the cooperative to the demo kitchen's demand."""
    product = make_listed(VARIANTS_PRODUCT, category="nong-san-tuoi", cooperative=owner.cooperative)
    rows = [variant_row("Bó 250 g", 12_000, 40), variant_row("Bó 500 g", 22_000, 30, {10: 20_000})]
    set_variants(product, [*rows, variant_row("Thùng 5 kg", 200_000, 5)])
    make_offer(_demand(), owner, product=product)


def fill_cart(buyer: User) -> None:
    """Products of two cooperatives in the buyer's cart, so the cart and checkout show their lines."""
    seen: set[int] = set()
    for product in db.session.scalars(select(Product).where(Product.status == ProductStatus.PUBLISHED)):
        if product.cooperative_id not in seen and product.stock >= 2:
            seen.add(product.cooperative_id)
            db.session.add(CartItem(user_id=buyer.id, product_id=product.id, quantity=2))
        if len(seen) == 2:
            return


def empty_cart(buyer: User) -> None:
    db.session.execute(delete(CartItem).where(CartItem.user_id == buyer.id))


@dataclass(frozen=True)
class Finding:
    role: str
    path: str
    what: str

    def __str__(self) -> str:
        return f"[{self.role}] {self.path}: {self.what}"


SMALL_TARGETS_JS = """(min) => {
  const found = [];
  const inRunningText = (el) => {
    if (el.tagName !== 'A') return false;
    const parent = el.parentElement;
    if (!parent || !['P', 'LI', 'TD', 'DD', 'SPAN', 'SMALL', 'LABEL'].includes(parent.tagName)) return false;
    const text = parent.textContent.replace(el.textContent, '').trim();
    return text.length > 0 && getComputedStyle(el).display === 'inline';
  };
  for (const el of document.querySelectorAll('a[href], button, input, select, summary, [role=button]')) {
    if (el.type === 'hidden' || el.closest('[hidden]')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height) continue;
    if ((el.type === 'checkbox' || el.type === 'radio') && el.closest('label')) {
      const label = el.closest('label').getBoundingClientRect();
      if (label.width >= min && label.height >= min) continue;
    }
    if (box.width >= min && box.height >= min) continue;
    if (inRunningText(el)) continue;
    const name = (el.innerText || el.value || el.getAttribute('aria-label') || el.name || '').trim().slice(0, 40);
    found.push(`${el.tagName.toLowerCase()} "${name}" ${Math.round(box.width)}×${Math.round(box.height)}px`);
  }
  return found;
}"""

AXE_JS = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => ['serious', 'critical'].includes(v.impact)).map(v =>
    `${v.id} (${v.impact}): ${v.help} — ` + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
}"""


def check_page(page: Page, role: str, path: str) -> Iterator[Finding]:
    """What is wrong with the page now open at `path`, on the phone it is open on."""
    overflow = page.evaluate(OVERFLOW_JS)
    if overflow:
        yield Finding(role, path, f"scrolls sideways: {overflow}")
    for target in page.evaluate(SMALL_TARGETS_JS, MIN_TAP):
        yield Finding(role, path, f"tap target under {MIN_TAP}px: {target}")
    page.add_script_tag(path=str(AXE))
    for violation in page.evaluate(AXE_JS):
        yield Finding(role, path, f"axe {violation}")
