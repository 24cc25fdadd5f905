/**
 * The page for a user of an identity provider who belongs to no organization: neither the token
 * nor an operator names one. No session is started.
 */
import { Layout, type AssetUrls } from "../layout.tsx";
import { AnonymousHeader } from "../site-header.tsx";
import { AccountFacts, ContactAdvice, LeaveLinks, type AccountView } from "./access-page-parts.tsx";

export interface NoOrganizationPageProps {
  assets: AssetUrls;
  account: AccountView;
  supportContact: string | undefined;
  providerSignOutUrl: string | undefined;
}

export function ProviderNoOrganizationPage(props: NoOrganizationPageProps) {
  return (
    <Layout title="No organization" assets={props.assets} header={<AnonymousHeader />}>
      <section class="card narrow" data-testid="provider-no-organization">
        <h1>Your account is not in any organization</h1>
        <p>
          {`${props.account.providerName} signed you in, but your account does not belong to any organization in S3 Gateway. Access keys belong to an organization, so you need one before you can generate keys.`}
        </p>
        <ContactAdvice supportContact={props.supportContact} request="to add your account to your organization" />
        <AccountFacts account={props.account} />
        <LeaveLinks providerName={props.account.providerName} providerSignOutUrl={props.providerSignOutUrl} />
      </section>
    </Layout>
  );
}
