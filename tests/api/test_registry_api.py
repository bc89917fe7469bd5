"""The registry API: tenants and sites by natural id, import and export; scoped, audited."""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson

from tests.api.conftest import Hub
from tests.api.scene import (
    EMPLOYEE_ID,
    NEW_SITE,
    OTHER_SITE,
    SITE,
    resident_id,
    site_document,
    subject_of,
    uscc,
)
from tests.ledger.factory import pseudonym

TENANTS = f"/api/v1/registry/sites/{SITE}"


def blue(**changes: Any) -> dict[str, Any]:
    """A second enterprise of park-1."""
    return {"id": "blue", "name": "Blue Co.", "uscc": uscc(2), "building": "north",
            "floor": 3, **changes}


def test_an_admin_adds_changes_and_deletes_tenants(hub: Hub) -> None:
    admin = hub.sign_in("root", "admin")
    client = hub.api.client
    assert [e["id"] for e in client.get(f"{TENANTS}/enterprises", headers=admin).json()] == [
        "acme"]
    assert client.put(f"{TENANTS}/enterprises/blue", json=blue(), headers=admin).status_code == 200
    assert client.get(f"{TENANTS}/enterprises/blue", headers=admin).json()["floor"] == 3
    # This hub's own edits reach the snapshot that enriches events at once.
    assert hub.live.current.enterprise(SITE, "blue") is not None
    wrong_id = client.put(f"{TENANTS}/enterprises/green", json=blue(), headers=admin)
    assert (wrong_id.status_code, "the body names blue" in wrong_id.text) == (422, True)
    no_floor = client.put(f"{TENANTS}/enterprises/blue", json=blue(floor=40), headers=admin)
    assert no_floor.status_code == 422

    ann = pseudonym("ann")
    person = {"pseudonym": ann, "enterprise": "blue", "type": "employee"}
    assert client.put(f"{TENANTS}/persons/{ann}", json=person, headers=admin).status_code == 200
    card = {"type": "card", "ref": pseudonym("card-ann"), "person": ann}
    card_url = f"{TENANTS}/credentials/card/{pseudonym('card-ann')}"
    assert client.put(card_url, json=card, headers=admin).status_code == 200
    orphan = {"type": "card", "ref": pseudonym("card-x"), "person": pseudonym("nobody")}
    refused = client.put(f"{TENANTS}/credentials/card/{pseudonym('card-x')}", json=orphan,
                         headers=admin)
    assert refused.status_code == 422 and "unknown person" in refused.json()["detail"]
    in_use = client.delete(f"{TENANTS}/enterprises/blue", headers=admin)
    assert (in_use.status_code, "still has 1 persons" in in_use.text) == (409, True)

    assert client.delete(f"{TENANTS}/persons/{ann}", headers=admin).status_code == 204
    assert client.get(card_url, headers=admin).status_code == 404  # went with its holder
    assert client.delete(f"{TENANTS}/enterprises/blue", headers=admin).status_code == 204
    assert client.delete(f"{TENANTS}/enterprises/blue", headers=admin).status_code == 404

    changes = [(e.action, e.target, e.detail) for e in hub.audit()
               if e.action in ("registry.put", "registry.delete")]
    assert changes == [
        ("registry.delete", SITE, {"entity": "enterprise", "id": "blue"}),
        ("registry.delete", SITE, {"entity": "person", "id": ann}),
        ("registry.put", SITE, {"entity": "credential", "id": f"card/{pseudonym('card-ann')}"}),
        ("registry.put", SITE, {"entity": "person", "id": ann}),
        ("registry.put", SITE, {"entity": "enterprise", "id": "blue"}),
    ]
    assert hub.live.current.enterprise(SITE, "blue") is None


def test_persons_page_by_pseudonym(hub: Hub) -> None:
    admin = hub.sign_in("root", "admin")
    people = sorted(pseudonym(f"p{n}") for n in range(3))
    for who in people:
        hub.api.client.put(f"{TENANTS}/persons/{who}", headers=admin,
                           json={"pseudonym": who, "type": "visitor"})
    everyone = sorted([*people, subject_of(EMPLOYEE_ID)])
    first = hub.api.client.get(f"{TENANTS}/persons", params={"limit": 2}, headers=admin).json()
    rest = hub.api.client.get(f"{TENANTS}/persons", headers=admin,
                              params={"limit": 2, "after": first[-1]["pseudonym"]}).json()
    assert [p["pseudonym"] for p in first + rest] == everyone


def test_managers_edit_tenants_of_their_own_sites_and_others_only_read(hub: Hub) -> None:
    client = hub.api.client
    manager = hub.sign_in("pm-1", "property_manager", [SITE])
    assert client.put(f"{TENANTS}/enterprises/blue", json=blue(),
                      headers=manager).status_code == 200
    other = f"/api/v1/registry/sites/{OTHER_SITE}/enterprises/blue"
    assert client.put(other, json=blue(), headers=manager).status_code == 403
    assert client.get(other, headers=manager).status_code == 403
    assert client.put(f"/api/v1/registry/sites/{SITE}", json=site_document(),
                      headers=manager).status_code == 403
    [site] = client.get("/api/v1/registry/sites", headers=manager).json()
    assert site["id"] == SITE

    guard = hub.sign_in("guard", "security")
    assert client.get(f"{TENANTS}/enterprises/blue", headers=guard).status_code == 200
    assert client.delete(f"{TENANTS}/enterprises/blue", headers=guard).status_code == 403
    assert client.get("/api/v1/registry/sites/park-9/enterprises", headers=guard).status_code == 404
    denied = [(e.actor, e.target) for e in hub.audit("access.denied")]
    assert ("pm-1", OTHER_SITE) in denied and ("guard", f"{TENANTS}/enterprises/blue") in denied


def test_an_admin_stores_and_deletes_a_site_document(hub: Hub) -> None:
    admin = hub.sign_in("root", "admin")
    client = hub.api.client
    document = site_document(NEW_SITE)
    document["site"]["buildings"].append({"id": "south", "name": "South", "floors": 4})
    stored = client.put(f"/api/v1/registry/sites/{NEW_SITE}", json=document, headers=admin)
    assert stored.status_code == 200, stored.text
    assert stored.json()["structure"] is True
    assert stored.json()["accepted"] == {"enterprise": 1, "person": 1, "credential": 0}
    shown = client.get(f"/api/v1/registry/sites/{NEW_SITE}", headers=admin).json()
    assert [b["id"] for b in shown["site"]["buildings"]] == ["north", "south"]
    assert "persons" not in shown  # they have their own paged route

    mismatched = client.put("/api/v1/registry/sites/park-4", json=document, headers=admin)
    assert mismatched.status_code == 422
    broken = site_document(NEW_SITE)
    broken["gates"][1]["building"] = "west"
    assert client.put(f"/api/v1/registry/sites/{NEW_SITE}", json=broken,
                      headers=admin).status_code == 422
    assert client.delete(f"/api/v1/registry/sites/{NEW_SITE}", headers=admin).status_code == 204
    assert client.get(f"/api/v1/registry/sites/{NEW_SITE}", headers=admin).status_code == 404
    assert [e.detail["entity"] for e in hub.audit("registry.delete")] == ["site"]


def test_an_import_over_http_reports_each_rejected_row_and_keeps_no_raw_number(
    hub: Hub,
) -> None:
    manager = hub.sign_in("pm-1", "property_manager", [SITE])
    bad_check = resident_id(7)[:-1] + ("0" if resident_id(7)[-1] != "0" else "1")
    newcomer = resident_id(8)
    text = (
        "id_number,enterprise,type,after_hours\n"
        f"{newcomer},acme,employee,yes\n"
        f"{bad_check},acme,employee,no\n"
        f"{resident_id(9)},nowhere,visitor,no\n"
        f"{resident_id(10)},acme\n"
    )
    response = hub.api.client.post(
        "/api/v1/registry/import", headers=manager, data={"kind": "persons"},
        files={"file": ("persons.csv", text.encode(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["site"], report["accepted"]["person"], report["accepted_total"]) == (
        SITE, 1, 1)
    assert [(r["kind"], r["row"]) for r in report["rejected"]] == [
        ("person", 3), ("person", 4), ("person", 5)]
    reasons = [r["reason"] for r in report["rejected"]]
    assert "not a resident ID number" in reasons[0]
    assert "unknown enterprise 'nowhere'" in reasons[1]
    assert "2 cells where the header has 4 columns" in reasons[2]

    person = hub.api.client.get(f"{TENANTS}/persons/{subject_of(newcomer)}", headers=manager)
    assert person.json()["after_hours"] is True
    [entry] = hub.audit("registry.import")
    assert entry.detail == {"kind": "persons", "structure": False,
                            "accepted": {"enterprise": 0, "person": 1, "credential": 0},
                            "rejected": 3}
    for raw in (newcomer, bad_check, resident_id(9), resident_id(10)):
        assert raw not in response.text and raw not in hub.audit_text()


def test_what_an_import_may_not_do(hub: Hub) -> None:
    client = hub.api.client
    manager = hub.sign_in("pm-1", "property_manager", [SITE])
    document = orjson.dumps(site_document())
    as_manager = client.post("/api/v1/registry/import", headers=manager, data={"kind": "site"},
                             files={"file": ("site.json", document, "application/json")})
    assert as_manager.status_code == 403
    theirs = orjson.dumps({"site": OTHER_SITE, "enterprises": [blue()]})
    assert client.post("/api/v1/registry/import", headers=manager,
                       files={"file": ("tenants.yaml", theirs, "application/yaml")},
                       ).status_code == 403
    odd = client.post("/api/v1/registry/import", headers=manager, data={"kind": "persons"},
                      files={"file": ("p.csv", b"pseudonym,type,shoe_size\n", "text/csv")})
    assert odd.status_code == 422 and "unknown column shoe_size" in odd.json()["detail"]

    admin = hub.sign_in("root", "admin")
    as_admin = client.post("/api/v1/registry/import", headers=admin,
                           files={"file": ("site.json", document, "application/json")})
    assert as_admin.status_code == 200 and as_admin.json()["structure"] is True
    no_site = client.post("/api/v1/registry/import", headers=admin, data={"kind": "persons"},
                          files={"file": ("p.csv", b"pseudonym,type\n", "text/csv")})
    assert no_site.status_code == 422 and "name the site" in no_site.json()["detail"]


def test_an_export_reads_back_and_is_audited(hub: Hub) -> None:
    police = hub.sign_in("detective", "police")
    document = hub.api.client.get("/api/v1/registry/export", headers=police,
                                  params={"site": SITE})
    assert document.json()["persons"] == [
        {"pseudonym": subject_of(EMPLOYEE_ID), "enterprise": "acme", "type": "employee",
         "after_hours": False}]
    persons = hub.api.client.get("/api/v1/registry/export", headers=police,
                                 params={"site": SITE, "format": "csv", "kind": "persons"})
    assert persons.headers["content-type"] == "text/csv; charset=utf-8"
    assert list(csv.DictReader(io.StringIO(persons.text))) == [
        {"pseudonym": subject_of(EMPLOYEE_ID), "enterprise": "acme", "type": "employee",
         "after_hours": "false"}]
    assert hub.api.client.get("/api/v1/registry/export", headers=police,
                              params={"site": SITE, "format": "csv"}).status_code == 422
    assert hub.api.client.get("/api/v1/registry/export",
                              headers=police).status_code == 422  # two sites: name one
    assert [e.detail for e in hub.audit("registry.export")] == [
        {"format": "csv", "kind": "persons"}, {"format": "json", "kind": None}]
