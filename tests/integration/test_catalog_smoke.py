from catalog.models import ProductStatus
from marketplace.extensions import db
from tests.factories.catalog import make_published


def test_smoke(client):
    product = make_published()
    db.session.commit()
    assert product.status == ProductStatus.PUBLISHED
    for url in (
        "/",
        f"/p/{product.slug}",
        "/search?q=nam+meo",
        "/search/suggest?q=nam",
        "/sitemap.xml",
        "/c/thuc-pham",
    ):
        r = client.get(url)
        assert r.status_code == 200, (url, r.get_data(as_text=True)[:3000])
    assert product.name in client.get("/search?q=nam+meo").get_data(as_text=True)
