/**
 * The start page for a signed-in user who belongs to no organization.
 */
import { Layout, type AssetUrls } from "../layout.tsx";
import { SignedInHeader } from "../site-header.tsx";

export interface NoOrganizationPageProps {
  assets: AssetUrls;
  csrfToken: string;
  email: string;
  isPlatformAdmin: boolean;
}

export function NoOrganizationPage(props: NoOrganizationPageProps) {
  const header = <SignedInHeader email={props.email} memberships={[]} currentOrgId={undefined} csrfToken={props.csrfToken} />;
  return (
    <Layout title="No organization" assets={props.assets} csrfToken={props.csrfToken} header={header}>
      <section class="card narrow" data-testid="no-organization">
        <h1>You are not in any organization yet</h1>
        <p>Access keys belong to an organization, so you need to be a member of one before you can generate keys.</p>
        {props.isPlatformAdmin ? (
          <p>
            No organization exists yet. As a platform administrator you can create one with{" "}
            <code>s3gateway org create ORG_ID --name NAME</code>, then reload this page.
          </p>
        ) : (
          <p>
            Ask a platform administrator to add your account, <strong>{props.email}</strong>, to your organization, then
            reload this page.
          </p>
        )}
      </section>
    </Layout>
  );
}
