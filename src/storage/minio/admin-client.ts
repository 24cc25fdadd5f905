/**
 * The parts of MinIO's admin API (`/minio/admin/v3`) that provisioning uses: users, canned
 * policies and service accounts. Requests are signed with the root credentials; bodies that carry
 * secrets are encrypted with the root secret key as madmin-go does.
 * @see https://github.com/minio/madmin-go
 */
import { decryptAdminPayload, encryptAdminPayload, type AdminKeyDerivation } from "./admin-payload-crypto.ts";
import type { UpstreamClient, UpstreamRequest } from "./upstream-client.ts";
import type { UpstreamCredentials } from "./upstream-signing.ts";

const adminPrefix = "/minio/admin/v3";

/** A failed admin call: the operation, HTTP status and MinIO's error code, never a secret. */
export class AdminApiError extends Error {
  readonly status: number;
  readonly adminCode: string | undefined;

  constructor(operation: string, status: number, adminCode: string | undefined) {
    super(`The MinIO admin API answered ${operation} with HTTP ${status}${adminCode ? ` ${adminCode}` : ""}.`);
    this.name = "AdminApiError";
    this.status = status;
    this.adminCode = adminCode;
  }
}

/** An IAM policy document. */
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: { Effect: "Allow" | "Deny"; Action: string[]; Resource: string[] }[];
}

export interface ServiceAccountInfo {
  parentUser: string;
  accountStatus: string;
}

export class MinioAdminClient {
  readonly #client: UpstreamClient;
  readonly #root: UpstreamCredentials;
  readonly #derivation: AdminKeyDerivation;

  constructor(client: UpstreamClient, root: UpstreamCredentials, derivation: AdminKeyDerivation) {
    this.#client = client;
    this.#root = root;
    this.#derivation = derivation;
  }

  /** Returns whether a built-in user exists. */
  async userExists(user: string): Promise<boolean> {
    const response = await this.#call("user-info", { method: "GET", query: [["accessKey", user]] });
    if (response.status === 200) return true;
    if (response.code === "XMinioAdminNoSuchUser" || response.status === 404) return false;
    throw new AdminApiError("user-info", response.status, response.code);
  }

  /** Creates or updates an enabled built-in user. */
  async addUser(user: string, secretKey: string): Promise<void> {
    const body = this.#encrypt({ secretKey, status: "enabled" });
    await this.#expect("add-user", { method: "PUT", query: [["accessKey", user]], body }, 200);
  }

  /** Returns a canned policy's document, or undefined when there is none of that name. */
  async getPolicy(name: string): Promise<unknown> {
    const response = await this.#call("info-canned-policy", { method: "GET", query: [["name", name], ["v", "2"]] });
    if (response.status === 200) return (JSON.parse(response.body.toString("utf8")) as { Policy?: unknown }).Policy;
    if (response.code === "XMinioAdminNoSuchPolicy" || response.status === 404) return undefined;
    throw new AdminApiError("info-canned-policy", response.status, response.code);
  }

  /** Creates or replaces a canned policy. */
  async putPolicy(name: string, document: PolicyDocument): Promise<void> {
    await this.#expect("add-canned-policy", { method: "PUT", query: [["name", name]], body: Buffer.from(JSON.stringify(document)) }, 200);
  }

  /** Sets the user's policy to exactly `policy`, replacing any other. */
  async setUserPolicy(user: string, policy: string): Promise<void> {
    const query: [string, string][] = [
      ["policyName", policy],
      ["userOrGroup", user],
      ["isGroup", "false"],
    ];
    await this.#expect("set-user-or-group-policy", { method: "PUT", query }, 200);
  }

  /** Returns the names of the policies attached to a user, or undefined when it does not exist. */
  async userPolicies(user: string): Promise<string[] | undefined> {
    const response = await this.#call("user-info", { method: "GET", query: [["accessKey", user]] });
    if (response.code === "XMinioAdminNoSuchUser" || response.status === 404) return undefined;
    if (response.status !== 200) throw new AdminApiError("user-info", response.status, response.code);
    const info = JSON.parse(response.body.toString("utf8")) as { policyName?: string };
    return (info.policyName ?? "").split(",").filter((name) => name !== "");
  }

  /** Creates a service account with the given keys under `parentUser`, inheriting its policy. */
  async addServiceAccount(parentUser: string, accessKey: string, secretKey: string, description: string): Promise<void> {
    const body = this.#encrypt({ targetUser: parentUser, accessKey, secretKey, name: "s3gateway", description });
    await this.#expect("add-service-account", { method: "PUT", body }, 200);
  }

  /**
   * Returns a service account's parent user and status, or undefined when it does not exist.
   * Decrypting the response derives an Argon2id key (64 MiB, about half a second), so pass
   * `details` false when existence is all that matters; parent and status are then empty.
   */
  async serviceAccountInfo(accessKey: string, details = true): Promise<ServiceAccountInfo | undefined> {
    const response = await this.#call("info-service-account", { method: "GET", query: [["accessKey", accessKey]] });
    if (response.status === 200 && !details) return { parentUser: "", accountStatus: "" };
    if (response.status === 200) return JSON.parse(decryptAdminPayload(this.#root.secretAccessKey, response.body).toString("utf8")) as ServiceAccountInfo;
    if (response.status === 404 || response.code === "XMinioAdminServiceAccountNotFound" || response.code === "XMinioInvalidIAMCredentials") return undefined;
    throw new AdminApiError("info-service-account", response.status, response.code);
  }

  /** Deletes a service account; deleting a missing one succeeds. */
  async deleteServiceAccount(accessKey: string): Promise<void> {
    const response = await this.#call("delete-service-account", { method: "DELETE", query: [["accessKey", accessKey]] });
    if (response.status === 204 || response.status === 200 || response.status === 404 || response.code === "XMinioAdminServiceAccountNotFound") return;
    throw new AdminApiError("delete-service-account", response.status, response.code);
  }

  #encrypt(value: unknown): Buffer {
    return encryptAdminPayload(this.#root.secretAccessKey, Buffer.from(JSON.stringify(value), "utf8"), this.#derivation);
  }

  async #expect(operation: string, request: Omit<UpstreamRequest, "path">, status: number): Promise<void> {
    const response = await this.#call(operation, request);
    if (response.status !== status) throw new AdminApiError(operation, response.status, response.code);
  }

  async #call(operation: string, request: Omit<UpstreamRequest, "path">): Promise<{ status: number; code: string | undefined; body: Buffer }> {
    const response = await this.#client.sendForDocument({ ...request, path: `${adminPrefix}/${operation}` }, this.#root);
    const code = response.status >= 300 ? adminErrorCode(response.body) : undefined;
    return { status: response.status, code, body: response.body };
  }
}

function adminErrorCode(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { Code?: unknown };
    return typeof parsed.Code === "string" ? parsed.Code : undefined;
  } catch {
    return undefined;
  }
}
