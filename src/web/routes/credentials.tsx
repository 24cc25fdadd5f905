/**
 * Generating and revoking the access keys of the session's current organization.
 */
import type { Context, Hono } from "hono";
import { CredentialHistory } from "../../../templates/dashboard/credential-history.tsx";
import { ClearedAlert, DashboardPage } from "../../../templates/dashboard/dashboard-page.tsx";
import { NewCredentialPanel, type NewCredentialPanelProps } from "../../../templates/dashboard/new-credential-panel.tsx";
import { isWellFormedAccessKeyId } from "../../credentials/key-format.ts";
import type { CredentialSummary } from "../../credentials/credentials.ts";
import { NotFoundError } from "../../errors.ts";
import type { Membership } from "../../identity/users.ts";
import { clientAddress } from "../client-address.ts";
import { ConsoleError } from "../console-error.ts";
import type { ConsoleDeps, SignedInUser, WebEnv } from "../env.ts";
import { renderFragment, renderPage } from "../render.ts";
import { isHtmxRequest } from "../session-middleware.ts";
import { dashboardProps } from "./dashboard.tsx";

export function registerCredentialRoutes(app: Hono<WebEnv>, deps: ConsoleDeps): void {
  const { ctx, logger, onCredentialsChanged } = deps;

  app.post("/credentials", (c) => {
    const signedIn = c.get("signedIn");
    const org = requireOrg(signedIn);
    const sourceAddress = clientAddress(c);
    const credential = ctx.credentials.create({
      orgId: org.orgId,
      createdBy: signedIn.user.id,
      actor: `user:${signedIn.user.id}`,
      ...(sourceAddress === undefined ? {} : { sourceAddress }),
    });
    onCredentialsChanged();
    logger.info(
      { requestId: c.get("requestId"), userId: signedIn.user.id, orgId: org.orgId, accessKeyId: credential.accessKeyId },
      "credential generated in the console",
    );

    const panel: NewCredentialPanelProps = {
      credential,
      orgName: org.orgName,
      profile: `${ctx.config.profilePrefix}${org.orgId}`,
      region: ctx.config.region,
      endpointUrl: ctx.config.publicS3Url,
    };
    if (!isHtmxRequest(c)) {
      return renderPage(c, <DashboardPage {...dashboardProps(deps, signedIn, org, panel)} />);
    }
    const fragment = (
      <>
        <NewCredentialPanel {...panel} />
        {history(c, deps, org, true)}
        <ClearedAlert />
      </>
    );
    return renderFragment(c, fragment);
  });

  app.post("/credentials/:accessKeyId/revoke", (c) => {
    const signedIn = c.get("signedIn");
    const org = requireOrg(signedIn);
    const accessKeyId = c.req.param("accessKeyId");
    const credential = findInOrg(deps, org, accessKeyId);
    if (!credential) {
      logger.warn(
        { requestId: c.get("requestId"), userId: signedIn.user.id, orgId: org.orgId, accessKeyId },
        "revoke rejected: the access key is not in the session's organization",
      );
      throw new NotFoundError(`Access key "${accessKeyId}" was not found in organization "${org.orgName}": reload the page to see its keys.`);
    }

    ctx.credentials.revoke(credential.accessKeyId, `user:${signedIn.user.id}`, clientAddress(c));
    onCredentialsChanged();
    if (!isHtmxRequest(c)) return c.redirect("/", 303);
    const fragment = (
      <>
        {history(c, deps, org, false)}
        <ClearedAlert />
      </>
    );
    return renderFragment(c, fragment);
  });
}

function requireOrg(signedIn: SignedInUser): Membership {
  if (signedIn.currentOrg) return signedIn.currentOrg;
  throw new ConsoleError(
    403,
    "no_organization",
    "You are not a member of any organization, so you cannot generate or revoke keys. Ask a platform administrator to add you to one.",
  );
}

/**
 * Returns the credential when it belongs to `org`. A key of another organization is reported
 * like a missing one, so the response does not reveal that it exists.
 */
function findInOrg({ ctx }: ConsoleDeps, org: Membership, accessKeyId: string): CredentialSummary | undefined {
  if (!isWellFormedAccessKeyId(accessKeyId)) return undefined;
  try {
    const credential = ctx.credentials.get(accessKeyId);
    return credential.orgId === org.orgId ? credential : undefined;
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

function history(c: Context<WebEnv>, { ctx }: ConsoleDeps, org: Membership, outOfBand: boolean) {
  return (
    <CredentialHistory
      credentials={ctx.credentials.list(org.orgId)}
      maxActive={ctx.config.maxActiveCredentials}
      csrfToken={c.get("signedIn").session.csrfToken}
      outOfBand={outOfBand}
    />
  );
}
