/**
 * The additional checksums S3 clients send with uploads (`x-amz-checksum-<algorithm>`, as a header
 * or a trailer): incremental computation and the base64 form S3 uses.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */

export type ChecksumAlgorithm = "crc32" | "crc32c" | "sha1" | "sha256";

export const checksumAlgorithms: readonly ChecksumAlgorithm[] = ["crc32", "crc32c", "sha1", "sha256"];

export interface Checksum {
  update(data: Uint8Array): void;
  /** Base64 of the big-endian digest, as S3 writes it in `x-amz-checksum-*`. */
  digestBase64(): string;
}

const crc32cTable = buildCrcTable(0x82f63b78);

function buildCrcTable(reversedPolynomial: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let index = 0; index < 256; index++) {
    let value = index;
    for (let bit = 0; bit < 8; bit++) value = value & 1 ? (value >>> 1) ^ reversedPolynomial : value >>> 1;
    table[index] = value >>> 0;
  }
  return table;
}

function uint32Base64(value: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes.toString("base64");
}

class Crc32 implements Checksum {
  private value = 0;
  update(data: Uint8Array): void {
    this.value = Bun.hash.crc32(data, this.value);
  }
  digestBase64(): string {
    return uint32Base64(this.value);
  }
}

/** CRC-32C (Castagnoli), table-driven one byte at a time. */
class Crc32c implements Checksum {
  private value = 0xffffffff;
  update(data: Uint8Array): void {
    let value = this.value;
    for (let index = 0; index < data.length; index++) {
      value = (crc32cTable[(value ^ (data[index] ?? 0)) & 0xff] ?? 0) ^ (value >>> 8);
    }
    this.value = value;
  }
  digestBase64(): string {
    return uint32Base64((this.value ^ 0xffffffff) >>> 0);
  }
}

class Hash implements Checksum {
  private readonly hasher: Bun.CryptoHasher;
  constructor(algorithm: "sha1" | "sha256") {
    this.hasher = new Bun.CryptoHasher(algorithm);
  }
  update(data: Uint8Array): void {
    this.hasher.update(data);
  }
  digestBase64(): string {
    return this.hasher.digest("base64");
  }
}

export function createChecksum(algorithm: ChecksumAlgorithm): Checksum {
  switch (algorithm) {
    case "crc32":
      return new Crc32();
    case "crc32c":
      return new Crc32c();
    case "sha1":
    case "sha256":
      return new Hash(algorithm);
  }
}

export function isChecksumAlgorithm(name: string): name is ChecksumAlgorithm {
  return (checksumAlgorithms as readonly string[]).includes(name);
}
