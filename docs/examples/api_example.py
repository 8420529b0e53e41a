"""Log in to the EcoLoop API, list my open tasks and complete the first one.

    ECOLOOP_API_URL=http://127.0.0.1:5000 ECOLOOP_USER=county-440106 ECOLOOP_PASSWORD=demo \
        python docs/examples/api_example.py

The first task of a county reviewer is a review (区县初审): it is accepted with an opinion.
"""

from __future__ import annotations

import os
import sys
import uuid

import requests


def main(base_url: str, username: str, password: str) -> dict | None:
    api = requests.Session()
    # 1. log in through the same accounts as the web UI; the bearer token lasts 15 minutes
    login = api.post(f"{base_url}/api/v1/auth/token", json={"username": username, "password": password}, timeout=10)
    login.raise_for_status()
    api.headers["Authorization"] = f"Bearer {login.json()['access_token']}"

    # 2. my open tasks, due first
    tasks = api.get(f"{base_url}/api/v1/tasks", params={"status": "ready", "per_page": 20}, timeout=10).json()
    print(f"{tasks['total']} open tasks")
    for task in tasks["items"]:
        print(f"  {task['id']}  {task['title']}  {task['subject']}")
    if not tasks["items"]:
        return None

    # 3. one task with its form; the ETag is the instance version
    task_id = tasks["items"][0]["id"]
    detail = api.get(f"{base_url}/api/v1/tasks/{task_id}", timeout=10)
    detail.raise_for_status()
    print("form fields:", ", ".join(field["name"] for field in detail.json()["form"]["fields"]))

    # 4. complete it: If-Match refuses (412) if someone changed the instance meanwhile;
    #    the Idempotency-Key makes a retry after a network error safe
    done = api.post(
        f"{base_url}/api/v1/tasks/{task_id}/complete",
        json={"data": {"decision": "accept", "opinion": "经核实，情况属实。"}},
        headers={"If-Match": detail.headers["ETag"], "Idempotency-Key": str(uuid.uuid4())},
        timeout=10,
    )
    if done.status_code != 200:
        problem = done.json()  # application/problem+json: status, title, detail, errors per field
        sys.exit(f"{done.status_code} {problem['title']}: {problem['detail']} {problem.get('errors', '')}")
    print(f"completed: {done.json()['title']} ({done.json()['outcome']})")
    return done.json()


if __name__ == "__main__":
    main(os.environ.get("ECOLOOP_API_URL", "http://127.0.0.1:5000"), os.environ["ECOLOOP_USER"],
         os.environ["ECOLOOP_PASSWORD"])
