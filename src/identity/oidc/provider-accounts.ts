/**
 * Users of identity providers: found by issuer and subject, never by e-mail, and brought up to
 * date at each sign-in with the organizations and roles their token maps to.
 */
import { and, eq } from "drizzle-orm";
import { recordAudit } from "../../db/audit.ts";
import { memberships, organizations, users } from "../../db/schema.ts";
import { ConflictError } from "../../errors.ts";
import type { GatewayContext } from "../../context.ts";
import type { OrgRole, User } from "../users.ts";
import { mapClaims, type MappedClaims, type TokenOrganization } from "./claim-mapping.ts";
import type { DiscoveredProvider } from "./discovery.ts";
import { SignInError } from "./sign-in-error.ts";

export type SignInOutcome =
  /** `currentOrgId` is null only for a platform admin while no organization exists. */
  | { kind: "signed_in"; user: User; currentOrgId: string | null; verifiedOrgIds: string[] }
  /** The token names organizations, but none is enabled and the user has no other membership. */
  | { kind: "organization_not_enabled"; user: User; subject: string; organizations: TokenOrganization[] }
  /** Neither the token nor an operator gives the user any organization. */
  | { kind: "no_organization"; user: User; subject: string };

export interface SignInResult {
  outcome: SignInOutcome;
  mapped: MappedClaims;
  /** Organizations created by this sign-in, because the provider allows it. */
  createdOrgIds: string[];
}

type AccountContext = Pick<GatewayContext, "db" | "organizations" | "users" | "config">;

/** Maximum length of a stored display e-mail, the same as for local accounts. */
const maxEmailLength = 254;

export class ProviderAccounts {
  constructor(
    private readonly ctx: AccountContext,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Records a verified sign-in: creates or updates the user, creates organizations the provider
   * may create, refreshes the memberships and roles the token carries, and decides where the
   * user lands.
   * @param requestedOrganization organization asked for with Auth0's `organization` parameter.
   * @throws {SignInError} when the token names another organization than the one requested.
   */
  recordSignIn(provider: DiscoveredProvider, claims: Record<string, unknown> & { sub: string }, requestedOrganization: string | undefined): SignInResult {
    const { settings } = provider;
    const mapped = mapClaims(settings, claims);
    const tokenOrgId = mapped.organizations[0]?.id;
    if (requestedOrganization !== undefined && tokenOrgId !== requestedOrganization) {
      throw new SignInError(
        "organization_mismatch",
        `You asked to switch to organization "${requestedOrganization}", but ${settings.displayName} signed you in to "${tokenOrgId ?? "no organization"}". Pick the organization again.`,
        { requested: requestedOrganization, received: tokenOrgId ?? "" },
      );
    }

    const actor = `provider:${settings.id}`;
    const { enabled, notEnabled, created } = this.enableOrganizations(provider, mapped.organizations, actor);
    const user = this.saveUser(provider, claims, mapped, enabled, actor);

    const verifiedOrgIds = settings.organizations.mapping === "auth0" ? enabled.map((org) => org.id) : [];
    const usable = this.ctx.users.memberships(user.id).filter((membership) => {
      if (user.isPlatformAdmin || settings.organizations.mapping !== "auth0") return true;
      return !this.isProviderMembership(user.id, membership.orgId) || verifiedOrgIds.includes(membership.orgId);
    });
    const currentOrgId = verifiedOrgIds[0] ?? usable[0]?.orgId ?? null;

    let outcome: SignInOutcome;
    if (currentOrgId !== null || user.isPlatformAdmin) outcome = { kind: "signed_in", user, currentOrgId, verifiedOrgIds };
    else if (notEnabled.length > 0) outcome = { kind: "organization_not_enabled", user, subject: claims.sub, organizations: notEnabled };
    else outcome = { kind: "no_organization", user, subject: claims.sub };
    return { outcome, mapped, createdOrgIds: created };
  }

  /** Returns the id of the user with this issuer and subject, or undefined when no one has signed in with them. */
  findUserId(issuer: string, subject: string): string | undefined {
    return this.ctx.db.select({ id: users.id }).from(users).where(and(eq(users.issuer, issuer), eq(users.subject, subject))).get()?.id;
  }

  /**
   * Checks whether switching to `orgId` needs the provider to confirm the membership again. With
   * the Auth0 mapping a token names one organization, so an organization known from an earlier
   * sign-in is confirmed with a new sign-in that names it. Platform admins and memberships an
   * operator assigned need no confirmation.
   * NOTE: only `POST /org` asks this. When a session's organization is removed, the console's
   * session middleware moves the session to the user's first membership without asking.
   */
  needsConfirmation(provider: DiscoveredProvider, user: User, orgId: string, verifiedOrgIds: string[]): boolean {
    if (provider.settings.organizations.mapping !== "auth0" || user.isPlatformAdmin) return false;
    return this.isProviderMembership(user.id, orgId) && !verifiedOrgIds.includes(orgId);
  }

  /** Removes a membership taken from the provider's tokens, after the provider refused to confirm it. */
  removeProviderMembership(provider: DiscoveredProvider, userId: string, orgId: string): void {
    this.ctx.db.transaction((tx) => {
      const removed = tx
        .delete(memberships)
        .where(and(eq(memberships.userId, userId), eq(memberships.orgId, orgId), eq(memberships.source, "provider")))
        .returning()
        .all();
      if (removed.length > 0) {
        recordAudit(tx, { actor: `provider:${provider.settings.id}`, action: "membership.removed", orgId, target: userId, detail: { reason: "not confirmed by provider" } }, this.now());
      }
    });
  }

  private isProviderMembership(userId: string, orgId: string): boolean {
    const row = this.ctx.db
      .select({ source: memberships.source })
      .from(memberships)
      .where(and(eq(memberships.userId, userId), eq(memberships.orgId, orgId)))
      .get();
    return row?.source === "provider";
  }

  /**
   * Splits the token's organizations into those that exist and those that do not. With
   * `autoCreate`, missing ones are created from the connector template first.
   */
  private enableOrganizations(
    provider: DiscoveredProvider,
    tokenOrganizations: TokenOrganization[],
    actor: string,
  ): { enabled: TokenOrganization[]; notEnabled: TokenOrganization[]; created: string[] } {
    const mapping = provider.settings.organizations;
    const enabled: TokenOrganization[] = [];
    const notEnabled: TokenOrganization[] = [];
    const created: string[] = [];
    for (const org of tokenOrganizations) {
      if (this.organizationExists(org.id)) {
        enabled.push(org);
        continue;
      }
      if (mapping.mapping === "static" || !mapping.autoCreate) {
        notEnabled.push(org);
        continue;
      }
      try {
        this.ctx.organizations.create({ id: org.id, name: org.name.slice(0, 200), connectors: mapping.connectors ?? this.ctx.config.connectorTemplate }, actor);
        created.push(org.id);
      } catch (error) {
        // Another sign-in created it at the same moment.
        if (!(error instanceof ConflictError)) throw error;
      }
      enabled.push(org);
    }
    return { enabled, notEnabled, created };
  }

  private organizationExists(orgId: string): boolean {
    return this.ctx.db.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, orgId)).get() !== undefined;
  }

  /** Creates or updates the user, and applies the roles and memberships the token maps to. */
  private saveUser(
    provider: DiscoveredProvider,
    claims: Record<string, unknown> & { sub: string },
    mapped: MappedClaims,
    enabled: TokenOrganization[],
    actor: string,
  ): User {
    const { settings } = provider;
    const issuer = settings.issuer;
    const displayEmail = displayNameOf(claims);
    const now = this.now();

    return this.ctx.db.transaction((tx) => {
      let row = tx.select().from(users).where(and(eq(users.issuer, issuer), eq(users.subject, claims.sub))).get();
      if (!row) {
        row = { id: crypto.randomUUID(), email: displayEmail, passwordHash: null, isPlatformAdmin: mapped.platformAdmin ?? false, createdAt: now, issuer, subject: claims.sub };
        tx.insert(users).values(row).run();
        recordAudit(tx, { actor, action: "user.created", target: displayEmail, detail: { issuer, subject: claims.sub } }, now);
      } else if (row.email !== displayEmail) {
        tx.update(users).set({ email: displayEmail }).where(eq(users.id, row.id)).run();
      }

      let isPlatformAdmin = row.isPlatformAdmin;
      if (mapped.platformAdmin !== undefined && mapped.platformAdmin !== row.isPlatformAdmin) {
        isPlatformAdmin = mapped.platformAdmin;
        tx.update(users).set({ isPlatformAdmin }).where(eq(users.id, row.id)).run();
        recordAudit(tx, { actor, action: "user.platform_admin_changed", target: displayEmail, detail: { platformAdmin: isPlatformAdmin } }, now);
      }

      if (settings.organizations.mapping !== "static") {
        const role: OrgRole = mapped.orgAdmin ? "admin" : "member";
        const existing = tx.select().from(memberships).where(eq(memberships.userId, row.id)).all();
        for (const org of enabled) {
          const current = existing.find((membership) => membership.orgId === org.id);
          if (!current) {
            tx.insert(memberships).values({ userId: row.id, orgId: org.id, role, source: "provider" }).run();
            recordAudit(tx, { actor, action: "membership.added", orgId: org.id, target: displayEmail, detail: { role } }, now);
          } else if (current.source === "provider" && current.role !== role) {
            tx.update(memberships).set({ role }).where(and(eq(memberships.userId, row.id), eq(memberships.orgId, org.id))).run();
            recordAudit(tx, { actor, action: "membership.role_changed", orgId: org.id, target: displayEmail, detail: { role } }, now);
          }
        }
        // A claim lists every organization of the user, so a provider membership it no longer
        // names has ended. An Auth0 token names one organization, so the others stay.
        if (settings.organizations.mapping === "claim") {
          for (const membership of existing) {
            if (membership.source !== "provider" || enabled.some((org) => org.id === membership.orgId)) continue;
            tx.delete(memberships).where(and(eq(memberships.userId, row.id), eq(memberships.orgId, membership.orgId))).run();
            recordAudit(tx, { actor, action: "membership.removed", orgId: membership.orgId, target: displayEmail }, now);
          }
        }
      }
      return { id: row.id, email: displayEmail, isPlatformAdmin };
    });
  }
}

/**
 * Picks what the console shows for the user: the e-mail, else the preferred username, else the
 * subject. It is never used to find the user.
 */
function displayNameOf(claims: Record<string, unknown> & { sub: string }): string {
  for (const name of ["email", "preferred_username"]) {
    const value = claims[name];
    if (typeof value === "string" && value.trim() !== "") return value.trim().slice(0, maxEmailLength);
  }
  return claims.sub.slice(0, maxEmailLength);
}
