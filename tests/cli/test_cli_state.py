"""``saga-desktop state``: the world's figures, and exit 1 when they do not add up."""

from __future__ import annotations

import sqlite3

from saga_desktop.engine import SCHEMA_VERSION


def tamper(path, sql):
    db = sqlite3.connect(path)
    try:
        with db:
            db.execute(sql)
    finally:
        db.close()


def test_state_json_of_a_fresh_world(cli):
    result = cli("state", "--json")

    assert result.code == 0
    assert result.err == ""
    state = result.json()
    assert state.keys() >= {"consistent", "violations", "flights", "users", "payments", "bookings"}
    assert state["consistent"] is True
    assert state["violations"] == []
    assert state["flights"][0] == {
        "id": 123,
        "route": "JFK → LAX",
        "date": "2024-01-20",
        "capacity": 42,
        "seats_taken": 0,
        "seats_left": 42,
    }
    assert state["users"][0]["points"] == 5000
    assert state["bookings"] == {"confirmed": 0, "cancelled": 0}


def test_state_in_words(cli):
    cli("run")

    result = cli("state")

    assert result.code == 0
    lines = result.out.splitlines()
    assert "Flight 123 JFK → LAX 2024-01-20: 41 of 42 seats left" in lines
    assert "User 1 John Doe: 4000 points (1000 spent)" in lines
    assert "Payments: 1, captured 490.00, refunded 0.00, net 490.00" in lines
    assert "Bookings: 1 confirmed, 0 cancelled" in lines
    assert lines[-1] == "Consistent: seats, points and money add up."


def test_state_follows_the_sagas(cli):
    cli("run")
    cli("run", "--fail", "confirm_booking")

    state = cli("state", "--json").json()

    assert state["consistent"] is True
    assert state["flights"][0]["seats_taken"] == 1
    assert state["payments"] == {"captured": 980.0, "refunded": 490.0, "net": 490.0, "count": 2}


def test_a_tampered_world_exits_1_and_says_why(cli, data_dir):
    cli("state")  # creates the world
    tamper(data_dir / "loyalty.db", "UPDATE users SET points = 1 WHERE id = 1")
    tamper(
        data_dir / "seats.db",
        "UPDATE seats SET holder = 'cafebabe-fake' WHERE flight_id = 456 AND seat_no = '2C'",
    )

    as_json = cli("state", "--json")
    in_words = cli("state")

    assert as_json.code == 1
    state = as_json.json()
    assert state["consistent"] is False
    assert state["violations"] == [
        "balances are 4999 points below opening, but the ledger records 0",
        "saga cafebabe holds seats ['456-2C'] but it has no confirmed booking",
    ]
    assert in_words.code == 1
    assert "INCONSISTENT:" in in_words.out
    assert "  - saga cafebabe holds seats ['456-2C'] but it has no confirmed booking" in (
        in_words.out
    )


def test_a_damaged_database_is_bad_input(cli, data_dir):
    data_dir.mkdir()
    (data_dir / "payments.db").write_bytes(b"garbage" * 1000)

    cli("state").assert_bad_input("payments.db")


def test_a_saga_log_from_a_newer_version_is_refused(cli, data_dir):
    data_dir.mkdir()
    db = sqlite3.connect(data_dir / "saga_log.db")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()

    cli("run").assert_bad_input("newer SAGA Desktop")
