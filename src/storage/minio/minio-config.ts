/**
 * Settings of the storage backend: `filesystem` (the default) or `minio`, with the MinIO
 * endpoint, region, TLS trust, root credentials and physical bucket naming. Root credentials come
 * from files or the environment and are kept out of logs and JSON output.
 */
import { readFileSync } from "node:fs";
import { ConfigError } from "../../errors.ts";
import { defaultBucketTemplate, parseBucketTemplate, type BucketTemplate } from "../../tenancy/physical-names.ts";
import type { AdminKeyDerivation } from "./admin-payload-crypto.ts";
import type { UpstreamCredentials } from "./upstream-signing.ts";

/** Root (admin) credentials of the MinIO deployment. The secret never appears in JSON or logs. */
export class RootCredentials implements UpstreamCredentials {
  readonly accessKeyId: string;
  readonly #secretAccessKey: string;

  constructor(accessKeyId: string, secretAccessKey: string) {
    this.accessKeyId = accessKeyId;
    this.#secretAccessKey = secretAccessKey;
  }

  get secretAccessKey(): string {
    return this.#secretAccessKey;
  }

  toJSON(): { accessKeyId: string; secretAccessKey: string } {
    return { accessKeyId: this.accessKeyId, secretAccessKey: "[redacted]" };
  }
}

export interface MinioSettings {
  /** `http://` or `https://` URL of the MinIO S3 API, without a path. */
  endpoint: URL;
  region: string;
  /** PEM file with extra certificate authorities to trust for an `https` endpoint. */
  caFile?: string;
  root: RootCredentials;
  bucketTemplate: BucketTemplate;
  /**
   * False when `S3GATEWAY_MINIO_UNSAFE_SHARED_CREDENTIALS=true`: every organization's traffic is
   * signed with the root credentials and no MinIO users, policies or service accounts are made.
   * For S3 services without MinIO's admin API; the upstream then no longer enforces the
   * boundary between organizations a second time.
   */
  serviceAccounts: boolean;
  /** Key derivation for encrypted admin request bodies; `pbkdf2` works with FIPS builds too. */
  adminKeyDerivation: AdminKeyDerivation;
}

export type StorageSettings = { backend: "filesystem" } | { backend: "minio"; minio: MinioSettings };

type Environment = Record<string, string | undefined>;

/**
 * Reads the storage settings from `S3GATEWAY_STORAGE` and the `S3GATEWAY_MINIO_*` variables.
 * @throws {ConfigError} naming the first invalid or missing setting.
 */
export function loadStorageSettings(env: Environment): StorageSettings {
  const backend = env.S3GATEWAY_STORAGE ?? "filesystem";
  if (backend === "filesystem") return { backend };
  if (backend !== "minio") throw new ConfigError(`Invalid S3GATEWAY_STORAGE "${backend}": use filesystem or minio.`);

  const endpointText = env.S3GATEWAY_MINIO_ENDPOINT;
  if (endpointText === undefined || endpointText.trim() === "") {
    throw new ConfigError("Missing S3GATEWAY_MINIO_ENDPOINT: set it to the MinIO S3 API address, such as http://minio:9000, when S3GATEWAY_STORAGE is minio.");
  }
  const endpoint = parseEndpoint(endpointText.trim());
  const caFile = env.S3GATEWAY_MINIO_CA_FILE;
  if (caFile !== undefined) readSetting(caFile, "S3GATEWAY_MINIO_CA_FILE");
  const unsafeShared = env.S3GATEWAY_MINIO_UNSAFE_SHARED_CREDENTIALS ?? "false";
  if (unsafeShared !== "true" && unsafeShared !== "false") {
    throw new ConfigError(`Invalid S3GATEWAY_MINIO_UNSAFE_SHARED_CREDENTIALS "${unsafeShared}": use true or false.`);
  }
  const derivation = env.S3GATEWAY_MINIO_ADMIN_KDF ?? "pbkdf2";
  if (derivation !== "pbkdf2" && derivation !== "argon2id") {
    throw new ConfigError(`Invalid S3GATEWAY_MINIO_ADMIN_KDF "${derivation}": use pbkdf2 or argon2id.`);
  }
  return {
    backend,
    minio: {
      endpoint,
      region: env.S3GATEWAY_MINIO_REGION ?? "us-east-1",
      ...(caFile !== undefined ? { caFile } : {}),
      root: new RootCredentials(
        secretSetting(env, "S3GATEWAY_MINIO_ROOT_USER"),
        secretSetting(env, "S3GATEWAY_MINIO_ROOT_PASSWORD"),
      ),
      bucketTemplate: parseBucketTemplate(env.S3GATEWAY_MINIO_BUCKET_TEMPLATE ?? defaultBucketTemplate),
      serviceAccounts: unsafeShared === "false",
      adminKeyDerivation: derivation,
    },
  };
}

function parseEndpoint(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`Invalid S3GATEWAY_MINIO_ENDPOINT "${text}": use a URL such as http://minio:9000 or https://minio.example.com.`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.username !== "" || url.password !== "" || (url.pathname !== "/" && url.pathname !== "") || url.search !== "") {
    throw new ConfigError(`Invalid S3GATEWAY_MINIO_ENDPOINT "${text}": use http:// or https:// with a host and port only, no path, query or credentials.`);
  }
  return url;
}

/**
 * Reads `NAME` or the file named by `NAME_FILE` (trailing newline removed), but not both.
 * @throws {ConfigError} when neither or both are set, or the file cannot be read or is empty.
 */
function secretSetting(env: Environment, name: string): string {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct !== undefined && file !== undefined) throw new ConfigError(`Both ${name} and ${name}_FILE are set: keep only one.`);
  if (file !== undefined) {
    const value = readSetting(file, `${name}_FILE`).replace(/\r?\n$/, "");
    if (value === "") throw new ConfigError(`The ${name}_FILE file "${file}" is empty: write the value into it.`);
    return value;
  }
  if (direct === undefined || direct === "") throw new ConfigError(`Missing ${name}: set ${name}_FILE to a file containing it (or ${name}) when S3GATEWAY_STORAGE is minio.`);
  return direct;
}

function readSetting(file: string, name: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    throw new ConfigError(`Cannot read the ${name} file "${file}": check the path and its permissions.`);
  }
}
