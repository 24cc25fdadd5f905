/**
 * Server and CLI configuration: defaults, environment variables (`S3GATEWAY_*`) and flags,
 * validated once at start-up so that a bad value stops the program with a message naming it.
 */
import { accessSync, constants } from "node:fs";
import { resolve } from "node:path";
import { ConfigError } from "./errors.ts";
import { loadStorageSettings, type StorageSettings } from "./storage/minio/minio-config.ts";

/** A listener address. */
export interface ListenAddress {
  host: string;
  port: number;
}

export interface GatewayConfig {
  /** Folder holding the metadata database, object data and the master key. */
  dataDir: string;
  s3Listen: ListenAddress;
  webListen: ListenAddress;
  /** Certificate and key files (PEM) for serving the S3 endpoint over TLS; absent for plain HTTP. */
  s3Tls?: { certFile: string; keyFile: string };
  /**
   * Domains under which the S3 endpoint accepts virtual-hosted-style requests: a request to
   * `azure.s3.example.com` with domain `s3.example.com` addresses bucket `azure`.
   */
  s3Domains: string[];
  /** S3 endpoint URL printed in the console snippets and used for `endpoint_url`. */
  publicS3Url: string;
  /** Console URL printed at start-up and used in the first-administrator setup link. */
  publicWebUrl: string;
  /** Region that clients sign for and that the console snippets name. */
  region: string;
  /** Prefix of the AWS CLI profile name printed in the console (`<prefix><org>`). */
  profilePrefix: string;
  /** Connector buckets a new organization gets when none are named. */
  connectorTemplate: string[];
  /** Largest object accepted, by single PUT or as a multipart total, in bytes. */
  maxObjectSize: number;
  /** Lifetime of a new credential, in milliseconds. */
  credentialTtlMs: number;
  /** Active credentials allowed per organization. */
  maxActiveCredentials: number;
  /** Maximum age of a credential from its creation, renewals included, in milliseconds. Undefined means no limit. */
  credentialMaxAgeMs: number | undefined;
  /**
   * Master key file named by S3GATEWAY_MASTER_KEY_FILE. Undefined for the embedded default,
   * `<data dir>/master.key`, which is created on first start; a named file must already exist.
   */
  masterKeyFile: string | undefined;
  /** Largest difference between the request's signing time and the server clock, in milliseconds. */
  maxClockSkewMs: number;
  /**
   * When false, object data and the index are not synced to disk before a write is acknowledged.
   * Faster, but a power loss can lose acknowledged writes.
   */
  fsync: boolean;
  logLevel: "debug" | "info" | "warn" | "error";
  /** Storage backend: the local filesystem, or MinIO with its endpoint and root credentials. */
  storage: StorageSettings;
  /**
   * Identity provider file named by S3GATEWAY_OIDC_CONFIG; undefined for local accounts only. It
   * is read and checked when the server starts (see identity/oidc/provider-settings.ts).
   */
  oidcConfigPath: string | undefined;
}

export const GiB = 1024 ** 3;

const durationUnits: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a duration such as `90s`, `30m`, `24h` or `7d` into milliseconds.
 * @throws {ConfigError} when the text is not a positive whole number followed by s, m, h or d.
 */
export function parseDuration(text: string, name: string): number {
  const match = /^(\d+)([smhd])$/.exec(text.trim());
  const unit = match?.[2];
  if (!match?.[1] || !unit) {
    throw new ConfigError(`Invalid ${name} "${text}": use a whole number followed by s, m, h or d, such as 24h.`);
  }
  const value = Number(match[1]) * (durationUnits[unit] ?? 0);
  if (value <= 0) throw new ConfigError(`Invalid ${name} "${text}": the duration must be greater than zero.`);
  return value;
}

const sizeUnits: Record<string, number> = { "": 1, b: 1, kib: 1024, mib: 1024 ** 2, gib: GiB, tib: 1024 ** 4 };

/**
 * Parses a size such as `5GiB`, `512MiB` or `1048576` into bytes.
 * @throws {ConfigError} when the text is not a whole number with an optional binary unit.
 */
export function parseSize(text: string, name: string): number {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  const factor = sizeUnits[(match?.[2] ?? "x").toLowerCase()];
  if (!match?.[1] || factor === undefined) {
    throw new ConfigError(`Invalid ${name} "${text}": use a whole number of bytes or a unit KiB, MiB, GiB or TiB, such as 5GiB.`);
  }
  return Number(match[1]) * factor;
}

/**
 * Parses `HOST:PORT` (IPv6 hosts in brackets, `[::1]:9000`).
 * @throws {ConfigError} when the host or port is missing or the port is out of range.
 */
export function parseListenAddress(text: string, name: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!host || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`Invalid ${name} "${text}": use HOST:PORT, such as 127.0.0.1:7070 or [::1]:7070.`);
  }
  return { host, port };
}

/** Formats an address as a URL authority, bracketing IPv6 hosts. */
export function formatAuthority(address: ListenAddress): string {
  return address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** Values given on the command line; each overrides its environment variable. */
export interface ConfigOverrides {
  dataDir?: string | undefined;
  s3Addr?: string | undefined;
  webAddr?: string | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
}

type Environment = Record<string, string | undefined>;

/**
 * Builds the configuration from defaults, the environment and command-line overrides.
 * @throws {ConfigError} naming the first invalid setting and how to fix it.
 */
export function loadConfig(overrides: ConfigOverrides = {}, env: Environment = process.env): GatewayConfig {
  const s3Listen = parseListenAddress(overrides.s3Addr ?? env.S3GATEWAY_S3_ADDR ?? "127.0.0.1:7070", "S3 listen address");
  const webListen = parseListenAddress(overrides.webAddr ?? env.S3GATEWAY_WEB_ADDR ?? "127.0.0.1:7071", "web listen address");
  if (s3Listen.port !== 0 && s3Listen.port === webListen.port && s3Listen.host === webListen.host) {
    throw new ConfigError(`The S3 and console listeners both use ${formatAuthority(s3Listen)}: give them different ports with --s3-addr and --web-addr.`);
  }
  const connectorTemplate = (env.S3GATEWAY_CONNECTOR_TEMPLATE ?? "azure,sentinelone,vmware")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  const logLevel = env.S3GATEWAY_LOG_LEVEL ?? "info";
  if (logLevel !== "debug" && logLevel !== "info" && logLevel !== "warn" && logLevel !== "error") {
    throw new ConfigError(`Invalid S3GATEWAY_LOG_LEVEL "${logLevel}": use debug, info, warn or error.`);
  }
  const maxActive = Number(env.S3GATEWAY_MAX_ACTIVE_CREDENTIALS ?? "10");
  if (!Number.isInteger(maxActive) || maxActive < 1) {
    throw new ConfigError(
      `Invalid S3GATEWAY_MAX_ACTIVE_CREDENTIALS "${env.S3GATEWAY_MAX_ACTIVE_CREDENTIALS}": use a whole number of at least 1.`,
    );
  }
  const syncSetting = env.S3GATEWAY_UNSAFE_SKIP_FSYNC ?? "false";
  if (syncSetting !== "true" && syncSetting !== "false") {
    throw new ConfigError(`Invalid S3GATEWAY_UNSAFE_SKIP_FSYNC "${syncSetting}": use true or false.`);
  }
  const s3Tls = loadTlsFiles(overrides.tlsCert ?? env.S3GATEWAY_TLS_CERT, overrides.tlsKey ?? env.S3GATEWAY_TLS_KEY);
  const s3Domains = (env.S3GATEWAY_S3_DOMAINS ?? "")
    .split(",")
    .map((domain) => domain.trim().toLowerCase())
    .filter((domain) => domain !== "");
  for (const domain of s3Domains) {
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(domain)) {
      throw new ConfigError(`Invalid S3GATEWAY_S3_DOMAINS entry "${domain}": use host names such as s3.example.com, separated by commas.`);
    }
  }
  return {
    dataDir: resolve(overrides.dataDir ?? env.S3GATEWAY_DATA_DIR ?? "data"),
    s3Listen,
    webListen,
    ...(s3Tls ? { s3Tls } : {}),
    s3Domains,
    publicS3Url: trimSlash(env.S3GATEWAY_PUBLIC_S3_URL ?? `${s3Tls ? "https" : "http"}://${formatAuthority(s3Listen)}`),
    publicWebUrl: trimSlash(env.S3GATEWAY_PUBLIC_WEB_URL ?? `http://${formatAuthority(webListen)}`),
    region: env.S3GATEWAY_REGION ?? "us-east-1",
    profilePrefix: env.S3GATEWAY_PROFILE_PREFIX ?? "s3gw_",
    connectorTemplate,
    maxObjectSize: parseSize(env.S3GATEWAY_MAX_OBJECT_SIZE ?? "5GiB", "S3GATEWAY_MAX_OBJECT_SIZE"),
    credentialTtlMs: parseDuration(env.S3GATEWAY_CREDENTIAL_TTL ?? "24h", "S3GATEWAY_CREDENTIAL_TTL"),
    maxActiveCredentials: maxActive,
    credentialMaxAgeMs: env.S3GATEWAY_CREDENTIAL_MAX_AGE ? parseDuration(env.S3GATEWAY_CREDENTIAL_MAX_AGE, "S3GATEWAY_CREDENTIAL_MAX_AGE") : undefined,
    masterKeyFile: env.S3GATEWAY_MASTER_KEY_FILE ? resolve(env.S3GATEWAY_MASTER_KEY_FILE) : undefined,
    maxClockSkewMs: 15 * 60_000,
    fsync: syncSetting === "false",
    logLevel,
    storage: loadStorageSettings(env),
    oidcConfigPath: env.S3GATEWAY_OIDC_CONFIG ? resolve(env.S3GATEWAY_OIDC_CONFIG) : undefined,
  };
}

/**
 * Checks the TLS certificate and key options: both or neither, each a readable file.
 * @throws {ConfigError} naming the missing or unreadable file.
 */
function loadTlsFiles(certFile: string | undefined, keyFile: string | undefined): { certFile: string; keyFile: string } | undefined {
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) {
    throw new ConfigError(`TLS needs both a certificate and a key: pass --tls-cert FILE and --tls-key FILE (or S3GATEWAY_TLS_CERT and S3GATEWAY_TLS_KEY).`);
  }
  for (const [flag, file] of [["--tls-cert", certFile], ["--tls-key", keyFile]] as const) {
    try {
      accessSync(file, constants.R_OK);
    } catch {
      throw new ConfigError(`Cannot read the ${flag} file "${file}": check the path and its permissions.`);
    }
  }
  return { certFile: resolve(certFile), keyFile: resolve(keyFile) };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
