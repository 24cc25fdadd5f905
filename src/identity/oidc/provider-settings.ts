/**
 * The identity provider file named by `S3GATEWAY_OIDC_CONFIG`: which OpenID providers the console
 * offers, how their tokens map to organizations and roles, and whether local accounts stay enabled.
 * Every problem in the file is collected, so one start-up error lists them all, each naming its
 * field and how to fix it.
 */
import { readFileSync } from "node:fs";
import { ConfigError } from "../../errors.ts";

/**
 * How a token's claims become organization memberships.
 * - `auth0`: one organization per sign-in, from `org_id` (display name `org_name`).
 * - `claim`: every value of a claim that matches `pattern`.
 * - `static`: none; an operator assigns memberships with the CLI.
 */
export type OrganizationMapping =
  | { mapping: "auth0"; autoCreate: boolean; connectors: string[] | undefined }
  | { mapping: "claim"; claim: ClaimPath; pattern: RegExp | undefined; autoCreate: boolean; connectors: string[] | undefined }
  | { mapping: "static" };

/** A top-level claim name, or the names leading into nested objects (`["realm_access", "roles"]`). */
export type ClaimPath = string[];

export interface RoleMapping {
  claim: ClaimPath;
  /** Claim values that make the user an admin of the organizations this sign-in maps to. */
  orgAdmin: string[];
  /** Claim values that make the user a platform admin; undefined leaves that role to the CLI. */
  platformAdmin: string[] | undefined;
}

export type TokenEndpointAuthMethod = "client_secret_basic" | "client_secret_post";

export interface ProviderSettings {
  /** Lowercase id used in the console's URLs (`/login/oidc/<id>`). */
  id: string;
  /** Name on the sign-in button: "Sign in with <displayName>". */
  displayName: string;
  issuer: string;
  clientId: string;
  /** Read from `clientSecretFile` or `clientSecretEnv`; never logged. */
  clientSecret: string;
  scopes: string[];
  /** Undefined lets discovery choose: basic when offered, otherwise post. */
  tokenEndpointAuthMethod: TokenEndpointAuthMethod | undefined;
  organizations: OrganizationMapping;
  roles: RoleMapping | undefined;
  /**
   * Whether sign-out sends the ID token as `id_token_hint` to the end-session endpoint. Off by
   * default, because the token then passes through the browser; some providers need it to skip
   * their confirmation page or to honour `post_logout_redirect_uri`.
   */
  logoutIdTokenHint: boolean;
}

export interface IdentitySettings {
  providers: ProviderSettings[];
  /** Whether the sign-in page offers the e-mail and password form. */
  localAccounts: boolean;
  /** Whom users should ask to enable their organization, shown on the console's pages. */
  supportContact: string | undefined;
}

const defaultScopes = ["openid", "profile", "email"];
const providerIdPattern = /^[a-z0-9][a-z0-9-]{0,31}$/;

const topLevelFields = ["localAccounts", "supportContact", "providers"];
const providerFields = [
  "id",
  "displayName",
  "issuer",
  "clientId",
  "clientSecretFile",
  "clientSecretEnv",
  "scopes",
  "tokenEndpointAuthMethod",
  "organizations",
  "roles",
  "logoutIdTokenHint",
];
const organizationFields = ["mapping", "claim", "pattern", "autoCreate", "connectors"];
const roleFields = ["claim", "orgAdmin", "platformAdmin"];

type Environment = Record<string, string | undefined>;
type JsonObject = Record<string, unknown>;

/**
 * Reads and checks the identity provider file, and reads each provider's client secret.
 * @param env environment that `clientSecretEnv` names are looked up in.
 * @throws {ConfigError} listing every problem found, each with the field it concerns.
 */
export function loadIdentitySettings(path: string, env: Environment = process.env): IdentitySettings {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`S3GATEWAY_OIDC_CONFIG: the file "${path}" could not be read (${errorCode(error)}): check the path and its permissions.`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`S3GATEWAY_OIDC_CONFIG: "${path}" is not valid JSON (${(error as Error).message}).`);
  }
  return parseIdentitySettings(document, path, env);
}

/**
 * Checks an already parsed identity provider document.
 * @param source file name used in the error message.
 * @throws {ConfigError} listing every problem found.
 */
export function parseIdentitySettings(document: unknown, source: string, env: Environment = process.env): IdentitySettings {
  const problems = new Problems();
  const root = problems.object(document, "the file");
  if (!root) throw problems.toError(source);
  problems.unknownFields(root, topLevelFields, "");

  const localAccounts = problems.boolean(root.localAccounts, "localAccounts") ?? true;
  const supportContact = problems.string(root.supportContact, "supportContact");
  const providerList = root.providers === undefined ? [] : problems.array(root.providers, "providers") ?? [];
  const providers: ProviderSettings[] = [];
  providerList.forEach((entry, index) => {
    const provider = parseProvider(entry, `providers[${index}]`, env, problems);
    if (provider) providers.push(provider);
  });

  const seen = new Set<string>();
  for (const [index, provider] of providers.entries()) {
    if (seen.has(provider.id)) problems.add(`providers[${index}].id`, `"${provider.id}" is used by two providers: give each provider its own id.`);
    seen.add(provider.id);
  }
  if (!localAccounts && providerList.length === 0) {
    problems.add("localAccounts", "is false, but no provider is configured, so nobody could sign in: add a provider or set localAccounts to true.");
  }
  if (problems.count > 0) throw problems.toError(source);
  return { providers, localAccounts, supportContact };
}

function parseProvider(entry: unknown, at: string, env: Environment, problems: Problems): ProviderSettings | undefined {
  const fields = problems.object(entry, at);
  if (!fields) return undefined;
  problems.unknownFields(fields, providerFields, at, ["clientSecret"]);
  if ("clientSecret" in fields) {
    problems.add(
      `${at}.clientSecret`,
      "client secrets do not belong in this file: put the secret in a file named by clientSecretFile, or in an environment variable named by clientSecretEnv.",
    );
  }

  const id = problems.required(problems.string(fields.id, `${at}.id`), `${at}.id`, 'a short lowercase name such as "auth0" or "keycloak"');
  if (id !== undefined && !providerIdPattern.test(id)) {
    problems.add(`${at}.id`, `"${id}" is invalid: use 1 to 32 lowercase letters, digits or "-", starting with a letter or digit.`);
  }
  const issuer = problems.required(problems.string(fields.issuer, `${at}.issuer`), `${at}.issuer`, "the provider's issuer URL, such as https://example.eu.auth0.com/");
  if (issuer !== undefined) checkIssuer(issuer, `${at}.issuer`, problems);
  const clientId = problems.required(problems.string(fields.clientId, `${at}.clientId`), `${at}.clientId`, "the client id of the gateway's application at the provider");
  const clientSecret = readClientSecret(fields, at, env, problems);
  const scopes = parseScopes(fields.scopes, `${at}.scopes`, problems);
  const tokenEndpointAuthMethod = parseAuthMethod(fields.tokenEndpointAuthMethod, `${at}.tokenEndpointAuthMethod`, problems);
  const organizations = parseOrganizations(fields.organizations, `${at}.organizations`, problems);
  const roles = fields.roles === undefined ? undefined : parseRoles(fields.roles, `${at}.roles`, problems);
  if (organizations?.mapping === "static" && roles && roles.orgAdmin.length > 0) {
    problems.add(
      `${at}.roles.orgAdmin`,
      'applies only to the "auth0" and "claim" mappings. With the "static" mapping, make organization admins with "s3gateway user grant USER --org ORG_ID --org-admin".',
    );
  }
  const logoutIdTokenHint = problems.boolean(fields.logoutIdTokenHint, `${at}.logoutIdTokenHint`) ?? false;
  const displayName = problems.string(fields.displayName, `${at}.displayName`) ?? id;

  if (id === undefined || issuer === undefined || clientId === undefined || clientSecret === undefined || !scopes || !organizations || displayName === undefined) {
    return undefined;
  }
  return { id, displayName, issuer, clientId, clientSecret, scopes, tokenEndpointAuthMethod, organizations, roles, logoutIdTokenHint };
}

function checkIssuer(issuer: string, at: string, problems: Problems): void {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    problems.add(at, `"${issuer}" is not a URL: use the provider's issuer URL, such as https://example.eu.auth0.com/.`);
    return;
  }
  if (url.protocol !== "https:") {
    problems.add(at, `"${issuer}" does not use https: OpenID sign-in here requires an HTTPS issuer.`);
  }
  if (url.search !== "" || url.hash !== "") {
    problems.add(at, `"${issuer}" contains a query or fragment, which issuer URLs never have: copy the "issuer" value from the provider's discovery document.`);
  }
}

/** Reads the secret from exactly one of `clientSecretFile` and `clientSecretEnv`, trimming a final newline. */
function readClientSecret(fields: JsonObject, at: string, env: Environment, problems: Problems): string | undefined {
  const file = problems.string(fields.clientSecretFile, `${at}.clientSecretFile`);
  const variable = problems.string(fields.clientSecretEnv, `${at}.clientSecretEnv`);
  if (file !== undefined && variable !== undefined) {
    problems.add(at, "sets both clientSecretFile and clientSecretEnv: keep one of them.");
    return undefined;
  }
  if (file === undefined && variable === undefined) {
    problems.add(at, "has no client secret: set clientSecretFile to a file that contains it, or clientSecretEnv to the name of an environment variable that holds it.");
    return undefined;
  }

  let secret: string | undefined;
  if (file !== undefined) {
    try {
      secret = readFileSync(file, "utf8").replace(/\r?\n$/, "");
    } catch (error) {
      problems.add(`${at}.clientSecretFile`, `"${file}" could not be read (${errorCode(error)}): check the path and that the gateway's user may read it.`);
      return undefined;
    }
  } else if (variable !== undefined) {
    secret = env[variable];
    if (secret === undefined || secret === "") {
      problems.add(`${at}.clientSecretEnv`, `the environment variable "${variable}" is not set or is empty: set it to the client secret.`);
      return undefined;
    }
  }
  if (secret === "") {
    problems.add(`${at}.clientSecretFile`, `"${file}" is empty: write the client secret into it.`);
    return undefined;
  }
  return secret;
}

function parseScopes(value: unknown, at: string, problems: Problems): string[] | undefined {
  if (value === undefined) return defaultScopes;
  const scopes = problems.stringArray(value, at);
  if (!scopes) return undefined;
  if (!scopes.includes("openid")) {
    problems.add(at, `must include "openid", which asks for an ID token: for example ["openid", "profile", "email"].`);
    return undefined;
  }
  const invalid = scopes.find((scope) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope));
  if (invalid !== undefined) {
    problems.add(at, `contains the invalid scope "${invalid}": a scope is one word without spaces or quotes.`);
    return undefined;
  }
  return [...new Set(scopes)];
}

function parseAuthMethod(value: unknown, at: string, problems: Problems): TokenEndpointAuthMethod | undefined {
  const method = problems.string(value, at);
  if (method === undefined || method === "client_secret_basic" || method === "client_secret_post") return method;
  problems.add(at, `"${method}" is not supported: use "client_secret_basic" or "client_secret_post", or leave it out to pick one from discovery.`);
  return undefined;
}

function parseOrganizations(value: unknown, at: string, problems: Problems): OrganizationMapping | undefined {
  const fields = problems.object(value ?? { mapping: "static" }, at);
  if (!fields) return undefined;
  problems.unknownFields(fields, organizationFields, at);
  const mapping = problems.string(fields.mapping, `${at}.mapping`);
  const autoCreate = problems.boolean(fields.autoCreate, `${at}.autoCreate`) ?? false;
  const connectors = fields.connectors === undefined ? undefined : problems.stringArray(fields.connectors, `${at}.connectors`);

  switch (mapping) {
    case "auth0":
      for (const field of ["claim", "pattern"]) {
        if (field in fields) problems.add(`${at}.${field}`, 'applies only to the "claim" mapping: the "auth0" mapping always reads org_id and org_name.');
      }
      return { mapping, autoCreate, connectors };
    case "claim": {
      const claim = problems.required(parseClaimPath(fields.claim, `${at}.claim`, problems), `${at}.claim`, 'the claim that lists organizations, such as "groups" or "organization"');
      const pattern = parsePattern(fields.pattern, `${at}.pattern`, problems);
      if (!claim) return undefined;
      return { mapping, claim, pattern, autoCreate, connectors };
    }
    case "static":
      for (const field of ["claim", "pattern", "autoCreate", "connectors"]) {
        if (field in fields) problems.add(`${at}.${field}`, 'does not apply to the "static" mapping, where operators create organizations and memberships with the CLI.');
      }
      return { mapping };
    default:
      problems.add(`${at}.mapping`, `${mapping === undefined ? "is missing" : `"${mapping}" is unknown`}: use "auth0", "claim" or "static".`);
      return undefined;
  }
}

function parseRoles(value: unknown, at: string, problems: Problems): RoleMapping | undefined {
  const fields = problems.object(value, at);
  if (!fields) return undefined;
  problems.unknownFields(fields, roleFields, at);
  const claim = problems.required(parseClaimPath(fields.claim, `${at}.claim`, problems), `${at}.claim`, 'the claim that lists roles or groups, such as "roles" or ["realm_access", "roles"]');
  const orgAdmin = fields.orgAdmin === undefined ? [] : problems.stringArray(fields.orgAdmin, `${at}.orgAdmin`);
  const platformAdmin = fields.platformAdmin === undefined ? undefined : problems.stringArray(fields.platformAdmin, `${at}.platformAdmin`);
  if (!claim || !orgAdmin) return undefined;
  return { claim, orgAdmin, platformAdmin };
}

function parseClaimPath(value: unknown, at: string, problems: Problems): ClaimPath | undefined {
  if (typeof value === "string" && value !== "") return [value];
  if (value === undefined) return undefined;
  const path = problems.stringArray(value, at);
  if (path && path.length > 0 && path.every((name) => name !== "")) return path;
  problems.add(at, 'use a claim name such as "groups", or a list of names into nested objects such as ["realm_access", "roles"].');
  return undefined;
}

/** Compiles the pattern; its first capture group, when it has one, is the organization id. */
function parsePattern(value: unknown, at: string, problems: Problems): RegExp | undefined {
  const source = problems.string(value, at);
  if (source === undefined) return undefined;
  try {
    return new RegExp(source, "u");
  } catch (error) {
    problems.add(at, `"${source}" is not a valid regular expression (${(error as Error).message}).`);
    return undefined;
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

/** Collects problems with the field each one concerns, and checks JSON value types. */
class Problems {
  private readonly list: string[] = [];

  get count(): number {
    return this.list.length;
  }

  add(field: string, message: string): void {
    this.list.push(field === "" ? message : `${field}: ${message}`);
  }

  toError(source: string): ConfigError {
    const heading = `The identity provider file "${source}" (S3GATEWAY_OIDC_CONFIG) has ${this.list.length === 1 ? "a problem" : `${this.list.length} problems`}:`;
    return new ConfigError([heading, ...this.list.map((problem) => `  - ${problem}`)].join("\n"));
  }

  required<T>(value: T | undefined, field: string, hint: string): T | undefined {
    if (value === undefined) this.add(field, `is missing: set it to ${hint}.`);
    return value;
  }

  /** Reports every field not in `known`; `reportedElsewhere` names fields with their own message. */
  unknownFields(fields: JsonObject, known: string[], at: string, reportedElsewhere: string[] = []): void {
    for (const name of Object.keys(fields)) {
      if (known.includes(name) || reportedElsewhere.includes(name)) continue;
      this.add(at === "" ? name : `${at}.${name}`, `is not a known field. Known fields here: ${known.join(", ")}.`);
    }
  }

  object(value: unknown, field: string): JsonObject | undefined {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as JsonObject;
    this.add(field, `must be a JSON object, not ${describe(value)}.`);
    return undefined;
  }

  array(value: unknown, field: string): unknown[] | undefined {
    if (Array.isArray(value)) return value;
    this.add(field, `must be a JSON array, not ${describe(value)}.`);
    return undefined;
  }

  string(value: unknown, field: string): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value === "string" && value.trim() !== "") return value.trim();
    this.add(field, `must be a non-empty string, not ${describe(value)}.`);
    return undefined;
  }

  stringArray(value: unknown, field: string): string[] | undefined {
    if (Array.isArray(value) && value.every((item) => typeof item === "string" && item !== "")) return value as string[];
    this.add(field, `must be a list of non-empty strings, not ${describe(value)}.`);
    return undefined;
  }

  boolean(value: unknown, field: string): boolean | undefined {
    if (value === undefined || typeof value === "boolean") return value;
    this.add(field, `must be true or false, not ${describe(value)}.`);
    return undefined;
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `"${value}"`;
  if (typeof value === "object") return "an object";
  return String(value);
}
