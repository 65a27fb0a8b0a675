"""The demo's people: the named users of the names file and one desk
account for every department that has none.
"""

from __future__ import annotations

from typing import Any

from core.cases import (
    Role,
)
from server.demo.model import DemoUser


def users_for(names: dict[str, Any], departments: list[dict[str, Any]]) -> list[DemoUser]:
    users = [DemoUser(u["username"], u["display_name"], Role(u["role"]), u["password"],
                      u.get("department")) for u in names["users"]]
    staffed = {u.department_id for u in users if u.role is Role.DEPARTMENT}
    template = names["department_user"]
    for dept in departments:
        if dept["department_id"] in staffed:
            continue
        users.append(DemoUser(template["username"].format(id=dept["department_id"]),
                              template["display_name"].format(department=dept["name"]),
                              Role.DEPARTMENT, template["password"], dept["department_id"]))
    return users


__all__ = ["users_for"]
