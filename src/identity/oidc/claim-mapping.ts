/**
 * Turning verified ID token claims into the organizations and roles of a sign-in, according to
 * the provider's organization and role mapping.
 */
import { InvalidInputError } from "../../errors.ts";
import { assertValidOrgId } from "../../tenancy/names.ts";
import type { ClaimPath, ProviderSettings } from "./provider-settings.ts";

/** An organization a token names, with the display name to create it with. */
export interface TokenOrganization {
  id: string;
  name: string;
}

export interface MappedClaims {
  organizations: TokenOrganization[];
  /** Values that matched the mapping but are not valid organization ids, for the log. */
  invalidOrganizationIds: string[];
  /** Whether the token makes the user an admin of the organizations above. */
  orgAdmin: boolean;
  /** Whether the token makes the user a platform admin; undefined when the CLI decides. */
  platformAdmin: boolean | undefined;
}

/** Applies the provider's organization and role mapping to the claims of a verified ID token. */
export function mapClaims(settings: ProviderSettings, claims: Record<string, unknown>): MappedClaims {
  const found = findOrganizations(settings, claims);
  const organizations = new Map<string, TokenOrganization>();
  const invalidOrganizationIds: string[] = [];
  for (const org of found) {
    if (isValidOrgId(org.id)) organizations.set(org.id, org);
    else invalidOrganizationIds.push(org.id);
  }

  const roles = settings.roles;
  const roleValues = roles ? claimValues(readClaim(claims, roles.claim)) : [];
  return {
    organizations: [...organizations.values()],
    invalidOrganizationIds,
    orgAdmin: roles !== undefined && roles.orgAdmin.some((value) => roleValues.includes(value)),
    platformAdmin: roles?.platformAdmin === undefined ? undefined : roles.platformAdmin.some((value) => roleValues.includes(value)),
  };
}

function findOrganizations(settings: ProviderSettings, claims: Record<string, unknown>): TokenOrganization[] {
  const mapping = settings.organizations;
  switch (mapping.mapping) {
    case "auth0": {
      const id = claims.org_id;
      if (typeof id !== "string" || id === "") return [];
      const name = typeof claims.org_name === "string" && claims.org_name.trim() !== "" ? claims.org_name.trim() : id;
      return [{ id, name }];
    }
    case "claim":
      return claimValues(readClaim(claims, mapping.claim)).flatMap((value) => {
        const id = organizationIdFrom(value, mapping.pattern);
        return id === undefined ? [] : [{ id, name: id }];
      });
    case "static":
      return [];
  }
}

/**
 * Applies the pattern to one claim value: its first capture group is the organization id, or the
 * whole match when it has no group. Without a pattern the value itself is the id.
 */
function organizationIdFrom(value: string, pattern: RegExp | undefined): string | undefined {
  if (!pattern) return value;
  const match = pattern.exec(value);
  if (!match) return undefined;
  return match[1] ?? match[0];
}

function isValidOrgId(id: string): boolean {
  try {
    assertValidOrgId(id);
    return true;
  } catch (error) {
    if (error instanceof InvalidInputError) return false;
    throw error;
  }
}

/** Reads the claim at `path`, descending into nested objects; undefined when a step is missing. */
export function readClaim(claims: Record<string, unknown>, path: ClaimPath): unknown {
  let value: unknown = claims;
  for (const name of path) {
    if (typeof value !== "object" || value === null || Array.isArray(value) || !Object.hasOwn(value, name)) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}

/**
 * Lists the strings a claim carries: a string is one value, a list gives its strings, and an
 * object gives its keys, as Keycloak's `organization` claim does when it includes attributes.
 */
export function claimValues(value: unknown): string[] {
  if (typeof value === "string") return value === "" ? [] : [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === "string" && item !== "");
  if (typeof value === "object" && value !== null) return Object.keys(value);
  return [];
}
