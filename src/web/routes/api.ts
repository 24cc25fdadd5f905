/**
 * The JSON API under `/api/v1`: the console's key actions for scripts and CI, described by the
 * OpenAPI document at `/api/v1/openapi.json`. A caller authenticates with the console's session
 * cookie (and then sends the session's CSRF token in `X-CSRF-Token` on every POST and DELETE), or
 * with a bearer token when the app is given a {@link BearerAuthenticator}.
 */
import { timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { CredentialSummary, NewCredential } from "../../credentials/credentials.ts";
import { actionsFor, canView, roleIn, seesWholeOrg, type KeyViewer } from "../../credentials/permissions.ts";
import { auditEventRecord, listAuditEventsBefore } from "../../db/audit.ts";
import { GatewayError, InvalidInputError, LimitExceededError, NotFoundError } from "../../errors.ts";
import type { ConsoleSession } from "../../identity/sessions.ts";
import type { Membership, User } from "../../identity/users.ts";
import type { KeyAccess } from "../../tenancy/scope.ts";
import { clientAddress } from "../client-address.ts";
import { ConsoleError } from "../console-error.ts";
import { findVisibleCredentialAnyOrg, keyViewer, requireManage } from "../credential-access.ts";
import { csrfHeaderName } from "../csrf.ts";
import type { ConsoleDeps, WebEnv } from "../env.ts";
import { openApiDocument } from "../openapi.ts";
import { awsCliConfigLines, boto3Snippet, environmentSnippet, rcloneSnippet, secretPlaceholder, type ClientSettings } from "../snippets.ts";

/**
 * Validates a bearer token and returns the user it was issued to, or undefined when it is not
 * valid. Given by the OpenID Connect sign-in, which owns token validation.
 */
export type BearerAuthenticator = (token: string) => Promise<{ userId: string } | undefined>;

/** An authenticated API caller. */
export interface ApiCaller {
  user: User;
  memberships: Membership[];
  authenticatedBy: "session" | "bearer";
  /** The console session, when the caller sent the session cookie. */
  session?: ConsoleSession;
}

/** Audit events per page at most. */
const maxAuditPage = 500;

/**
 * Builds the `/api/v1` routes; mount them with `app.route("/api/v1", createApiRoutes(...))`.
 * @param bearer validates bearer tokens; without it, requests with a bearer token get 401.
 */
export function createApiRoutes(deps: ConsoleDeps, bearer: BearerAuthenticator | undefined): Hono<WebEnv> {
  const { ctx, logger, onCredentialsChanged } = deps;
  const api = new Hono<WebEnv>();
  api.onError((error, c) => apiErrorResponse(c, error, deps));

  api.get("/openapi.json", (c) => c.json(openApiDocument(ctx.config.publicWebUrl)));

  const callerOf = (c: Context<WebEnv>) => authenticate(c, deps, bearer);

  api.get("/session", async (c) => {
    const caller = await callerOf(c);
    return c.json({
      user: { id: caller.user.id, email: caller.user.email, platform_admin: caller.user.isPlatformAdmin },
      organizations: caller.memberships.map((m) => ({ id: m.orgId, name: m.orgName, role: m.role })),
      authenticated_by: caller.authenticatedBy,
      csrf_token: caller.session?.csrfToken ?? null,
    });
  });

  api.get("/credentials", async (c) => {
    const caller = await callerOf(c);
    const viewer = keyViewer(caller);
    const orgFilter = c.req.query("org");
    const orgIds = orgFilter === undefined ? caller.memberships.map((m) => m.orgId) : [requireMemberOrg(viewer, orgFilter)];
    const items = orgIds.flatMap((orgId) => visibleIn(deps, viewer, orgId));
    return c.json({ credentials: items.map((credential) => credentialJson(credential, viewer)) });
  });

  api.get("/organizations/:org/credentials", async (c) => {
    const caller = await callerOf(c);
    const viewer = keyViewer(caller);
    const orgId = requireMemberOrg(viewer, c.req.param("org"));
    return c.json({
      credentials: visibleIn(deps, viewer, orgId).map((credential) => credentialJson(credential, viewer)),
      active_count: ctx.credentials.activeCount(orgId),
      max_active: ctx.config.maxActiveCredentials,
    });
  });

  api.post("/organizations/:org/credentials", async (c) => {
    const caller = await callerOf(c);
    const viewer = keyViewer(caller);
    const orgId = requireMemberOrg(viewer, c.req.param("org"));
    const body = await readJsonObject(c, ["label", "access", "buckets"]);
    const label = optionalString(body, "label");
    const access = optionalString(body, "access");
    const buckets = optionalStringList(body, "buckets");
    let created: NewCredential;
    try {
      created = ctx.credentials.create({
        orgId,
        createdBy: caller.user.id,
        actor: `user:${caller.user.id}`,
        scope: { ...(access === undefined ? {} : { access: access as KeyAccess }), ...(buckets === undefined ? {} : { buckets }) },
        ...(label === undefined ? {} : { label }),
        ...optionalSource(c),
      });
    } catch (error) {
      if (error instanceof LimitExceededError) throw limitError(deps, viewer, orgId, error);
      throw error;
    }
    onCredentialsChanged();
    logger.info({ requestId: c.get("requestId"), userId: caller.user.id, orgId, accessKeyId: created.accessKeyId }, "credential generated through the API");
    const summary = ctx.credentials.get(created.accessKeyId);
    const settings = clientSettings(deps, orgId, created.accessKeyId, created.secretAccessKey);
    return c.json({ ...credentialJson(summary, viewer), secret_access_key: created.secretAccessKey, configuration: configurationJson(settings) }, 201);
  });

  api.get("/credentials/:id", async (c) => {
    const caller = await callerOf(c);
    const viewer = keyViewer(caller);
    return c.json(credentialJson(findVisibleCredentialAnyOrg(deps, viewer, c.req.param("id")), viewer));
  });

  api.get("/credentials/:id/configuration", async (c) => {
    const caller = await callerOf(c);
    const viewer = keyViewer(caller);
    const credential = findVisibleCredentialAnyOrg(deps, viewer, c.req.param("id"));
    const settings = clientSettings(deps, credential.orgId, credential.accessKeyId, secretPlaceholder);
    return c.json({ access_key_id: credential.accessKeyId, secret_placeholder: secretPlaceholder, configuration: configurationJson(settings) });
  });

  api.post("/credentials/:id/renew", async (c) => {
    const caller = await callerOf(c);
    const credential = findVisibleCredentialAnyOrg(deps, keyViewer(caller), c.req.param("id"));
    requireManage(caller, credential, "renew");
    const renewed = ctx.credentials.renew(credential.accessKeyId, { actor: `user:${caller.user.id}`, sourceAddress: clientAddress(c) });
    onCredentialsChanged();
    return c.json(credentialJson(renewed, keyViewer(caller)));
  });

  api.post("/credentials/:id/revoke", async (c) => {
    const caller = await callerOf(c);
    const credential = findVisibleCredentialAnyOrg(deps, keyViewer(caller), c.req.param("id"));
    const revoked = ctx.credentials.revoke(credential.accessKeyId, { actor: `user:${caller.user.id}`, sourceAddress: clientAddress(c) });
    onCredentialsChanged();
    return c.json(credentialJson(revoked, keyViewer(caller)));
  });

  api.delete("/credentials/:id", async (c) => {
    const caller = await callerOf(c);
    const credential = findVisibleCredentialAnyOrg(deps, keyViewer(caller), c.req.param("id"));
    requireManage(caller, credential, "delete");
    const revokeIfActive = c.req.query("revoke") === "true";
    ctx.credentials.delete(credential.accessKeyId, { actor: `user:${caller.user.id}`, sourceAddress: clientAddress(c) }, { revokeIfActive });
    onCredentialsChanged();
    return c.body(null, 204);
  });

  api.get("/organizations/:org/audit-events", async (c) => {
    const caller = await callerOf(c);
    const viewer = keyViewer(caller);
    const orgId = requireMemberOrg(viewer, c.req.param("org"));
    if (!seesWholeOrg(viewer, orgId)) {
      throw new ConsoleError(403, "not_org_admin", `Only admins of organization "${orgId}" can read its audit trail.`);
    }
    const limit = positiveInteger(c.req.query("limit"), "limit", 100, maxAuditPage);
    const before = c.req.query("before") === undefined ? undefined : positiveInteger(c.req.query("before"), "before", 1, Number.MAX_SAFE_INTEGER);
    const events = listAuditEventsBefore(ctx.db, orgId, before, limit);
    const last = events.at(-1);
    return c.json({ events: events.map(auditEventRecord), next_before: events.length === limit && last ? last.id : null });
  });

  api.all("*", (c) => {
    throw new ConsoleError(404, "not_found", `There is no API route ${c.req.method} ${c.req.path}: see /api/v1/openapi.json for the routes.`);
  });
  return api;
}

/**
 * Authenticates a request by bearer token or session cookie, and checks the CSRF token of
 * cookie-authenticated POST and DELETE requests.
 * @throws {ConsoleError} 401 when neither authenticates, 403 for a missing or wrong CSRF token.
 */
async function authenticate(c: Context<WebEnv>, { ctx }: ConsoleDeps, bearer: BearerAuthenticator | undefined): Promise<ApiCaller> {
  const authorization = c.req.header("Authorization");
  if (authorization !== undefined) {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    if (token === undefined) throw new ConsoleError(401, "unauthenticated", 'The Authorization header is not a bearer token: send "Authorization: Bearer TOKEN".');
    if (!bearer) throw new ConsoleError(401, "unauthenticated", "This gateway has no identity provider configured, so it does not accept bearer tokens: use the console's session cookie.");
    const identity = await bearer(token);
    if (!identity) throw new ConsoleError(401, "unauthenticated", "The bearer token is invalid or expired: get a new one from the identity provider.");
    const user = ctx.users.get(identity.userId);
    return { user, memberships: ctx.users.memberships(user.id), authenticatedBy: "bearer" };
  }

  const session = c.get("session");
  if (!session) throw new ConsoleError(401, "unauthenticated", "Sign in first: send the console's session cookie or a bearer token.");
  if (c.req.method !== "GET" && c.req.method !== "HEAD" && !tokensEqual(session.csrfToken, c.req.header(csrfHeaderName) ?? "")) {
    throw new ConsoleError(403, "csrf_rejected", `Requests authenticated by the session cookie must send the session's CSRF token in ${csrfHeaderName}; GET /api/v1/session returns it.`);
  }
  const user = ctx.users.get(session.userId);
  return { user, memberships: ctx.users.memberships(user.id), authenticatedBy: "session", session };
}

function tokensEqual(expected: string, presented: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** @throws {NotFoundError} when the caller is not a member of the organization. */
function requireMemberOrg(viewer: KeyViewer, orgId: string): string {
  if (roleIn(viewer, orgId) === undefined) throw new NotFoundError(`Organization "${orgId.slice(0, 128)}" was not found among your organizations.`);
  return orgId;
}

function visibleIn({ ctx }: ConsoleDeps, viewer: KeyViewer, orgId: string): CredentialSummary[] {
  return ctx.credentials.list(orgId).filter((credential) => canView(viewer, credential));
}

function credentialJson(credential: CredentialSummary, viewer: KeyViewer) {
  const actions = actionsFor(viewer, credential);
  return {
    access_key_id: credential.accessKeyId,
    org: credential.orgId,
    label: credential.label,
    status: credential.status,
    access: credential.scope.access,
    buckets: credential.scope.buckets,
    created_by: credential.createdBy,
    created_at: credential.createdAt.toISOString(),
    expires_at: credential.expiresAt.toISOString(),
    revoked_at: credential.revokedAt?.toISOString() ?? null,
    last_used_at: credential.lastUsedAt?.toISOString() ?? null,
    last_used_from: credential.lastUsedFrom,
    lifetime_seconds: Math.round(credential.lifetimeMs / 1000),
    actions: { view_configuration: actions.viewConfiguration, renew: actions.renew, revoke: actions.revoke, delete: actions.delete },
  };
}

function clientSettings({ ctx }: ConsoleDeps, orgId: string, accessKeyId: string, secretAccessKey: string): ClientSettings {
  return { accessKeyId, secretAccessKey, region: ctx.config.region, endpointUrl: ctx.config.publicS3Url, profile: `${ctx.config.profilePrefix}${orgId}` };
}

function configurationJson(settings: ClientSettings) {
  return {
    profile: settings.profile,
    region: settings.region,
    endpoint_url: settings.endpointUrl,
    aws_cli: awsCliConfigLines(settings).join("\n"),
    environment: environmentSnippet(settings),
    boto3: boto3Snippet(settings),
    rclone: rcloneSnippet(settings),
  };
}

/** The limit error, with the active keys the caller could revoke to make room. */
class ApiLimitError extends ConsoleError {
  constructor(
    message: string,
    readonly revocable: string[],
  ) {
    super(409, "limit_exceeded", message);
  }
}

function limitError(deps: ConsoleDeps, viewer: KeyViewer, orgId: string, error: LimitExceededError): ApiLimitError {
  const revocable = visibleIn(deps, viewer, orgId)
    .filter((credential) => actionsFor(viewer, credential).revoke)
    .map((credential) => credential.accessKeyId);
  return new ApiLimitError(error.message, revocable);
}

/**
 * Reads a JSON object body and rejects fields outside `allowed`, so a misspelt or unsupported
 * field fails loudly instead of being ignored.
 * @throws {InvalidInputError} naming the first unknown field.
 */
async function readJsonObject(c: Context, allowed: readonly string[]): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  if (!(c.req.header("Content-Type") ?? "").startsWith("application/json")) {
    throw new InvalidInputError("The request body must be JSON: send it with Content-Type: application/json.");
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError("The request body is not valid JSON: send an object such as {\"label\": \"backup\"}.", { cause: error });
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new InvalidInputError("The request body must be a JSON object.");
  const unknown = Object.keys(body).find((name) => !allowed.includes(name));
  if (unknown !== undefined) {
    throw new InvalidInputError(`Unknown field "${unknown.slice(0, 60)}" in the request body: the accepted fields are ${allowed.join(", ")}.`);
  }
  return body as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new InvalidInputError(`Invalid "${name}": expected a string.`);
  return value;
}

function optionalStringList(body: Record<string, unknown>, name: string): string[] | null | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new InvalidInputError(`Invalid "${name}": expected an array of bucket names, or null for every bucket.`);
  }
  return value;
}

function positiveInteger(text: string | undefined, name: string, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1 || value > max) throw new InvalidInputError(`Invalid ${name} "${text.slice(0, 20)}": use a whole number from 1 to ${max}.`);
  return value;
}

function optionalSource(c: Context<WebEnv>): { sourceAddress?: string } {
  const address = clientAddress(c);
  return address === undefined ? {} : { sourceAddress: address };
}

/** HTTP status of the services' stable error codes. */
const serviceStatuses: Record<string, ContentfulStatusCode> = {
  invalid_input: 400,
  not_found: 404,
  conflict: 409,
  limit_exceeded: 409,
};

/** Renders an error as `{ "error": { "code", "message", "request_id" } }`; the API has no other error renderer. */
function apiErrorResponse(c: Context<WebEnv>, error: unknown, { logger }: ConsoleDeps): Response {
  const requestId = c.get("requestId") ?? "unknown";
  let status: ContentfulStatusCode = 500;
  let code = "internal_error";
  let message = "The server could not complete the request. Try again; if it keeps failing, give the request id to your administrator.";
  if (error instanceof ConsoleError) {
    status = error.status;
    code = error.code;
    message = error.message;
  } else if (error instanceof GatewayError && serviceStatuses[error.code] !== undefined) {
    status = serviceStatuses[error.code] ?? 400;
    code = error.code;
    message = error.message;
  }
  if (status >= 500) logger.error({ err: error, requestId, path: c.req.path }, "API request failed");
  else logger.info({ requestId, path: c.req.path, status, code }, "API request rejected");
  const extra = error instanceof ApiLimitError ? { revocable: error.revocable } : {};
  return c.json({ error: { code, message, request_id: requestId, ...extra } }, status);
}
