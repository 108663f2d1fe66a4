"""Job records show progress to the people who started them, and to nobody else."""

from __future__ import annotations

from marketplace.extensions import db
from marketplace.jobs.services import finish_job, mark_running, report_progress, start_job
from marketplace.models import Role
from tests.factories import login, make_user


def test_job_progress_page_and_json(client):
    owner = make_user(Role.COOPERATIVE)
    job = start_job(
        "import",
        "Nhập sản phẩm",
        "catalog.import_products",
        owner=owner,
        cooperative_id=owner.cooperative_id,
        total=200,
    )
    db.session.commit()
    mark_running(job.id)
    report_progress(job.id, 50)
    login(client, owner)
    page = client.get(f"/jobs/{job.id}")
    assert page.status_code == 200 and page.headers["Refresh"] == "2"
    assert "Đang chạy" in page.get_data(as_text=True) and "50 / 200" in page.get_data(as_text=True)
    finish_job(job.id, {"created": 200}, "Đã nhập 200 sản phẩm")
    data = client.get(f"/jobs/{job.id}?format=json").get_json()
    assert (data["status"], data["percent"], data["result"]) == ("succeeded", 100, {"created": 200})
    assert "Refresh" not in client.get(f"/jobs/{job.id}").headers


def test_other_cooperatives_cannot_see_a_job(app, client):
    owner = make_user(Role.COOPERATIVE)
    job = start_job("labels", "In tem", "traceability.render_labels", owner=owner, cooperative_id=owner.cooperative_id)
    stranger = make_user(Role.COOPERATIVE)
    db.session.commit()
    login(client, stranger)
    assert client.get(f"/jobs/{job.id}").status_code == 404
