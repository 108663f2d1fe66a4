"""An owner hands the seller to another member (and becomes a plain member); accepting an invitation never costs an
owner their ownership, and a member of another seller is refused."""

from __future__ import annotations

import re

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AuditLog, CoopRole, Role, User
from tests.factories import login, make_cooperative, make_user, sent_mails


def _roles(*users: User) -> list[CoopRole | None]:
    db.session.expire_all()
    return [db.session.get(User, u.id).cooperative_role for u in users]


def test_owner_hands_ownership_to_a_member_after_confirming(app, client):
    cooperative = make_cooperative(name="Hợp tác xã Chè Suối Giàng")
    owner = make_user(Role.COOPERATIVE, cooperative=cooperative, coop_role=CoopRole.OWNER, full_name="Vàng A Chứ")
    member = make_user(Role.COOPERATIVE, cooperative=cooperative, coop_role=CoopRole.STAFF, full_name="Lò Thị Mai")
    db.session.commit()
    login(client, owner)
    members = client.get("/cooperative/members").get_data(as_text=True)
    assert (
        f"/cooperative/members/{member.id}/owner" in members and f"/cooperative/members/{owner.id}/owner" not in members
    )

    page = client.get(f"/cooperative/members/{member.id}/owner").get_data(as_text=True)
    assert "Lò Thị Mai" in page and "thành viên thường" in page
    unconfirmed = client.form_post(f"/cooperative/members/{member.id}/owner", {})
    assert unconfirmed.status_code == 200
    assert _roles(owner, member) == [CoopRole.OWNER, CoopRole.STAFF]

    done = client.form_post(f"/cooperative/members/{member.id}/owner", {"confirm": "y"}, follow_redirects=True)
    assert "Lò Thị Mai giờ là chủ hợp tác xã" in done.get_data(as_text=True)
    assert _roles(owner, member) == [CoopRole.STAFF, CoopRole.OWNER]
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "cooperative.ownership_transferred"))
    assert entry.actor_id == owner.id and entry.details["to_user_id"] == member.id

    # the old owner is a plain member now: no more owner pages
    assert client.form_post("/cooperative/settings", {"name": "Tên mới"}).status_code == 403
    assert client.get(f"/cooperative/members/{owner.id}/owner").status_code == 404
    assert client.form_post(f"/cooperative/members/{member.id}/owner", {"confirm": "y"}).status_code == 403


def test_ownership_goes_only_to_a_member_of_the_same_seller(app, client):
    owner = make_user(Role.COOPERATIVE)
    stranger = make_user(Role.COOPERATIVE)  # owner of another seller
    buyer = make_user()
    db.session.commit()
    login(client, owner)
    for user in (stranger, buyer):
        assert client.form_post(f"/cooperative/members/{user.id}/owner", {"confirm": "y"}).status_code == 404
    assert _roles(owner, stranger) == [CoopRole.OWNER, CoopRole.OWNER]


def _invitation_link(app, client, inviter: User, email: str) -> str:
    login(client, inviter)
    client.form_post("/cooperative/members", {"email": email})
    client.post("/logout")
    return re.search(r"/invite/[\w\-]+", sent_mails(app)[-1]["body"]).group(0)


def test_an_owner_keeps_ownership_when_accepting_an_invitation_to_their_own_seller(app, client):
    cooperative = make_cooperative()
    owner = make_user(Role.COOPERATIVE, cooperative=cooperative, coop_role=CoopRole.OWNER, email="chu@example.vn")
    co_owner = make_user(
        Role.COOPERATIVE, cooperative=cooperative, coop_role=CoopRole.OWNER, email="dongchu@example.vn"
    )
    db.session.commit()
    link = _invitation_link(app, client, co_owner, "chu@example.vn")
    other = app.test_client()
    login(other, owner)
    accepted = other.form_post(link, {"full_name": "Vàng A Chứ", "password": ""})
    assert accepted.status_code == 302
    assert _roles(owner) == [CoopRole.OWNER]


def test_a_member_of_another_seller_is_refused_clearly(app, client):
    inviting = make_user(Role.COOPERATIVE)
    elsewhere = make_user(Role.COOPERATIVE, email="noikhac@example.vn")
    db.session.commit()
    link = _invitation_link(app, client, inviting, "noikhac@example.vn")
    other = app.test_client()
    login(other, elsewhere)
    refused = other.form_post(link, {"full_name": "Người khác", "password": ""})
    assert "đã là thành viên của một người bán khác" in refused.get_data(as_text=True)
    db.session.expire_all()
    again = db.session.get(User, elsewhere.id)
    assert again.cooperative_id == elsewhere.cooperative_id and again.cooperative_role == CoopRole.OWNER
