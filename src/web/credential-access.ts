/**
 * Finding the credentials a signed-in user may see and change, shared by the console's routes and
 * the JSON API. A key of another organization, or one the user may not see, is reported like a
 * missing one, so a response never reveals that it exists.
 */
import type { Context } from "hono";
import { inArray } from "drizzle-orm";
import type { HistoryRow } from "../../templates/dashboard/credential-history.tsx";
import type { CredentialSummary } from "../credentials/credentials.ts";
import { isWellFormedAccessKeyId } from "../credentials/key-format.ts";
import { actionsFor, canManage, canView, seesWholeOrg, type KeyViewer } from "../credentials/permissions.ts";
import { users } from "../db/schema.ts";
import { InvalidInputError, NotFoundError } from "../errors.ts";
import type { Membership, User } from "../identity/users.ts";
import type { KeyAccess } from "../tenancy/scope.ts";
import { ConsoleError } from "./console-error.ts";
import type { ConsoleDeps } from "./env.ts";

/** Builds the permission view of a signed-in user. */
export function keyViewer(signedIn: { user: User; memberships: readonly Membership[] }): KeyViewer {
  return { userId: signedIn.user.id, isPlatformAdmin: signedIn.user.isPlatformAdmin, memberships: signedIn.memberships };
}

/**
 * Returns the credential when it belongs to `org` and the viewer may see it.
 * @throws {NotFoundError} otherwise, with the same message whether or not the key exists.
 */
export function findVisibleCredential(
  { ctx, logger }: Pick<ConsoleDeps, "ctx" | "logger">,
  viewer: KeyViewer,
  org: Pick<Membership, "orgId" | "orgName">,
  accessKeyId: string,
  requestId: string,
): CredentialSummary {
  const credential = lookup(ctx, accessKeyId);
  if (credential && credential.orgId === org.orgId && canView(viewer, credential)) return credential;
  if (credential) {
    logger.warn({ requestId, userId: viewer.userId, orgId: org.orgId, accessKeyId }, "credential action rejected: the key is not visible to this user in this organization");
  }
  throw new NotFoundError(`Access key "${accessKeyId.slice(0, 40)}" was not found in organization "${org.orgName}": reload the page to see its keys.`);
}

/**
 * Returns the credential when the viewer may see it, whatever its organization (the API's
 * `/credentials/{id}` routes, where the key id names the organization).
 * @throws {NotFoundError} otherwise.
 */
export function findVisibleCredentialAnyOrg({ ctx }: Pick<ConsoleDeps, "ctx">, viewer: KeyViewer, accessKeyId: string): CredentialSummary {
  const credential = lookup(ctx, accessKeyId);
  if (credential && canView(viewer, credential)) return credential;
  throw new NotFoundError(`Access key "${accessKeyId.slice(0, 40)}" was not found among the keys you can see.`);
}

/** @throws {ConsoleError} 403 when the viewer may see the credential but not renew or delete it. */
export function requireManage(signedIn: { user: User; memberships: readonly Membership[] }, credential: CredentialSummary, action: "renew" | "delete"): void {
  if (canManage(keyViewer(signedIn), credential)) return;
  throw new ConsoleError(403, "not_key_owner", `Only the person who generated access key ${credential.accessKeyId} can ${action} it. As an admin you can revoke it.`);
}

/** Lists the history rows the viewer may see in an organization, with the actions of each. */
export function historyRows({ ctx }: Pick<ConsoleDeps, "ctx">, viewer: KeyViewer, orgId: string): { rows: HistoryRow[]; wholeOrg: boolean } {
  const wholeOrg = seesWholeOrg(viewer, orgId);
  const credentials = wholeOrg ? ctx.credentials.list(orgId) : ctx.credentials.list(orgId, { createdBy: viewer.userId });
  const creatorIds = [...new Set(credentials.map((credential) => credential.createdBy).filter((id): id is string => id !== null))];
  const emails = new Map(
    creatorIds.length === 0 ? [] : ctx.db.select({ id: users.id, email: users.email }).from(users).where(inArray(users.id, creatorIds)).all().map((row) => [row.id, row.email] as const),
  );
  const rows = credentials.map((credential) => ({
    credential,
    actions: actionsFor(viewer, credential),
    createdBy: credential.createdBy === null ? "command line" : (emails.get(credential.createdBy) ?? "a deleted user"),
  }));
  return { rows, wholeOrg };
}

/** The label and scope chosen in the console's Generate form. */
export interface ScopeFields {
  label: string | undefined;
  scope: { access?: KeyAccess; buckets?: string[] | null };
}

/**
 * Reads the Generate form. The bucket checkboxes count only when the form marks that it listed
 * them (`bucketScope=listed`). All of them checked means every bucket, including ones added later.
 * @throws {InvalidInputError} when the body is not a readable form.
 */
export async function readScopeFields(c: Context, connectors: readonly string[]): Promise<ScopeFields> {
  const contentType = c.req.header("Content-Type") ?? "";
  if (!contentType.startsWith("application/x-www-form-urlencoded") && !contentType.startsWith("multipart/form-data")) return { label: undefined, scope: {} };
  let body: Record<string, string | File | (string | File)[]>;
  try {
    body = await c.req.parseBody({ all: true });
  } catch (error) {
    throw new InvalidInputError("The form could not be read: reload the page and submit it again.", { cause: error });
  }
  const single = (name: string) => {
    const value = body[name];
    return typeof value === "string" ? value : undefined;
  };
  const listed = body["bucket"];
  let values: (string | File)[] = [];
  if (Array.isArray(listed)) values = listed;
  else if (listed !== undefined) values = [listed];
  const checked = values.filter((value): value is string => typeof value === "string");
  const scope: ScopeFields["scope"] = {};
  const access = single("access");
  if (access !== undefined) scope.access = access as KeyAccess;
  if (single("bucketScope") === "listed") {
    const everyBucket = connectors.length > 0 && connectors.every((bucket) => checked.includes(bucket));
    scope.buckets = everyBucket ? null : checked;
  }
  return { label: single("label"), scope };
}

function lookup(ctx: ConsoleDeps["ctx"], accessKeyId: string): CredentialSummary | undefined {
  if (!isWellFormedAccessKeyId(accessKeyId)) return undefined;
  try {
    return ctx.credentials.get(accessKeyId);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}
