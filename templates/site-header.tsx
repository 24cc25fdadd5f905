/**
 * The bar at the top of every page: the product name, and for a signed-in user the
 * organization selector, their e-mail and the sign-out button.
 */
import type { Membership } from "../src/identity/users.ts";

export function AnonymousHeader() {
  return (
    <header class="topbar">
      <a class="brand" href="/">
        S3 Gateway
      </a>
    </header>
  );
}

export interface SignedInHeaderProps {
  email: string;
  memberships: Membership[];
  currentOrgId: string | undefined;
  csrfToken: string;
}

export function SignedInHeader(props: SignedInHeaderProps) {
  return (
    <header class="topbar">
      <a class="brand" href="/">
        S3 Gateway
      </a>
      <div class="topbar-tools">
        {props.memberships.length > 1 ? <OrgSelector {...props} /> : null}
        <span class="user-email" data-testid="user-email">
          {props.email}
        </span>
        <form method="post" action="/logout">
          <input type="hidden" name="_csrf" value={props.csrfToken} />
          <button type="submit" class="button button-quiet" data-testid="sign-out">
            Sign out
          </button>
        </form>
      </div>
    </header>
  );
}

/** Renders a plain form, so it works without JavaScript. console.js submits it when the selection changes. */
function OrgSelector(props: SignedInHeaderProps) {
  return (
    <form class="org-switch" method="post" action="/org">
      <input type="hidden" name="_csrf" value={props.csrfToken} />
      <label for="org-select" class="visually-hidden">
        Organization
      </label>
      <select id="org-select" name="orgId" data-testid="org-select" data-submit-on-change="">
        {props.memberships.map((m) => (
          <option value={m.orgId} selected={m.orgId === props.currentOrgId}>
            {m.orgName}
          </option>
        ))}
      </select>
      <button type="submit" class="button button-quiet org-switch-button">
        Switch
      </button>
    </form>
  );
}
