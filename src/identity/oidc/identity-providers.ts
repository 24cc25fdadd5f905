/**
 * The configured identity providers, discovered and checked once at start-up.
 */
import { ConfigError } from "../../errors.ts";
import type { Logger } from "../../log/logger.ts";
import { discoverProvider, type DiscoveredProvider } from "./discovery.ts";
import { loadIdentitySettings, type IdentitySettings } from "./provider-settings.ts";

/** How long start-up waits for each provider's discovery document. */
const discoveryTimeoutMs = 10_000;

/** A sign-in button on the login page. */
export interface ProviderButton {
  id: string;
  displayName: string;
}

export class IdentityProviders {
  private readonly byId: Map<string, DiscoveredProvider>;

  constructor(
    providers: DiscoveredProvider[],
    /** Whether the e-mail and password form is offered and accepted. */
    readonly localAccounts: boolean,
    /** Whom users should ask to enable their organization; undefined for a generic wording. */
    readonly supportContact: string | undefined,
  ) {
    this.byId = new Map(providers.map((provider) => [provider.settings.id, provider]));
  }

  /** Local accounts only, the embedded default when no provider file is configured. */
  static none(): IdentityProviders {
    return new IdentityProviders([], true, undefined);
  }

  get(id: string): DiscoveredProvider | undefined {
    return this.byId.get(id);
  }

  /** Providers in the order of the configuration file. */
  list(): DiscoveredProvider[] {
    return [...this.byId.values()];
  }

  /** Buttons in the order of the configuration file. */
  buttons(): ProviderButton[] {
    return [...this.byId.values()].map((provider) => ({ id: provider.settings.id, displayName: provider.settings.displayName }));
  }
}

/**
 * Reads the provider file, discovers every provider and checks each against its settings. Logs
 * what does not stop the gateway, such as a provider that does not advertise PKCE.
 * @param path value of `S3GATEWAY_OIDC_CONFIG`; undefined for local accounts only.
 * @throws {ConfigError} listing every provider that cannot be used, with the cause and the fix.
 */
export async function loadIdentityProviders(path: string | undefined, logger: Logger, env: Record<string, string | undefined> = process.env): Promise<IdentityProviders> {
  if (path === undefined) return IdentityProviders.none();
  const settings: IdentitySettings = loadIdentitySettings(path, env);

  const results = await Promise.all(settings.providers.map((provider) => discoverProvider(provider, discoveryTimeoutMs)));
  const problems: string[] = [];
  const providers: DiscoveredProvider[] = [];
  results.forEach((result, index) => {
    const { id, issuer } = settings.providers[index] ?? { id: "?", issuer: "?" };
    for (const warning of result.warnings) logger.warn({ provider: id, issuer }, `identity provider ${id}: ${warning}`);
    for (const problem of result.problems) problems.push(`providers[${index}] ("${id}", ${issuer}): ${problem}`);
    if (result.provider) providers.push(result.provider);
  });
  if (problems.length > 0) {
    throw new ConfigError(
      [`The identity provider file "${path}" (S3GATEWAY_OIDC_CONFIG) names providers the gateway cannot use:`, ...problems.map((problem) => `  - ${problem}`)].join("\n"),
    );
  }

  for (const provider of providers) {
    logger.info(
      { provider: provider.settings.id, issuer: provider.settings.issuer, mapping: provider.settings.organizations.mapping },
      "identity provider ready",
    );
  }
  return new IdentityProviders(providers, settings.localAccounts, settings.supportContact);
}
