/**
 * Who may see and change which credentials. Members see and manage the keys they generated.
 * Organization admins see and revoke every key of their organization. Platform admins are admins
 * of every organization. The console and the JSON API both decide through these functions.
 */
import type { Membership, OrgRole } from "../identity/users.ts";
import type { CredentialSummary } from "./credentials.ts";

/** A signed-in user as the permission checks need them. */
export interface KeyViewer {
  userId: string;
  isPlatformAdmin: boolean;
  /** The user's organizations; for a platform admin, every organization as admin. */
  memberships: readonly Pick<Membership, "orgId" | "role">[];
}

/** What the viewer may do with one credential, given its status. */
export interface CredentialActions {
  viewConfiguration: boolean;
  renew: boolean;
  revoke: boolean;
  delete: boolean;
}

export function roleIn(viewer: KeyViewer, orgId: string): OrgRole | undefined {
  if (viewer.isPlatformAdmin) return "admin";
  return viewer.memberships.find((membership) => membership.orgId === orgId)?.role;
}

/** Checks whether the viewer sees every key of the organization, not only their own. */
export function seesWholeOrg(viewer: KeyViewer, orgId: string): boolean {
  return roleIn(viewer, orgId) === "admin";
}

/** Checks whether the viewer may see a credential (and so revoke it while active). */
export function canView(viewer: KeyViewer, credential: Pick<CredentialSummary, "orgId" | "createdBy">): boolean {
  const role = roleIn(viewer, credential.orgId);
  if (role === undefined) return false;
  return role === "admin" || credential.createdBy === viewer.userId;
}

/**
 * Checks whether the viewer may renew or delete a credential: its creator, or for a key created
 * with the CLI (no creator), an admin of its organization.
 */
export function canManage(viewer: KeyViewer, credential: Pick<CredentialSummary, "orgId" | "createdBy">): boolean {
  const role = roleIn(viewer, credential.orgId);
  if (role === undefined) return false;
  if (credential.createdBy === null) return role === "admin";
  return credential.createdBy === viewer.userId;
}

/** Lists the actions the history offers for a credential. */
export function actionsFor(viewer: KeyViewer, credential: CredentialSummary): CredentialActions {
  const visible = canView(viewer, credential);
  const manage = canManage(viewer, credential);
  const active = credential.status === "active";
  return {
    viewConfiguration: visible,
    renew: manage && active,
    revoke: visible && active,
    delete: manage,
  };
}
