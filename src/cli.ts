/**
 * The `s3gateway` command line: parses subcommands and flags, loads the configuration and calls
 * the services. No logic of its own beyond presenting results.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig, parseDuration, type GatewayConfig } from "./config.ts";
import { readPassword } from "./cli-password.ts";
import { openContext } from "./context.ts";
import { initMasterKeyFile } from "./credentials/master-key.ts";
import { rotateMasterKey } from "./credentials/rotation.ts";
import { auditEventRecord, iterateAuditEvents } from "./db/audit.ts";
import { GatewayError } from "./errors.ts";
import { loadIdentitySettings } from "./identity/oidc/provider-settings.ts";
import { UserGrants, type UserReference } from "./identity/grants.ts";
import { createLogger } from "./log/logger.ts";
import { startGateway } from "./server.ts";
import { checkPhysicalNames, finishConnectorRemoval, provisionOrg, rotateStorageKey, runStorageCheck } from "./storage/storage-commands.ts";
import { keyAccessLevels, type KeyAccess } from "./tenancy/scope.ts";

class UsageError extends GatewayError {
  constructor(message: string) {
    super("usage", message);
  }
}

const usage = `Usage: s3gateway <command> [options]

Commands:
  serve [--s3-addr HOST:PORT] [--web-addr HOST:PORT] [--tls-cert FILE --tls-key FILE]
  org create ORG_ID --name "Display name" [--connectors azure,sentinelone,vmware]
  org list [--json]
  org rotate-storage-key ORG_ID
  storage check [--json]
  connector add ORG_ID BUCKET
  connector remove ORG_ID BUCKET [--delete-data]
  user add EMAIL --org ORG_ID[,ORG_ID...] [--org-admin] [--platform-admin] [--password-file FILE]
  user grant (EMAIL | --issuer URL --subject SUB) [--org ORG_ID[,ORG_ID...] [--org-admin]] [--platform-admin]
  user revoke (EMAIL | --issuer URL --subject SUB) [--org ORG_ID[,ORG_ID...]] [--platform-admin]
  user list [--json]
  credential create --org ORG_ID [--ttl 24h] [--label TEXT] [--buckets azure,vmware]
                    [--access read-write|read-only|write-only] [--json]
  credential list --org ORG_ID [--json]
  credential renew ACCESS_KEY_ID
  credential revoke ACCESS_KEY_ID
  credential delete ACCESS_KEY_ID [--revoke]
  master-key init
  master-key rotate
  audit export --since 2025-03-01T00:00:00Z|7d [--org ORG_ID]

Every command accepts --data-dir DIR (default ./data, or S3GATEWAY_DATA_DIR).
`;

const optionSpec = {
  "data-dir": { type: "string" },
  "s3-addr": { type: "string" },
  "web-addr": { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  name: { type: "string" },
  connectors: { type: "string" },
  org: { type: "string" },
  "org-admin": { type: "boolean" },
  "platform-admin": { type: "boolean" },
  "password-file": { type: "string" },
  issuer: { type: "string" },
  subject: { type: "string" },
  ttl: { type: "string" },
  label: { type: "string" },
  buckets: { type: "string" },
  access: { type: "string" },
  revoke: { type: "boolean" },
  since: { type: "string" },
  json: { type: "boolean" },
  "delete-data": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

type Options = ReturnType<typeof parseArgs<{ options: typeof optionSpec; allowPositionals: true }>>["values"];

function parseCommandLine(argv: string[]): { positionals: string[]; values: Options } {
  try {
    return parseArgs({ args: argv, options: optionSpec, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs explains unknown options in terms of positional arguments, which misleads here.
    const unknown = /Unknown option '([^']+)'/.exec((error as Error).message)?.[1];
    const reason = unknown !== undefined ? `Unknown option "${unknown}"` : (error as Error).message.replace(/\.$/, "");
    throw new UsageError(`${reason}. Run "s3gateway --help" for the list of commands and options.`);
  }
}

function requireOption(value: string | undefined, flag: string, example: string): string {
  if (value === undefined || value.trim() === "") throw new UsageError(`Missing ${flag}: for example ${example}.`);
  return value;
}

function splitList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

function parseAccess(text: string): KeyAccess {
  const access = keyAccessLevels.find((level) => level === text);
  if (!access) throw new UsageError(`Invalid --access "${text}": use ${keyAccessLevels.join(", ")}.`);
  return access;
}

/**
 * Parses `--since`: an RFC 3339 time or date (`2025-03-01T00:00:00Z`, `2025-03-01`), or a duration
 * back from now (`90m`, `24h`, `7d`).
 */
function parseSince(text: string): Date {
  if (/^\d+[smhd]$/.test(text.trim())) return new Date(Date.now() - parseDuration(text, "--since"));
  const time = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text.trim()) ? new Date(text.trim()) : undefined;
  if (!time || Number.isNaN(time.getTime())) {
    throw new UsageError(`Invalid --since "${text}": use an RFC 3339 time such as 2025-03-01T00:00:00Z, a date such as 2025-03-01, or a duration such as 7d.`);
  }
  return time;
}

/** Reads the user named by an e-mail argument, or by --issuer and --subject. */
function userReference(rest: string[], values: Options, form: string): UserReference {
  if (values.issuer !== undefined || values.subject !== undefined) {
    expectPositionals(rest, 0, form);
    const issuer = requireOption(values.issuer, "--issuer", "--issuer https://example.eu.auth0.com/");
    const subject = requireOption(values.subject, "--subject", '--subject "auth0|64a1..."');
    return { issuer, subject };
  }
  expectPositionals(rest, 1, form);
  return { email: rest[0] ?? "" };
}

/**
 * Checks that an issuer given to `user grant` belongs to a configured identity provider, because
 * a user under any other issuer could never sign in.
 * @throws {UsageError} naming the configured issuers.
 */
function checkKnownIssuer(issuer: string, oidcConfigPath: string | undefined): void {
  if (oidcConfigPath === undefined) {
    throw new UsageError(`No identity provider is configured, so no user of issuer "${issuer}" can sign in: set S3GATEWAY_OIDC_CONFIG to the providers file first.`);
  }
  const issuers = loadIdentitySettings(oidcConfigPath).providers.map((provider) => provider.issuer);
  if (!issuers.includes(issuer)) {
    throw new UsageError(`Issuer "${issuer}" matches no configured identity provider: use one of ${issuers.map((known) => `"${known}"`).join(", ")} exactly.`);
  }
}

function expectPositionals(positionals: string[], count: number, form: string): void {
  if (positionals.length !== count) {
    const problem = positionals.length < count ? "a required argument is missing" : `unexpected argument "${positionals[count] ?? ""}"`;
    throw new UsageError(`Invalid command line: ${problem}. Usage: s3gateway ${form}`);
  }
}

async function serve(config: GatewayConfig): Promise<void> {
  const logger = createLogger(config.logLevel);
  const gateway = await startGateway(config, logger);
  const lines = [`S3 endpoint:  ${gateway.context.config.publicS3Url}`, `Console:      ${gateway.context.config.publicWebUrl}`, `Data:         ${config.dataDir}`];
  if (gateway.context.users.count() === 0 && !gateway.identityProviders.localAccounts) {
    lines.push(
      "",
      "No account exists yet, and local accounts are turned off. Sign in with an identity provider, then make that account",
      "a platform administrator: s3gateway user grant --issuer ISSUER --subject SUBJECT --platform-admin",
    );
  } else if (gateway.context.users.count() === 0) {
    const token = gateway.context.users.createSetupToken();
    lines.push("", "No account exists yet. Create the first administrator within 24 hours at this one-time link:", `  ${gateway.context.config.publicWebUrl}/setup?token=${token}`);
  }
  process.stdout.write(`${lines.join("\n")}\n\n`);
  logger.info({ s3: gateway.s3Url, web: gateway.webUrl, dataDir: config.dataDir }, "s3gateway started");
  const shutdown = (signal: string) => {
    logger.info({ signal }, "s3gateway stopping");
    gateway.stop().then(
      () => {
        logger.info("s3gateway stopped");
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
}

async function run(argv: string[]): Promise<void> {
  const { positionals, values } = parseCommandLine(argv);
  const [command, subcommand, ...rest] = positionals;
  if (values.help || command === undefined || command === "help") {
    process.stdout.write(usage);
    return;
  }
  const config = loadConfig({
    dataDir: values["data-dir"],
    s3Addr: values["s3-addr"],
    webAddr: values["web-addr"],
    tlsCert: values["tls-cert"],
    tlsKey: values["tls-key"],
  });
  if (command === "serve") {
    expectPositionals(positionals, 1, "serve [--s3-addr HOST:PORT] [--web-addr HOST:PORT]");
    return serve(config);
  }
  if (command === "master-key" && subcommand === "init") {
    expectPositionals(rest, 0, "master-key init");
    const path = config.masterKeyFile ?? join(config.dataDir, "master.key");
    const keyId = initMasterKeyFile(path);
    process.stdout.write(`Created master key ${keyId} in ${path} (mode 0600). Back it up: without it the stored secrets cannot be decrypted.\n`);
    return;
  }
  const context = openContext(config);
  if (context.masterKeyCreated) process.stderr.write(`Generated a new master key for encrypting secrets at ${context.masterKeyPath}; back it up.\n`);
  try {
    await runAdminCommand(context, command, subcommand, rest, values);
  } finally {
    context.close();
  }
}

async function runAdminCommand(context: ReturnType<typeof openContext>, command: string, subcommand: string | undefined, rest: string[], values: Options): Promise<void> {
  const json = values.json === true;
  const out = (text: string) => process.stdout.write(`${text}\n`);
  switch (`${command} ${subcommand ?? ""}`) {
    case "org create": {
      expectPositionals(rest, 1, 'org create ORG_ID --name "Display name" [--connectors azure,sentinelone,vmware]');
      const orgId = rest[0] ?? "";
      const name = requireOption(values.name, "--name", `s3gateway org create ${orgId} --name "Acme Corp"`);
      const connectors = values.connectors !== undefined ? splitList(values.connectors) : context.config.connectorTemplate;
      await checkPhysicalNames(context, orgId, connectors);
      const org = context.organizations.create({ id: orgId, name, connectors }, "cli");
      await provisionOrg(context, org.id, `Created organization ${org.id}`);
      out(json ? JSON.stringify({ id: org.id, name: org.name, connectors: org.connectors }) : `Created organization ${org.id} (${org.name}) with connectors: ${org.connectors.join(", ") || "none"}`);
      return;
    }
    case "org list": {
      expectPositionals(rest, 0, "org list [--json]");
      const orgs = context.organizations.list();
      if (json) {
        out(JSON.stringify(orgs.map((org) => ({ id: org.id, name: org.name, connectors: org.connectors, created_at: org.createdAt.toISOString() }))));
      } else if (orgs.length === 0) {
        out('No organizations yet. Create one with: s3gateway org create ORG_ID --name "Display name"');
      } else {
        for (const org of orgs) out(`${org.id}\t${org.name}\t${org.connectors.join(",")}`);
      }
      return;
    }
    case "connector add":
    case "connector remove": {
      expectPositionals(rest, 2, `connector ${subcommand} ORG_ID BUCKET${subcommand === "remove" ? " [--delete-data]" : ""}`);
      const [orgId = "", bucket = ""] = rest;
      if (subcommand === "add") {
        await checkPhysicalNames(context, orgId, [bucket]);
        context.organizations.addConnector(orgId, bucket, "cli");
        await provisionOrg(context, orgId, `Added connector bucket ${bucket} to ${orgId}`);
        out(`Added connector bucket ${bucket} to ${orgId}`);
      } else {
        context.organizations.removeConnector(orgId, bucket, "cli");
        out(await finishConnectorRemoval(context, orgId, bucket, values["delete-data"] === true));
      }
      return;
    }
    case "org rotate-storage-key": {
      expectPositionals(rest, 1, "org rotate-storage-key ORG_ID");
      out(await rotateStorageKey(context, rest[0] ?? ""));
      return;
    }
    case "storage check": {
      expectPositionals(rest, 0, "storage check [--json]");
      process.exitCode = await runStorageCheck(context, json, out);
      return;
    }
    case "user add": {
      expectPositionals(rest, 1, "user add EMAIL --org ORG_ID[,ORG_ID...] [--org-admin] [--platform-admin] [--password-file FILE]");
      const orgIds = values.org !== undefined ? splitList(values.org) : [];
      if (orgIds.length === 0 && !values["platform-admin"]) {
        throw new UsageError("Missing --org: name the organizations the user belongs to, for example --org acme, or pass --platform-admin.");
      }
      context.users.assertCanAdd({ email: rest[0] ?? "", orgIds });
      const password = await readPassword(values["password-file"]);
      const user = await context.users.add(
        { email: rest[0] ?? "", password, orgIds, orgAdmin: values["org-admin"] === true, platformAdmin: values["platform-admin"] === true },
        "cli",
      );
      out(json ? JSON.stringify({ id: user.id, email: user.email }) : `Added user ${user.email}`);
      return;
    }
    case "user grant":
    case "user revoke": {
      const form = `user ${subcommand} (EMAIL | --issuer URL --subject SUB) [--org ORG_ID[,ORG_ID...]]${subcommand === "grant" ? " [--org-admin]" : ""} [--platform-admin]`;
      const reference = userReference(rest, values, form);
      const orgIds = values.org !== undefined ? splitList(values.org) : [];
      const platformAdmin = values["platform-admin"] === true;
      if (orgIds.length === 0 && !platformAdmin) throw new UsageError(`Missing --org or --platform-admin: say what to ${subcommand}. Usage: s3gateway ${form}`);
      if (subcommand === "grant" && "issuer" in reference) checkKnownIssuer(reference.issuer, context.config.oidcConfigPath);
      const grants = new UserGrants(context.db);
      const user =
        subcommand === "grant"
          ? grants.grant(reference, { orgIds, orgAdmin: values["org-admin"] === true, platformAdmin }, "cli")
          : grants.revoke(reference, { orgIds, platformAdmin }, "cli");
      const changes = [...orgIds.map((orgId) => `organization ${orgId}`), ...(platformAdmin ? ["platform admin"] : [])].join(", ");
      out(json ? JSON.stringify({ id: user.id, email: user.email, platform_admin: user.isPlatformAdmin }) : `${subcommand === "grant" ? "Granted" : "Revoked"} ${changes} ${subcommand === "grant" ? "to" : "from"} ${user.email}`);
      return;
    }
    case "user list": {
      expectPositionals(rest, 0, "user list [--json]");
      const listing = new UserGrants(context.db).list();
      if (json) {
        out(JSON.stringify(listing.map((user) => ({ id: user.id, email: user.email, issuer: user.issuer, subject: user.subject, platform_admin: user.isPlatformAdmin, memberships: user.memberships }))));
      } else {
        for (const user of listing) {
          const orgs = user.memberships.map((m) => `${m.orgId}:${m.role}${m.source === "provider" ? "(provider)" : ""}`).join(",") || "-";
          out([user.email, user.issuer === null ? "local" : `${user.issuer} ${user.subject ?? ""}`, user.isPlatformAdmin ? "platform-admin" : "-", orgs].join("\t"));
        }
      }
      return;
    }
    case "credential create": {
      expectPositionals(rest, 0, "credential create --org ORG_ID [--ttl 24h] [--label TEXT] [--buckets azure,vmware] [--access read-write|read-only|write-only] [--json]");
      const orgId = requireOption(values.org, "--org", "--org acme");
      const ttlMs = values.ttl !== undefined ? parseDuration(values.ttl, "--ttl") : undefined;
      const access = values.access === undefined ? undefined : parseAccess(values.access);
      const scope = { ...(access ? { access } : {}), ...(values.buckets !== undefined ? { buckets: splitList(values.buckets) } : {}) };
      const created = context.credentials.create({
        orgId,
        createdBy: null,
        actor: "cli",
        scope,
        ...(ttlMs !== undefined ? { ttlMs } : {}),
        ...(values.label !== undefined ? { label: values.label } : {}),
      });
      const record = {
        access_key_id: created.accessKeyId,
        secret_access_key: created.secretAccessKey,
        org: created.orgId,
        expires_at: created.expiresAt.toISOString(),
        label: created.label,
        access: created.scope.access,
        buckets: created.scope.buckets,
      };
      if (json) out(JSON.stringify(record));
      else out([`access_key_id      ${record.access_key_id}`, `secret_access_key  ${record.secret_access_key}`, `org                ${record.org}`, `expires_at         ${record.expires_at}`, `access             ${record.access}`, `buckets            ${record.buckets?.join(",") ?? "all"}`].join("\n"));
      return;
    }
    case "credential list": {
      expectPositionals(rest, 0, "credential list --org ORG_ID [--json]");
      const orgId = requireOption(values.org, "--org", "--org acme");
      context.organizations.get(orgId);
      const list = context.credentials.list(orgId).map((item) => ({
        access_key_id: item.accessKeyId,
        org: item.orgId,
        status: item.status,
        created_at: item.createdAt.toISOString(),
        expires_at: item.expiresAt.toISOString(),
        revoked_at: item.revokedAt?.toISOString() ?? null,
        last_used_at: item.lastUsedAt?.toISOString() ?? null,
        last_used_from: item.lastUsedFrom,
        label: item.label,
        access: item.scope.access,
        buckets: item.scope.buckets,
      }));
      if (json) out(JSON.stringify(list));
      else if (list.length === 0) out(`Organization ${orgId} has no credentials.`);
      else for (const item of list) out(`${item.access_key_id}\t${item.status}\tcreated ${item.created_at}\texpires ${item.expires_at}\tlast used ${item.last_used_at ?? "never"}`);
      return;
    }
    case "credential revoke": {
      expectPositionals(rest, 1, "credential revoke ACCESS_KEY_ID");
      const revoked = context.credentials.revoke(rest[0] ?? "", { actor: "cli" });
      out(json ? JSON.stringify({ access_key_id: revoked.accessKeyId, status: revoked.status }) : `Revoked ${revoked.accessKeyId}`);
      return;
    }
    case "credential renew": {
      expectPositionals(rest, 1, "credential renew ACCESS_KEY_ID");
      const renewed = context.credentials.renew(rest[0] ?? "", { actor: "cli" });
      out(json ? JSON.stringify({ access_key_id: renewed.accessKeyId, expires_at: renewed.expiresAt.toISOString() }) : `Renewed ${renewed.accessKeyId}; it now expires at ${renewed.expiresAt.toISOString()}`);
      return;
    }
    case "credential delete": {
      expectPositionals(rest, 1, "credential delete ACCESS_KEY_ID [--revoke]");
      if (values.revoke !== true && context.credentials.get(rest[0] ?? "").status === "active") {
        throw new UsageError(`Credential "${rest[0]}" is active: revoke it first, or pass --revoke to revoke and delete it in one step.`);
      }
      const deleted = context.credentials.delete(rest[0] ?? "", { actor: "cli" }, { revokeIfActive: values.revoke === true });
      out(json ? JSON.stringify({ access_key_id: deleted.accessKeyId, deleted: true }) : `Deleted ${deleted.accessKeyId} from the history; its audit events are kept`);
      return;
    }
    case "master-key rotate": {
      expectPositionals(rest, 0, "master-key rotate");
      const result = rotateMasterKey(context.db, context.masterKeyPath, "cli");
      out(`Added master key ${result.newKeyId} to ${context.masterKeyPath} and re-encrypted ${result.reencrypted} secrets under it.`);
      if (result.unusedKeyIds.length > 0) {
        out(`No secret uses ${result.unusedKeyIds.join(", ")} any more. Keep those lines until every running server has picked up the new key (within a second), then delete them from the file if you want them gone.`);
      }
      return;
    }
    case "audit export": {
      expectPositionals(rest, 0, "audit export --since 2025-03-01T00:00:00Z|7d [--org ORG_ID]");
      const since = parseSince(requireOption(values.since, "--since", "--since 2025-03-01T00:00:00Z or --since 7d"));
      if (values.org !== undefined) context.organizations.get(values.org);
      for (const event of iterateAuditEvents(context.db, { since, orgId: values.org })) out(JSON.stringify(auditEventRecord(event)));
      return;
    }
    default:
      throw new UsageError(`Unknown command "${[command, subcommand].filter(Boolean).join(" ")}". Run "s3gateway --help" for the list of commands.`);
  }
}

run(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof GatewayError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  }
  process.stderr.write(`error: unexpected failure: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
