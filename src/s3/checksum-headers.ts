/**
 * The checksum headers of S3 requests and responses: the algorithm and type a multipart upload
 * declares, the headers returned with `x-amz-checksum-mode: ENABLED`, and the checksum of a
 * completed multipart upload.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
import { headerValue, type HeaderMap } from "../sigv4/request.ts";
import type { PartInfo, StoredChecksum, UploadChecksumConfig } from "../storage/types.ts";
import { combineCrcs, compositeChecksum, isChecksumAlgorithm, isCrcAlgorithm, type ChecksumAlgorithm } from "./checksums.ts";
import { S3Error } from "./s3-error.ts";

/** Name of the checksum element in XML bodies: `ChecksumCRC32`, `ChecksumCRC64NVME`, ... */
export function checksumElementName(algorithm: string): string {
  return `Checksum${algorithm.toUpperCase()}`;
}

/**
 * Reads `x-amz-checksum-algorithm` and `x-amz-checksum-type` of CreateMultipartUpload.
 * @throws {S3Error} `InvalidRequest` for an unknown algorithm or a type the algorithm cannot have.
 */
export function readUploadChecksumConfig(headers: HeaderMap): UploadChecksumConfig | undefined {
  const algorithmText = headerValue(headers, "x-amz-checksum-algorithm");
  const typeText = headerValue(headers, "x-amz-checksum-type");
  if (algorithmText === undefined) {
    if (typeText !== undefined) throw new S3Error("InvalidRequest", "x-amz-checksum-type needs x-amz-checksum-algorithm: name the algorithm too.");
    return undefined;
  }
  const algorithm = algorithmText.toLowerCase();
  if (!isChecksumAlgorithm(algorithm)) {
    throw new S3Error("InvalidRequest", `x-amz-checksum-algorithm "${algorithmText.slice(0, 20)}" is invalid: use CRC32, CRC32C, CRC64NVME, SHA1 or SHA256.`);
  }
  const type = typeText?.toUpperCase() ?? (algorithm === "crc64nvme" ? "FULL_OBJECT" : "COMPOSITE");
  if (type !== "FULL_OBJECT" && type !== "COMPOSITE") {
    throw new S3Error("InvalidRequest", `x-amz-checksum-type "${typeText?.slice(0, 20)}" is invalid: use COMPOSITE or FULL_OBJECT.`);
  }
  if ((type === "FULL_OBJECT" && !isCrcAlgorithm(algorithm)) || (type === "COMPOSITE" && algorithm === "crc64nvme")) {
    throw new S3Error("InvalidRequest", `The checksum type ${type} is not supported for ${algorithm.toUpperCase()}: CRC64NVME is always FULL_OBJECT, SHA1 and SHA256 always COMPOSITE.`);
  }
  return { algorithm, type };
}

/** Response headers that describe a stored checksum. */
export function checksumResponseHeaders(checksum: StoredChecksum | undefined): Record<string, string> {
  if (!checksum) return {};
  return { [`x-amz-checksum-${checksum.algorithm}`]: checksum.value, "x-amz-checksum-type": checksum.type };
}

/** Tells whether a GET or HEAD requests the stored checksum. */
export function checksumModeEnabled(headers: HeaderMap): boolean {
  return headerValue(headers, "x-amz-checksum-mode")?.toUpperCase() === "ENABLED";
}

/**
 * Computes the checksum of a completed multipart upload from its parts' checksums.
 * @throws {S3Error} `InvalidRequest` when a part was stored without a checksum.
 */
export function multipartChecksum(config: UploadChecksumConfig, parts: readonly PartInfo[]): StoredChecksum {
  const algorithm = config.algorithm as ChecksumAlgorithm;
  const checksums = parts.map((part) => {
    if (part.checksum === undefined) {
      throw new S3Error("InvalidRequest", `Part ${part.partNumber} has no ${algorithm.toUpperCase()} checksum: upload it again with the upload's checksum algorithm.`);
    }
    return { checksum: part.checksum, size: part.size };
  });
  if (config.type === "FULL_OBJECT" && isCrcAlgorithm(algorithm)) {
    return { algorithm, type: "FULL_OBJECT", value: combineCrcs(algorithm, checksums) };
  }
  return { algorithm, type: "COMPOSITE", value: compositeChecksum(algorithm, checksums.map((part) => part.checksum)) };
}
