"""Reads a Keycloak (the emulator of tests/support/keycloak) with python-keycloak, the second
independent client: signs in with the client-credentials grant, runs the steps read as a JSON
array from stdin and prints one JSON array, one entry per step: {"ok": result} or
{"failed": {"status", "message"}}. The steps and results are those of admin-client.mjs, fewer:
{"op": "listRealms"} | {"op": "read", "realm"}.

    build/py-keycloak/bin/python python_keycloak.py BASE_URL CLIENT_ID CLIENT_SECRET < steps.json
"""

import json
import sys

from keycloak import KeycloakAdmin
from keycloak.exceptions import KeycloakError


def names(items, field):
    return sorted(item[field] for item in items)


def read(admin, realm):
    """Everything of a realm, in the shape admin-client.mjs reads it."""
    admin.change_current_realm(realm)
    clients = []
    for client in admin.get_clients():
        one = admin.get_client(client["id"])
        clients.append({
            "clientId": one["clientId"],
            "redirectUris": one.get("redirectUris", []),
            "roles": names(admin.get_client_roles(client["id"]), "name"),
        })
    realm_roles = []
    for role in admin.get_realm_roles():
        one = admin.get_realm_role(role["name"])
        realm_roles.append({"name": one["name"], "description": one.get("description")})
    groups = []
    for group in admin.get_groups():
        one = admin.get_group(group["id"])
        groups.append({"name": one["name"], "path": one["path"]})
    users = []
    for user in admin.get_users():
        one = admin.get_user(user["id"])
        mappings = admin.get_all_roles_of_user(user["id"])
        client_roles = {
            client: names(held["mappings"], "name")
            for client, held in mappings.get("clientMappings", {}).items()
        }
        users.append({
            "username": one["username"],
            "email": one.get("email"),
            "enabled": one["enabled"],
            "realmRoles": names(mappings.get("realmMappings", []), "name"),
            "clientRoles": client_roles,
            "groups": names(admin.get_user_groups(user["id"]), "path"),
        })
    return {
        "clients": sorted(clients, key=lambda c: c["clientId"]),
        "realmRoles": sorted(realm_roles, key=lambda r: r["name"]),
        "groups": sorted(groups, key=lambda g: g["name"]),
        "users": sorted(users, key=lambda u: u["username"]),
        "userCount": admin.users_count(),
    }


def main():
    base_url, client_id, secret = sys.argv[1:4]
    steps = json.load(sys.stdin)
    # user_realm_name: tokens come from master even after change_current_realm.
    admin = KeycloakAdmin(
        server_url=base_url,
        client_id=client_id,
        client_secret_key=secret,
        realm_name="master",
        user_realm_name="master",
    )
    operations = {
        "listRealms": lambda step: names(admin.get_realms(), "realm"),
        "read": lambda step: read(admin, step["realm"]),
    }
    results = []
    for step in steps:
        try:
            results.append({"ok": operations[step["op"]](step)})
        except KeycloakError as error:
            message = error.error_message
            if isinstance(message, bytes):
                message = message.decode()
            results.append({"failed": {"status": error.response_code, "message": message}})
    print(json.dumps(results))


main()
