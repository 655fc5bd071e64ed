def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b'name="csrf_token"' in response.data


def test_head_opens_charter_and_sees_it(org, login_as):
    head = login_as(org.head_a)
    page = head.get("/charters/new")
    assert page.status_code == 200
    response = head.post(
        "/charters/new",
        {
            "title": "Logistique et magasins",
            "department_a_id": org.logistics.id,
            "department_b_id": org.stores.id,
            "criterion_id": org.criterion.id,
            "review_cadence_months": 3,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    show = head.get(response.headers["Location"])
    assert show.status_code == 200
    assert "Logistique et magasins" in show.get_data(as_text=True)
