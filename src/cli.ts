/**
 * The `s3gateway` command line: parses subcommands and flags, loads the configuration and calls
 * the services. No logic of its own beyond presenting results.
 */
import { parseArgs } from "node:util";
import { loadConfig, parseDuration, type GatewayConfig } from "./config.ts";
import { readPassword } from "./cli-password.ts";
import { openContext } from "./context.ts";
import { GatewayError } from "./errors.ts";
import { createLogger } from "./log/logger.ts";
import { startGateway } from "./server.ts";

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
  connector add ORG_ID BUCKET
  connector remove ORG_ID BUCKET
  user add EMAIL --org ORG_ID[,ORG_ID...] [--org-admin] [--platform-admin] [--password-file FILE]
  credential create --org ORG_ID [--ttl 24h] [--json]
  credential list --org ORG_ID [--json]
  credential revoke ACCESS_KEY_ID

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
  ttl: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

type Options = ReturnType<typeof parseArgs<{ options: typeof optionSpec; allowPositionals: true }>>["values"];

function parseCommandLine(argv: string[]): { positionals: string[]; values: Options } {
  try {
    return parseArgs({ args: argv, options: optionSpec, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}. Run "s3gateway --help" for the list of commands and options.`);
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

function expectPositionals(positionals: string[], count: number, form: string): void {
  if (positionals.length !== count) throw new UsageError(`Expected: s3gateway ${form}`);
}

async function serve(config: GatewayConfig): Promise<void> {
  const logger = createLogger(config.logLevel);
  const gateway = await startGateway(config, logger);
  const lines = [`S3 endpoint:  ${gateway.context.config.publicS3Url}`, `Console:      ${gateway.context.config.publicWebUrl}`, `Data:         ${config.dataDir}`];
  if (gateway.context.users.count() === 0) {
    const token = gateway.context.users.createSetupToken();
    lines.push("", "No account exists yet. Create the first administrator within 24 hours at this one-time link:", `  ${gateway.context.config.publicWebUrl}/setup?token=${token}`);
  }
  process.stdout.write(`${lines.join("\n")}\n\n`);
  logger.info({ s3: gateway.s3Url, web: gateway.webUrl, dataDir: config.dataDir }, "s3gateway started");
  const shutdown = (signal: string) => {
    logger.info({ signal }, "s3gateway stopping");
    gateway.stop().then(
      () => process.exit(0),
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
      expectPositionals(rest, 1, 'org create ORG_ID --name "Display name" [--connectors azure,sentinelone]');
      const orgId = rest[0] ?? "";
      const name = requireOption(values.name, "--name", `s3gateway org create ${orgId} --name "Acme Corp"`);
      const connectors = values.connectors !== undefined ? splitList(values.connectors) : context.config.connectorTemplate;
      const org = context.organizations.create({ id: orgId, name, connectors }, "cli");
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
      expectPositionals(rest, 2, `connector ${subcommand} ORG_ID BUCKET`);
      const [orgId = "", bucket = ""] = rest;
      if (subcommand === "add") context.organizations.addConnector(orgId, bucket, "cli");
      else context.organizations.removeConnector(orgId, bucket, "cli");
      out(subcommand === "add" ? `Added connector bucket ${bucket} to ${orgId}` : `Removed connector bucket ${bucket} from ${orgId}; its objects are kept`);
      return;
    }
    case "user add": {
      expectPositionals(rest, 1, "user add EMAIL --org ORG_ID[,ORG_ID...] [--org-admin] [--platform-admin] [--password-file FILE]");
      const orgIds = values.org !== undefined ? splitList(values.org) : [];
      if (orgIds.length === 0 && !values["platform-admin"]) {
        throw new UsageError("Missing --org: name the organizations the user belongs to, for example --org acme, or pass --platform-admin.");
      }
      const password = await readPassword(values["password-file"]);
      const user = await context.users.add(
        { email: rest[0] ?? "", password, orgIds, orgAdmin: values["org-admin"] === true, platformAdmin: values["platform-admin"] === true },
        "cli",
      );
      out(json ? JSON.stringify({ id: user.id, email: user.email }) : `Added user ${user.email}`);
      return;
    }
    case "credential create": {
      expectPositionals(rest, 0, "credential create --org ORG_ID [--ttl 24h] [--json]");
      const orgId = requireOption(values.org, "--org", "--org acme");
      const ttlMs = values.ttl !== undefined ? parseDuration(values.ttl, "--ttl") : undefined;
      const created = context.credentials.create({ orgId, createdBy: null, actor: "cli", ...(ttlMs !== undefined ? { ttlMs } : {}) });
      const record = { access_key_id: created.accessKeyId, secret_access_key: created.secretAccessKey, org: created.orgId, expires_at: created.expiresAt.toISOString() };
      if (json) out(JSON.stringify(record));
      else out([`access_key_id      ${record.access_key_id}`, `secret_access_key  ${record.secret_access_key}`, `org                ${record.org}`, `expires_at         ${record.expires_at}`].join("\n"));
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
      }));
      if (json) out(JSON.stringify(list));
      else if (list.length === 0) out(`Organization ${orgId} has no credentials.`);
      else for (const item of list) out(`${item.access_key_id}\t${item.status}\tcreated ${item.created_at}\texpires ${item.expires_at}\tlast used ${item.last_used_at ?? "never"}`);
      return;
    }
    case "credential revoke": {
      expectPositionals(rest, 1, "credential revoke ACCESS_KEY_ID");
      const revoked = context.credentials.revoke(rest[0] ?? "", "cli");
      out(json ? JSON.stringify({ access_key_id: revoked.accessKeyId, status: revoked.status }) : `Revoked ${revoked.accessKeyId}`);
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
