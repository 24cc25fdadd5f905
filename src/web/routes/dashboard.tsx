/**
 * The start page and switching the organization the session works in.
 */
import type { Hono } from "hono";
import type { Child } from "hono/jsx";
import { DashboardPage, type DashboardPageProps } from "../../../templates/dashboard/dashboard-page.tsx";
import { NoOrganizationPage } from "../../../templates/dashboard/no-organization-page.tsx";
import type { Membership } from "../../identity/users.ts";
import { ConsoleError } from "../console-error.ts";
import type { ConsoleDeps, SignedInUser, WebEnv } from "../env.ts";
import { formatDuration } from "../format.ts";
import { readForm } from "../form.ts";
import { renderPage } from "../render.ts";
import { historyProps } from "./credentials.tsx";

export function registerDashboardRoutes(app: Hono<WebEnv>, deps: ConsoleDeps): void {
  const { sessions, assets } = deps;

  app.get("/", (c) => {
    const signedIn = c.get("signedIn");
    if (!signedIn.currentOrg) {
      const page = (
        <NoOrganizationPage
          assets={assets}
          csrfToken={signedIn.session.csrfToken}
          email={signedIn.user.email}
          isPlatformAdmin={signedIn.user.isPlatformAdmin}
        />
      );
      return renderPage(c, page);
    }
    return renderPage(c, <DashboardPage {...dashboardProps(deps, signedIn, signedIn.currentOrg)} />);
  });

  app.post("/org", async (c) => {
    const { session, memberships } = c.get("signedIn");
    const orgId = (await readForm(c)).get("orgId") ?? "";
    if (!memberships.some((m) => m.orgId === orgId)) {
      throw new ConsoleError(403, "not_a_member", `You are not a member of organization "${orgId}": pick one from the list.`);
    }
    sessions.setCurrentOrg(session, orgId);
    return c.redirect("/", 303);
  });
}

/**
 * Collects what the dashboard page shows for the session's current organization; `panel` goes
 * under the Generate form (a new key, a key's configuration or the limit notice).
 */
export function dashboardProps(deps: ConsoleDeps, signedIn: SignedInUser, org: Membership, panel?: Child): DashboardPageProps {
  const { ctx, assets } = deps;
  return {
    assets,
    csrfToken: signedIn.session.csrfToken,
    email: signedIn.user.email,
    memberships: signedIn.memberships,
    org,
    connectors: ctx.organizations.connectorsOf(org.orgId),
    keyLifetime: formatDuration(ctx.config.credentialTtlMs),
    history: historyProps(deps, signedIn, org),
    panel,
  };
}
