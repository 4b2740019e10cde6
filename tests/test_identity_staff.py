"""Staff accounts: the CLI, sign-in to the staff pages (cookie + CSRF), roles, API tokens for
machines, and the audit log of every staff action."""

from __future__ import annotations

import re

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import select

from identity.models import AuditEntry, StaffAccount
from xinbao_cli import main

from helpers import TEST_PASSWORD, make_staff, staff_token

PASSWORD = "a-long-enough-secret"


@pytest.fixture
def cli(base_config):
    env = {"DATABASE_URL": base_config["database"]["url"], "XINBAO_ENV": "development"}
    if base_config["redis"]["url"]:
        env["REDIS_URL"] = base_config["redis"]["url"]

    def run(*args: str, input: str | None = None):
        return CliRunner().invoke(main, list(args), input=input, env=env)

    return run


def audit_actions(services) -> list[tuple[str, str]]:
    services.db.session.expire_all()
    rows = services.db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    return [(row.actor, row.action) for row in rows]


def test_staff_add_list_disable_from_the_terminal(cli, services):
    added = cli("staff", "add", "zhang.san", "--name", "张三", "--role", "operator",
                "--role", "claims_reviewer", "--password-stdin", input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    account = services.db.session.scalar(select(StaffAccount))
    assert account.username == "zhang.san" and account.roles == ["claims_reviewer", "operator"]
    assert account.password_hash.startswith("$argon2id$") and PASSWORD not in account.password_hash
    listed = cli("staff", "list")
    assert "zhang.san" in listed.output and "active" in listed.output and "张三" in listed.output
    disabled = cli("staff", "disable", "zhang.san")
    assert disabled.exit_code == 0, disabled.output
    assert "disabled" in cli("staff", "list").output
    actions = audit_actions(services)
    assert [action for _, action in actions] == ["staff.create", "staff.update"]
    assert all(actor.startswith("cli:") for actor, _ in actions)
    change = services.db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()[-1]
    assert change.before["active"] is True and change.after["active"] is False


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "boss"], "角色不存在"),
    (["--role", "admin", "--name", ""], "姓名"),
])
def test_staff_add_refuses_bad_input_with_a_clear_message(cli, args, message):
    base = ["staff", "add", "li.si", "--name", "李四"]
    result = cli(*base, *args, "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code != 0 and message in result.output


def test_staff_add_refuses_a_short_password_and_a_duplicate(cli):
    short = cli("staff", "add", "wang.wu", "--name", "王五", "--role", "admin",
                "--password-stdin", input="short\n")
    assert short.exit_code != 0 and "密码长度" in short.output
    ok = cli("staff", "add", "wang.wu", "--name", "王五", "--role", "admin",
             "--password-stdin", input=PASSWORD + "\n")
    assert ok.exit_code == 0
    again = cli("staff", "add", "wang.wu", "--name", "王五", "--role", "admin",
                "--password-stdin", input=PASSWORD + "\n")
    assert again.exit_code != 0 and "已存在" in again.output
    assert cli("staff", "disable", "nobody").exit_code != 0


def test_a_machine_token_from_the_terminal_works_until_the_account_is_disabled(
        cli, services, live_server):
    make_staff(services, "robot", ["operator"])
    make_staff(services, "boss", ["admin"])
    issued = cli("staff", "token", "robot", "--label", "nightly import")
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip().splitlines()[0]
    auth = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{live_server}/api/v1/staff/me", headers=auth, timeout=5).json()[
        "username"] == "robot"
    assert cli("staff", "disable", "robot").exit_code == 0
    refused = requests.get(f"{live_server}/api/v1/staff/me", headers=auth, timeout=5)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] in ("token_invalid", "account_disabled")


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def sign_in(live_server: str, username: str, password: str = TEST_PASSWORD):
    browser = requests.Session()
    form = browser.get(f"{live_server}/staff/login", timeout=5)
    answer = browser.post(f"{live_server}/staff/login", timeout=5, data={
        "csrf_token": csrf_of(form.text), "username": username, "password": password})
    return browser, answer


def test_staff_sign_in_with_cookie_and_csrf(services, live_server):
    make_staff(services, "reviewer", ["claims_reviewer"])
    browser, home = sign_in(live_server, "reviewer")
    assert home.status_code == 200 and "理赔审核" in home.text
    assert "HttpOnly" in home.history[0].headers["Set-Cookie"]
    # The audit log page needs admin: a reviewer is refused.
    assert browser.get(f"{live_server}/staff/audit", timeout=5).status_code == 403
    # Signing out needs the form's CSRF token.
    assert browser.post(f"{live_server}/staff/logout", timeout=5).status_code == 400
    out = browser.post(f"{live_server}/staff/logout", timeout=5,
                       data={"csrf_token": csrf_of(home.text)})
    assert out.url.endswith("/staff/login")
    assert browser.get(f"{live_server}/staff/", allow_redirects=False,
                       timeout=5).status_code == 302
    assert [a for _, a in audit_actions(services)] == ["staff.sign_in", "staff.sign_out"]


def test_staff_sign_in_refusals(services, live_server):
    make_staff(services, "gone", ["operator"], active=False)
    make_staff(services, "here", ["operator"])
    _, wrong = sign_in(live_server, "here", "not-the-password")
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
    _, unknown = sign_in(live_server, "nobody", "whatever-password")
    assert unknown.status_code == 401 and "用户名或密码错误" in unknown.text
    _, disabled = sign_in(live_server, "gone")
    assert disabled.status_code == 401 and "已停用" in disabled.text
    no_csrf = requests.post(f"{live_server}/staff/login", timeout=5,
                            data={"username": "here", "password": TEST_PASSWORD})
    assert no_csrf.status_code == 400


def test_an_admin_disables_an_account_from_the_page_and_it_is_audited(services, live_server):
    make_staff(services, "root", ["admin"])
    target = make_staff(services, "leaver", ["academy_editor"])
    browser, _ = sign_in(live_server, "root")
    leaver_browser, _ = sign_in(live_server, "leaver")
    page = browser.get(f"{live_server}/staff/accounts", timeout=5)
    assert "leaver" in page.text and "学院编辑" in page.text
    done = browser.post(f"{live_server}/staff/accounts/{target.id}/active", timeout=5,
                        data={"csrf_token": csrf_of(page.text), "active": "0"})
    assert done.status_code == 200 and "停用" in done.text
    # The leaver's open session ends at once.
    assert leaver_browser.get(f"{live_server}/staff/", allow_redirects=False,
                              timeout=5).status_code == 302
    change = services.db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "staff.update")).one()
    assert change.actor == "staff:root" and change.target_id == str(target.id)
    assert (change.before["active"], change.after["active"]) == (True, False)
    audit_page = browser.get(f"{live_server}/staff/audit", timeout=5)
    assert "staff.update" in audit_page.text and "staff:root" in audit_page.text


def test_staff_api_token_by_password_and_the_last_admin_rule(services, live_server):
    admin = make_staff(services, "only.admin", ["admin"])
    answer = requests.post(f"{live_server}/api/v1/staff/tokens", timeout=5,
                           json={"username": "only.admin", "password": TEST_PASSWORD})
    assert answer.status_code == 201, answer.text
    auth = {"Authorization": f"Bearer {answer.json()['token']}"}
    bad = requests.post(f"{live_server}/api/v1/staff/tokens", timeout=5,
                        json={"username": "only.admin", "password": "wrong-password"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "invalid_credentials"
    # Neither removing the last admin's role nor disabling oneself is allowed.
    demote = requests.patch(f"{live_server}/api/v1/staff/{admin.id}", headers=auth, timeout=5,
                            json={"roles": ["operator"]})
    assert demote.status_code == 409 and "管理员" in demote.json()["error"]["message"]
    itself = requests.patch(f"{live_server}/api/v1/staff/{admin.id}", headers=auth, timeout=5,
                            json={"active": False})
    assert itself.status_code == 409


def test_staff_changes_through_the_api_record_before_and_after(services, live_server):
    admin = make_staff(services, "chief", ["admin"])
    auth = {"Authorization": f"Bearer {staff_token(services, admin)}"}
    created = requests.post(f"{live_server}/api/v1/staff", headers=auth, timeout=10, json={
        "username": "new.hire", "display_name": "新员工", "password": PASSWORD,
        "roles": ["operator"]})
    assert created.status_code == 201, created.text
    staff_id = created.json()["id"]
    changed = requests.patch(f"{live_server}/api/v1/staff/{staff_id}", headers=auth, timeout=5,
                             json={"roles": ["operator", "academy_editor"]})
    assert changed.json()["roles"] == ["academy_editor", "operator"]
    log = requests.get(f"{live_server}/api/v1/audit", headers=auth, timeout=5).json()
    assert [entry["action"] for entry in log["items"]] == ["staff.update", "staff.create"]
    update = log["items"][0]
    assert update["actor"] == "staff:chief"
    assert update["before"]["roles"] == ["operator"]
    assert update["after"]["roles"] == ["academy_editor", "operator"]
    assert "password" not in str(log)


def test_password_guessing_locks_the_username_from_that_address(services, live_server):
    """Pages and API count together; the rest of the scheme is tests/test_identity_throttle."""
    make_staff(services, "target", ["operator"])
    url = f"{live_server}/api/v1/staff/tokens"
    for _ in range(3):
        assert requests.post(url, json={"username": "target", "password": "guess-guess"},
                             timeout=5).status_code == 401
    _, page = sign_in(live_server, "target", "guess-guess")
    assert page.status_code == 401
    _, page = sign_in(live_server, "target", "guess-guess")  # the fifth locks
    assert page.status_code == 429 and "请 15 分钟后再试" in page.text
    assert page.headers["Retry-After"] == "900"
    locked = requests.post(url, json={"username": "target", "password": TEST_PASSWORD},
                           timeout=5)
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "sign_in_locked"
    assert int(locked.headers["Retry-After"]) <= 900
    # Another username is not affected.
    make_staff(services, "bystander", ["operator"])
    assert requests.post(url, json={"username": "bystander", "password": TEST_PASSWORD},
                         timeout=5).status_code == 201


def test_the_console_links_are_the_manifests_pages_the_member_may_open(services, live_server):
    make_staff(services, "nav.reviewer", ["claims_reviewer"])
    make_staff(services, "nav.admin", ["admin"])
    _, reviewer_home = sign_in(live_server, "nav.reviewer")
    _, admin_home = sign_in(live_server, "nav.admin")
    assert "员工账号" not in reviewer_home.text and "审计日志" not in reviewer_home.text
    assert "/staff/accounts" in admin_home.text and "/staff/audit" in admin_home.text
