"""Users, teams, API keys, sessions and project owners, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from runfold.errors import Conflict, NotFound, UsageError


def _team_of_two(store: Any) -> str:
    store.create_user("alice")
    store.create_team("vision")
    store.create_team("speech")
    store.add_member("vision", "alice")
    store.add_member("speech", "alice")
    _, secret = store.create_key("alice", "laptop")
    return str(secret)


def test_key_is_stored_as_its_sha256_only(store: Any) -> None:
    secret = _team_of_two(store)
    with store._read() as cur:
        rows = store._all(cur, "SELECT * FROM api_keys", ())
    assert len(rows) == 1
    stored = " ".join(str(v) for v in rows[0])
    assert secret not in stored and secret[10:] not in stored
    assert hashlib.sha256(secret.encode()).hexdigest() in stored
    assert secret.startswith("rf_") and len(secret) > 40


def test_key_stands_for_its_user_and_their_teams(store: Any) -> None:
    secret = _team_of_two(store)
    caller = store.caller_for_key(secret)
    assert caller.user == "alice" and len(caller.team_ids) == 2
    assert store.team_names(caller.team_ids) == ["speech", "vision"]
    # The first team is the default owner of new projects.
    assert store.team_names([caller.default_team_id]) == ["vision"]
    assert store.caller_for_key(secret + "x") is None
    assert store.list_keys("alice")[0].last_used_at is not None


def test_default_flag_moves_the_default_team(store: Any) -> None:
    secret = _team_of_two(store)
    store.add_member("speech", "alice", default=True)
    caller = store.caller_for_key(secret)
    assert store.team_names([caller.default_team_id]) == ["speech"]


def test_revoked_key_and_its_sessions_stop_working(store: Any) -> None:
    secret = _team_of_two(store)
    _, token = store.create_session("alice", secret)
    assert store.caller_for_session(token).user == "alice"
    key_id = store.list_keys("alice")[0].id
    assert store.revoke_key(key_id).revoked_at is None  # as it was before
    assert store.caller_for_key(secret) is None
    assert store.caller_for_session(token) is None
    assert store.list_keys("alice")[0].revoked_at is not None


def test_session_needs_the_users_own_key(store: Any) -> None:
    secret = _team_of_two(store)
    store.create_user("bob")
    assert store.create_session("bob", secret) is None
    assert store.create_session("alice", "rf_wrong") is None
    _, token = store.create_session("alice", secret)
    store.delete_session(token)
    assert store.caller_for_session(token) is None


def test_claimed_project_keeps_its_first_owner(store: Any) -> None:
    _team_of_two(store)
    vision, speech = store.caller_for_key(store.create_key("alice")[1]).team_ids
    assert store.claim_project("p", vision) == vision
    assert store.claim_project("p", speech) == vision
    assert store.project_owner("p") == (True, vision)
    assert store.project_owner("q") == (False, None)
    assert store.team_project_names([vision]) == {"p"}
    assert store.team_project_names([speech]) == set()


def test_assign_project_gives_an_unowned_project_to_a_team(store: Any) -> None:
    caller = store.caller_for_key(_team_of_two(store))
    (speech,) = caller.team_ids - {caller.default_team_id}
    store.ingest("old", "r1", [(1, "run", {"name": "r1"})])
    assert store.project_owner("old") == (True, None)
    store.assign_project("old", "speech")
    assert store.project_owner("old") == (True, speech)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda s: s.create_user("alice"), Conflict,
         "User 'alice' already exists. List its keys with: runfold admin key list alice"),
        (lambda s: s.create_team("vision"), Conflict,
         "Team 'vision' already exists. Add users with: runfold admin team add vision USER"),
        (lambda s: s.add_member("vision", "alice"), Conflict,
         "User 'alice' is already in team 'vision'."),
        (lambda s: s.add_member("nope", "alice"), NotFound,
         "No team 'nope'. Create it with: runfold admin team create nope"),
        (lambda s: s.create_key("bob"), NotFound,
         "No user 'bob'. Create it with: runfold admin user create bob"),
        (lambda s: s.revoke_key(999), NotFound,
         "No API key with id 999. List a user's keys with: runfold admin key list USER"),
        (lambda s: s.assign_project("nope", "vision"), NotFound,
         "Project 'nope' not found. List projects with: runfold projects"),
        (lambda s: s.create_user(" x"), UsageError,
         "User name ' x' is not allowed: it is empty or has surrounding whitespace."),
    ],
)  # fmt: skip
def test_account_errors_say_what_to_do(
    store: Any, call: Any, error: type[Exception], message: str
) -> None:
    _team_of_two(store)
    with pytest.raises(error) as info:
        call(store)
    assert str(info.value) == message


def test_sql_meta_characters_in_names_are_plain_text(store: Any) -> None:
    name = "x'); DROP TABLE users; --"
    store.create_user(name)
    store.create_team('t" OR 1=1 --')
    store.add_member('t" OR 1=1 --', name)
    _, secret = store.create_key(name, "k'--")
    assert store.caller_for_key(secret).user == name
    assert store.list_keys(name)[0].name == "k'--"
