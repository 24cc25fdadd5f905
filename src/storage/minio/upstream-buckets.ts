/**
 * Bucket-level calls to the S3 upstream, signed with the root credentials: checking, creating,
 * emptying and deleting physical buckets. Organization service accounts cannot make these calls.
 */
import { createHash } from "node:crypto";
import { escapeXml } from "../../s3/xml.ts";
import { UpstreamError } from "./minio-object-store.ts";
import type { UpstreamClient } from "./upstream-client.ts";
import type { UpstreamCredentials } from "./upstream-signing.ts";
import { childList, childText, errorCode, listedKeyDecoder, parseDocument } from "./upstream-xml.ts";

export class UpstreamBuckets {
  constructor(
    private readonly client: UpstreamClient,
    private readonly root: UpstreamCredentials,
  ) {}

  /** Returns whether the bucket exists and the root credentials can reach it. */
  async exists(bucket: string): Promise<boolean> {
    const response = await this.client.sendForDocument({ method: "HEAD", bucket }, this.root);
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    throw new UpstreamError("HeadBucket", response.status, undefined);
  }

  /** Creates a bucket; succeeds when the root account already owns it. */
  async create(bucket: string): Promise<void> {
    const region = this.client.region;
    const body =
      region === "us-east-1"
        ? undefined
        : Buffer.from(`<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>${escapeXml(region)}</LocationConstraint></CreateBucketConfiguration>`);
    const response = await this.client.sendForDocument({ method: "PUT", bucket, ...(body ? { body } : {}) }, this.root);
    if (response.status === 200) return;
    const code = errorCode(response.body.toString("utf8"));
    if (code === "BucketAlreadyOwnedByYou") return;
    throw new UpstreamError(`CreateBucket ${bucket}`, response.status, code);
  }

  /**
   * Deletes every object and aborts every multipart upload in a bucket, then the bucket.
   * @returns the number of objects deleted.
   */
  async destroy(bucket: string): Promise<number> {
    let deleted = 0;
    for (;;) {
      const keys = await this.#listKeys(bucket);
      if (keys.length === 0) break;
      await this.#deleteKeys(bucket, keys);
      deleted += keys.length;
    }
    await this.#abortUploads(bucket);
    const response = await this.client.sendForDocument({ method: "DELETE", bucket }, this.root);
    if (response.status !== 204 && response.status !== 200 && response.status !== 404) {
      throw new UpstreamError(`DeleteBucket ${bucket}`, response.status, errorCode(response.body.toString("utf8")));
    }
    return deleted;
  }

  async #listKeys(bucket: string): Promise<string[]> {
    const query: [string, string][] = [
      ["list-type", "2"],
      ["encoding-type", "url"],
      ["max-keys", "1000"],
    ];
    const response = await this.client.sendForDocument({ method: "GET", bucket, query }, this.root);
    if (response.status === 404) return [];
    if (response.status !== 200) throw new UpstreamError(`ListObjectsV2 ${bucket}`, response.status, errorCode(response.body.toString("utf8")));
    const result = parseDocument(response.body.toString("utf8"), "ListBucketResult");
    const decodeListedKey = listedKeyDecoder(result);
    return childList(result, "Contents").map((entry) => decodeListedKey(childText(entry, "Key") ?? ""));
  }

  async #deleteKeys(bucket: string, keys: readonly string[]): Promise<void> {
    const objects = keys.map((key) => `<Object><Key>${escapeXml(key)}</Key></Object>`).join("");
    const body = Buffer.from(`<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>${objects}</Delete>`, "utf8");
    const headers = { "content-md5": createHash("md5").update(body).digest("base64"), "content-type": "application/xml" };
    const response = await this.client.sendForDocument({ method: "POST", bucket, query: [["delete", ""]], headers, body }, this.root);
    const text = response.body.toString("utf8");
    if (response.status !== 200 || text.includes("<Error>")) throw new UpstreamError(`DeleteObjects ${bucket}`, response.status, errorCode(text));
  }

  async #abortUploads(bucket: string): Promise<void> {
    for (;;) {
      const response = await this.client.sendForDocument({ method: "GET", bucket, query: [["uploads", ""], ["encoding-type", "url"]] }, this.root);
      if (response.status === 404) return;
      if (response.status !== 200) throw new UpstreamError(`ListMultipartUploads ${bucket}`, response.status, errorCode(response.body.toString("utf8")));
      const result = parseDocument(response.body.toString("utf8"), "ListMultipartUploadsResult");
      const decodeListedKey = listedKeyDecoder(result);
      const uploads = childList(result, "Upload");
      if (uploads.length === 0) return;
      for (const upload of uploads) {
        const key = decodeListedKey(childText(upload, "Key") ?? "");
        const uploadId = childText(upload, "UploadId") ?? "";
        const aborted = await this.client.sendForDocument({ method: "DELETE", bucket, key, query: [["uploadId", uploadId]] }, this.root);
        if (aborted.status !== 204 && aborted.status !== 404) throw new UpstreamError(`AbortMultipartUpload ${bucket}`, aborted.status, errorCode(aborted.body.toString("utf8")));
      }
    }
  }
}
