"""Run by test_sqlite_two_stations in a fresh process: two scan stations on one SQLite file (the demo set-up).

Prints one JSON line: {"ok": n, "errors": [...]} — every scan posted through the real view by two threads.
"""

from __future__ import annotations

import json
import sys
import threading


def main(scans_per_station: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host name is allowed
    call_command("migrate", verbosity=0)
    from madoguchi.accounts.roles import Role, sync_roles
    from madoguchi.accounts.testing import make_offices, make_user
    from madoguchi.cards.tests.factories import make_card

    sync_roles()
    office = make_offices()["honcho"]
    cards = [make_card(office) for _ in range(2 * scans_per_station)]
    users = [make_user(f"station{i}", Role.BACK_OFFICE) for i in range(2)]
    connection.close()
    barrier = threading.Barrier(2)
    ok: list[int] = []
    errors: list[str] = []

    def station(index: int) -> None:
        client = Client()
        client.force_login(users[index])
        barrier.wait()
        mine = cards[index::2]
        for card in mine:
            try:
                response = client.post(
                    "/cards/scan/apply/", {"step": "set_up", "notice_number": card.notice_number}
                )
            except Exception as exc:  # noqa: BLE001 (the failure is the finding: a 500 for the station)
                errors.append(f"500 {exc!r}"[:200])
                continue
            if response.status_code != 200 or not response.json()["ok"]:
                errors.append(f"{response.status_code} {response.content[:200]!r}")
            else:
                ok.append(1)
        connection.close()

    threads = [threading.Thread(target=station, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sys.stdout.write(json.dumps({"ok": len(ok), "errors": errors, "journal": _journal_mode()}) + "\n")


def _journal_mode() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        return str(cursor.fetchone()[0])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
