"""Background work for catalog (Celery tasks): photo sizes, search sync, imports, certificate warnings."""

from __future__ import annotations

from celery import shared_task

from marketplace.extensions import db
from marketplace.storage import storage

from .excel import run_import_job
from .images import make_variants, original_key
from .models import ProductImage
from .search import get_backend
from .search.indexing import SYNC_TASK, refresh_index
from .services import VARIANTS_TASK, warn_expiring_certificates


def make_image_variants(image_id: int) -> int:
    """Make the WebP and JPEG sizes of one photo; running it again changes nothing. Returns files made."""
    image = db.session.get(ProductImage, image_id)
    if image is None or not storage().exists(original_key(image.product_id, image.stem)):
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
    refresh_index(get_backend(), [product_id])


@shared_task(name=SYNC_TASK, bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=8)
def sync_search_task(self, product_id: int) -> None:
    sync_search(product_id)


@shared_task(name="catalog.warn_expiring_certificates")
def warn_expiring_certificates_task() -> int:
    count = warn_expiring_certificates()
    db.session.commit()
    return count


@shared_task(name="catalog.import_products")
def import_products_task(job_id: str) -> None:
    run_import_job(job_id)
