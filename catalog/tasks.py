"""Background work for catalog (Celery tasks): photo sizes, search sync, imports, certificate warnings."""

from __future__ import annotations

from celery import shared_task

from marketplace.extensions import db

from .models import ProductImage

VARIANTS_TASK = "catalog.make_image_variants"


def make_image_variants(image_id: int) -> int:
    """Make the WebP and JPEG sizes of one photo; running it again changes nothing. Returns files made."""
    from .images import make_variants, original_path

    image = db.session.get(ProductImage, image_id)
    if image is None or not original_path(image.product_id, image.stem).exists():
        return 0
    made = make_variants(image.product_id, image.stem)
    if not image.variants_ready:
        image.variants_ready = True
        db.session.commit()
    return len(made)


@shared_task(name=VARIANTS_TASK, bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def make_image_variants_task(self, image_id: int) -> int:
    return make_image_variants(image_id)


def sync_search(product_id: int) -> None:
    """Bring one product's entry in a non-transactional index (Meilisearch) up to date."""
    from .models import Product, ProductStatus
    from .search import get_backend
    from .search.documents import document_for, product_loader

    backend = get_backend()
    product = db.session.scalar(product_loader().where(Product.id == product_id))
    if product is not None and product.status == ProductStatus.PUBLISHED:
        backend.index([document_for(product)])
    else:
        backend.remove([product_id])


@shared_task(name="catalog.sync_search", bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=8)
def sync_search_task(self, product_id: int) -> None:
    sync_search(product_id)


@shared_task(name="catalog.warn_expiring_certificates")
def warn_expiring_certificates_task() -> int:
    from .services import warn_expiring_certificates

    count = warn_expiring_certificates()
    db.session.commit()
    return count


@shared_task(name="catalog.import_products")
def import_products_task(job_id: str) -> None:
    from .excel import run_import_job

    run_import_job(job_id)
