/**
 * The console's key actions for the session's current organization: generate, view
 * configuration, renew, revoke and delete. Each responds to htmx with fragments, and to plain
 * form posts with a whole page or a redirect.
 */
import type { Context, Hono } from "hono";
import type { Child } from "hono/jsx";
import { ConfigurationPanel } from "../../../templates/dashboard/configuration-panel.tsx";
import { CredentialHistory, type CredentialHistoryProps } from "../../../templates/dashboard/credential-history.tsx";
import { ClearedAlert, ClearedPanel, DashboardPage, StatusAlert } from "../../../templates/dashboard/dashboard-page.tsx";
import { LimitPanel } from "../../../templates/dashboard/limit-panel.tsx";
import { NewCredentialPanel } from "../../../templates/dashboard/new-credential-panel.tsx";
import { LimitExceededError } from "../../errors.ts";
import type { Membership } from "../../identity/users.ts";
import { clientAddress } from "../client-address.ts";
import { ConsoleError } from "../console-error.ts";
import { findVisibleCredential, historyRows, keyViewer, readScopeFields, requireManage } from "../credential-access.ts";
import type { ConsoleDeps, SignedInUser, WebEnv } from "../env.ts";
import { readForm } from "../form.ts";
import { formatUtc } from "../format.ts";
import { renderFragment, renderPage } from "../render.ts";
import { isHtmxRequest } from "../session-middleware.ts";
import { dashboardProps } from "./dashboard.tsx";

export function registerCredentialRoutes(app: Hono<WebEnv>, deps: ConsoleDeps): void {
  const { ctx, logger, onCredentialsChanged } = deps;

  app.post("/credentials", async (c) => {
    const signedIn = c.get("signedIn");
    const org = requireOrg(signedIn);
    const fields = await readScopeFields(c, ctx.organizations.connectorsOf(org.orgId));
    const sourceAddress = clientAddress(c);
    let credential;
    try {
      credential = ctx.credentials.create({
        orgId: org.orgId,
        createdBy: signedIn.user.id,
        actor: `user:${signedIn.user.id}`,
        scope: fields.scope,
        ...(fields.label === undefined ? {} : { label: fields.label }),
        ...(sourceAddress === undefined ? {} : { sourceAddress }),
      });
    } catch (error) {
      if (error instanceof LimitExceededError) return respondWithPanel(c, deps, org, limitPanel(c, deps, org), 409);
      throw error;
    }
    onCredentialsChanged();
    logger.info(
      { requestId: c.get("requestId"), userId: signedIn.user.id, orgId: org.orgId, accessKeyId: credential.accessKeyId },
      "credential generated in the console",
    );
    const panel = (
      <NewCredentialPanel
        credential={credential}
        orgName={org.orgName}
        profile={`${ctx.config.profilePrefix}${org.orgId}`}
        region={ctx.config.region}
        endpointUrl={ctx.config.publicS3Url}
      />
    );
    return respondWithPanel(c, deps, org, panel);
  });

  app.get("/credentials/:accessKeyId/configuration", (c) => {
    const signedIn = c.get("signedIn");
    const org = requireOrg(signedIn);
    const credential = findVisibleCredential(deps, keyViewer(signedIn), org, c.req.param("accessKeyId"), c.get("requestId"));
    const panel = (
      <ConfigurationPanel
        credential={credential}
        profile={`${ctx.config.profilePrefix}${org.orgId}`}
        region={ctx.config.region}
        endpointUrl={ctx.config.publicS3Url}
      />
    );
    if (!isHtmxRequest(c)) return renderPage(c, <DashboardPage {...dashboardProps(deps, signedIn, org, panel)} />);
    return renderFragment(c, panel);
  });

  app.post("/credentials/:accessKeyId/renew", (c) => {
    const signedIn = c.get("signedIn");
    const org = requireOrg(signedIn);
    const credential = findVisibleCredential(deps, keyViewer(signedIn), org, c.req.param("accessKeyId"), c.get("requestId"));
    requireManage(signedIn, credential, "renew");
    const renewed = ctx.credentials.renew(credential.accessKeyId, { actor: `user:${signedIn.user.id}`, sourceAddress: clientAddress(c) });
    onCredentialsChanged();
    return respondWithHistory(c, deps, org, <StatusAlert message={`Renewed ${renewed.accessKeyId}: it now expires at ${formatUtc(renewed.expiresAt)}.`} />);
  });

  app.post("/credentials/:accessKeyId/revoke", async (c) => {
    const signedIn = c.get("signedIn");
    const org = requireOrg(signedIn);
    const credential = findVisibleCredential(deps, keyViewer(signedIn), org, c.req.param("accessKeyId"), c.get("requestId"));
    ctx.credentials.revoke(credential.accessKeyId, { actor: `user:${signedIn.user.id}`, sourceAddress: clientAddress(c) });
    onCredentialsChanged();
    const fromLimitPanel = (await readForm(c)).get("from") === "limit";
    return respondWithHistory(
      c,
      deps,
      org,
      <>
        <StatusAlert message={`Revoked ${credential.accessKeyId}. Requests signed with it are rejected from now on.`} />
        {fromLimitPanel ? <ClearedPanel /> : null}
      </>,
    );
  });

  app.post("/credentials/:accessKeyId/delete", async (c) => {
    const signedIn = c.get("signedIn");
    const org = requireOrg(signedIn);
    const credential = findVisibleCredential(deps, keyViewer(signedIn), org, c.req.param("accessKeyId"), c.get("requestId"));
    requireManage(signedIn, credential, "delete");
    const revokeIfActive = (await readForm(c)).get("revoke") === "true";
    ctx.credentials.delete(credential.accessKeyId, { actor: `user:${signedIn.user.id}`, sourceAddress: clientAddress(c) }, { revokeIfActive });
    onCredentialsChanged();
    return respondWithHistory(c, deps, org, <StatusAlert message={`Deleted ${credential.accessKeyId} from the history. The audit trail keeps its record.`} />);
  });
}

export function requireOrg(signedIn: SignedInUser): Membership {
  if (signedIn.currentOrg) return signedIn.currentOrg;
  throw new ConsoleError(
    403,
    "no_organization",
    "You are not a member of any organization, so you cannot generate or manage keys. Ask a platform administrator to add you to one.",
  );
}

/** Builds the history fragment's properties for the session's user and organization. */
export function historyProps(deps: ConsoleDeps, signedIn: SignedInUser, org: Membership, outOfBand = false): CredentialHistoryProps {
  const { ctx } = deps;
  const { rows, wholeOrg } = historyRows(deps, keyViewer(signedIn), org.orgId);
  return {
    rows,
    wholeOrg,
    activeCount: ctx.credentials.activeCount(org.orgId),
    maxActive: ctx.config.maxActiveCredentials,
    orgName: org.orgName,
    csrfToken: signedIn.session.csrfToken,
    now: new Date(),
    outOfBand,
  };
}

/**
 * Responds to an action on the panel under the form. htmx gets the panel plus the history out of
 * band; a plain form post gets the whole page with the panel in place.
 */
function respondWithPanel(c: Context<WebEnv>, deps: ConsoleDeps, org: Membership, panel: Child, status: 200 | 409 = 200) {
  const signedIn = c.get("signedIn");
  if (!isHtmxRequest(c)) return renderPage(c, <DashboardPage {...dashboardProps(deps, signedIn, org, panel)} />, status);
  const fragment = (
    <>
      {panel}
      <CredentialHistory {...historyProps(deps, signedIn, org, true)} />
      <ClearedAlert />
    </>
  );
  return renderFragment(c, fragment, status);
}

/** Responds to a row action: htmx gets the history and an alert, a plain form post a redirect. */
function respondWithHistory(c: Context<WebEnv>, deps: ConsoleDeps, org: Membership, alert: Child) {
  if (!isHtmxRequest(c)) return c.redirect("/", 303);
  const fragment = (
    <>
      <CredentialHistory {...historyProps(deps, c.get("signedIn"), org)} />
      {alert}
    </>
  );
  return renderFragment(c, fragment);
}

function limitPanel(c: Context<WebEnv>, deps: ConsoleDeps, org: Membership) {
  const signedIn = c.get("signedIn");
  const { rows } = historyRows(deps, keyViewer(signedIn), org.orgId);
  const active = deps.ctx.credentials.list(org.orgId).filter((credential) => credential.status === "active");
  const revocable = rows
    .filter((row) => row.actions.revoke)
    .map((row) => row.credential)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const nextExpiry = active.map((credential) => credential.expiresAt).sort((a, b) => a.getTime() - b.getTime())[0];
  return (
    <LimitPanel
      orgName={org.orgName}
      maxActive={deps.ctx.config.maxActiveCredentials}
      revocable={revocable}
      nextExpiry={nextExpiry}
      csrfToken={signedIn.session.csrfToken}
    />
  );
}
