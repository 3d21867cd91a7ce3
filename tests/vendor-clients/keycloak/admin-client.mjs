// Drives a Keycloak (the emulator of tests/support/keycloak) with the official admin client,
// @keycloak/keycloak-admin-client, as an operator does: signs in to the master realm with the
// client-credentials grant (GRANT `client_credentials`, a client id and secret) or the password
// grant (GRANT `password`, a user of client admin-cli and the password), then runs the steps read
// as a JSON array from stdin and prints one JSON array, one entry per step: { "ok": result } or
// { "failed": { "status", "message" } } (the client's own NetworkError: the HTTP status and the
// message it took from Keycloak's error body).
//
//   node admin-client.mjs BASE_URL GRANT ID SECRET < steps.json
//
// The client is imported from $KEYCLOAK_ADMIN_CLIENT (its package directory, installed by
// scripts/ensure-keycloak-clients.sh), since an ES module cannot be found through NODE_PATH.
//
// Steps: { "op": "createRealm", "rep" } | { "op": "findRealm", "realm" } | { "op": "listRealms" }
// | { "op": "partialImport", "realm", "policy", "rep" } | { "op": "read", "realm" }
// | { "op": "findUsers", "realm", "query" } (usernames) | { "op": "deleteRealm", "realm" }
// | { "op": "lookup" | "delete", "realm", "names" }: finds (or deletes) one resource of each kind by
// the name keycloak-realm looks it up by; names: { client, clientRole, realmRole, group, user, idp }.

import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [baseUrl, grantType, id, secret] = process.argv.slice(2);
const packageDir = process.env.KEYCLOAK_ADMIN_CLIENT;
const { default: KcAdminClient } = await import(pathToFileURL(join(packageDir, "lib/index.js")).href);

const kc = new KcAdminClient({ baseUrl, realmName: "master" });

const byName = (list, field) => list.map((item) => item[field]).sort();

// Everything of a realm the admin client can list, read back the way an operator checks it.
async function read(realm) {
    const clients = [];
    for (const client of await kc.clients.find({ realm })) {
        const one = await kc.clients.findOne({ realm, id: client.id });
        const roles = await kc.clients.listRoles({ realm, id: client.id });
        clients.push({
            clientId: one.clientId,
            redirectUris: one.redirectUris ?? [],
            roles: byName(roles, "name"),
        });
    }
    const realmRoles = [];
    for (const role of await kc.roles.find({ realm })) {
        const one = await kc.roles.findOneByName({ realm, name: role.name });
        realmRoles.push({ name: one.name, description: one.description ?? null });
    }
    const groups = [];
    for (const group of await kc.groups.find({ realm })) {
        const one = await kc.groups.findOne({ realm, id: group.id });
        groups.push({ name: one.name, path: one.path });
    }
    const users = [];
    for (const user of await kc.users.find({ realm })) {
        const one = await kc.users.findOne({ realm, id: user.id });
        const mappings = await kc.users.listRoleMappings({ realm, id: user.id });
        const clientRoles = {};
        for (const [client, held] of Object.entries(mappings.clientMappings ?? {})) {
            clientRoles[client] = byName(held.mappings, "name");
        }
        const memberOf = await kc.users.listGroups({ realm, id: user.id });
        users.push({
            username: one.username,
            email: one.email ?? null,
            enabled: one.enabled,
            realmRoles: byName(mappings.realmMappings ?? [], "name"),
            clientRoles,
            groups: byName(memberOf, "path"),
        });
    }
    const sort = (list, field) => list.sort((a, b) => a[field].localeCompare(b[field]));
    return {
        clients: sort(clients, "clientId"),
        realmRoles: sort(realmRoles, "name"),
        groups: sort(groups, "name"),
        users: sort(users, "username"),
        userCount: await kc.users.count({ realm }),
    };
}

// The resources `names` names, looked up the way keycloak-realm does (null when not found).
async function lookup(realm, names) {
    const [client] = await kc.clients.find({ realm, clientId: names.client });
    const role = client && (await kc.clients.findRole({ realm, id: client.id, roleName: names.clientRole }));
    const realmRole = await kc.roles.findOneByName({ realm, name: names.realmRole });
    let group = null;
    try {
        group = await kc.realms.getGroupByPath({ realm, path: names.group });
    } catch (error) {
        if (error.response?.status !== 404) throw error;
    }
    const [user] = await kc.users.find({ realm, username: names.user, exact: true });
    const idp = await kc.identityProviders.findOne({ realm, alias: names.idp });
    return {
        client: client?.clientId ?? null,
        clientRole: role?.name ?? null,
        realmRole: realmRole?.name ?? null,
        group: group?.path ?? null,
        user: user?.username ?? null,
        idp: idp?.alias ?? null,
        ids: { client: client?.id, group: group?.id, user: user?.id },
    };
}

// Deletes the resources `names` names, each by the endpoint keycloak-realm deletes it with.
async function remove(realm, names) {
    const { ids } = await lookup(realm, names);
    await kc.identityProviders.del({ realm, alias: names.idp });
    await kc.users.del({ realm, id: ids.user });
    await kc.groups.del({ realm, id: ids.group });
    await kc.roles.delByName({ realm, name: names.realmRole });
    await kc.clients.delRole({ realm, id: ids.client, roleName: names.clientRole });
    await kc.clients.del({ realm, id: ids.client });
    const { ids: _, ...left } = await lookup(realm, names);
    return left;
}

const operations = {
    createRealm: ({ rep }) => kc.realms.create(rep),
    findRealm: ({ realm }) => kc.realms.findOne({ realm }),
    listRealms: async () => byName(await kc.realms.find(), "realm"),
    partialImport: ({ realm, policy, rep }) =>
        kc.realms.partialImport({ realm, rep: { ...rep, ifResourceExists: policy } }),
    read: ({ realm }) => read(realm),
    findUsers: async ({ realm, query }) => (await kc.users.find({ realm, ...query })).map((u) => u.username),
    deleteRealm: ({ realm }) => kc.realms.del({ realm }),
    lookup: async ({ realm, names }) => {
        const { ids: _, ...found } = await lookup(realm, names);
        return found;
    },
    delete: ({ realm, names }) => remove(realm, names),
};

let input = "";
for await (const chunk of process.stdin) input += chunk;
const steps = JSON.parse(input);

await kc.auth(
    grantType === "password"
        ? { grantType, clientId: "admin-cli", username: id, password: secret }
        : { grantType, clientId: id, clientSecret: secret },
);
const results = [];
for (const step of steps) {
    const operation = operations[step.op];
    if (!operation) throw new Error(`unknown step ${step.op}`);
    try {
        results.push({ ok: (await operation(step)) ?? null });
    } catch (error) {
        if (!error.response) throw error;
        results.push({ failed: { status: error.response.status, message: error.message } });
    }
}
console.log(JSON.stringify(results));
