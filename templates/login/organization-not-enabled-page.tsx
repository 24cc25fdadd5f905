/**
 * The page for a user whose identity provider names organizations that the gateway does not
 * serve yet. No session is started.
 */
import { Layout, type AssetUrls } from "../layout.tsx";
import { AnonymousHeader } from "../site-header.tsx";
import { AccountFacts, ContactAdvice, LeaveLinks, type AccountView } from "./access-page-parts.tsx";

export interface OrganizationNotEnabledPageProps {
  assets: AssetUrls;
  account: AccountView;
  organizations: { id: string; name: string }[];
  supportContact: string | undefined;
  /** The provider's end-session URL, so the user can sign in there with another account. */
  providerSignOutUrl: string | undefined;
}

export function OrganizationNotEnabledPage(props: OrganizationNotEnabledPageProps) {
  const several = props.organizations.length > 1;
  return (
    <Layout title="Organization not enabled" assets={props.assets} header={<AnonymousHeader />}>
      <section class="card narrow" data-testid="organization-not-enabled">
        <h1>{several ? "Your organizations are not enabled yet" : "Your organization is not enabled yet"}</h1>
        <p>
          {`${props.account.providerName} signed you in as a member of ${several ? "these organizations" : "this organization"}, but S3 Gateway does not serve ${several ? "them" : "it"} yet:`}
        </p>
        <ul class="plain-list" data-testid="not-enabled-organizations">
          {props.organizations.map((org) => (
            <li>
              <strong>{org.name}</strong>
              {org.name === org.id ? null : <code>{` ${org.id}`}</code>}
            </li>
          ))}
        </ul>
        <ContactAdvice
          supportContact={props.supportContact}
          request={`to enable ${several ? "your organization" : `"${props.organizations[0]?.name ?? ""}"`} in S3 Gateway`}
        />
        <p class="muted small">
          An operator enables an organization with <code>s3gateway org create ORG_ID --name NAME</code>.
        </p>
        <AccountFacts account={props.account} />
        <LeaveLinks providerName={props.account.providerName} providerSignOutUrl={props.providerSignOutUrl} />
      </section>
    </Layout>
  );
}
