/**
 * The additional checksums S3 clients send with uploads (`x-amz-checksum-<algorithm>`, as a header
 * or a trailer): incremental computation and the base64 form S3 uses.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */

export type ChecksumAlgorithm = "crc32" | "crc32c" | "crc64nvme" | "sha1" | "sha256";

export const checksumAlgorithms: readonly ChecksumAlgorithm[] = ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"];

/** Reversed (LSB-first) generator polynomials of the CRCs S3 accepts. */
const crcPolynomials = {
  crc32: { width: 32, polynomial: 0xedb88320n },
  crc32c: { width: 32, polynomial: 0x82f63b78n },
  crc64nvme: { width: 64, polynomial: 0x9a6c9329ac4bc9b5n },
} as const;

export type CrcAlgorithm = keyof typeof crcPolynomials;

export function isCrcAlgorithm(algorithm: ChecksumAlgorithm): algorithm is CrcAlgorithm {
  return algorithm in crcPolynomials;
}

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

/**
 * CRC-64/NVME, table-driven one byte at a time on two 32-bit halves, because BigInt arithmetic
 * per byte would be far slower.
 */
class Crc64Nvme implements Checksum {
  private static readonly tables = Crc64Nvme.buildTables();
  private high = 0xffffffff;
  private low = 0xffffffff;

  private static buildTables(): { high: Uint32Array; low: Uint32Array } {
    const high = new Uint32Array(256);
    const low = new Uint32Array(256);
    for (let index = 0; index < 256; index++) {
      let value = BigInt(index);
      for (let bit = 0; bit < 8; bit++) value = value & 1n ? (value >> 1n) ^ crcPolynomials.crc64nvme.polynomial : value >> 1n;
      high[index] = Number(value >> 32n);
      low[index] = Number(value & 0xffffffffn);
    }
    return { high, low };
  }

  update(data: Uint8Array): void {
    const { high: highTable, low: lowTable } = Crc64Nvme.tables;
    let high = this.high;
    let low = this.low;
    for (let index = 0; index < data.length; index++) {
      const entry = (low ^ (data[index] ?? 0)) & 0xff;
      low = ((low >>> 8) | (high << 24)) ^ (lowTable[entry] ?? 0);
      high = (high >>> 8) ^ (highTable[entry] ?? 0);
    }
    this.high = high >>> 0;
    this.low = low >>> 0;
  }

  digestBase64(): string {
    const bytes = Buffer.alloc(8);
    bytes.writeUInt32BE((this.high ^ 0xffffffff) >>> 0, 0);
    bytes.writeUInt32BE((this.low ^ 0xffffffff) >>> 0, 4);
    return bytes.toString("base64");
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
    case "crc64nvme":
      return new Crc64Nvme();
    case "sha1":
    case "sha256":
      return new Hash(algorithm);
  }
}

export function isChecksumAlgorithm(name: string): name is ChecksumAlgorithm {
  return (checksumAlgorithms as readonly string[]).includes(name);
}

/** Multiplies two polynomials modulo the CRC polynomial, in the reversed bit order CRCs use. */
function multiplyModulo(a: bigint, b: bigint, width: number, polynomial: bigint): bigint {
  let mask = 1n << BigInt(width - 1);
  let product = 0n;
  let multiplicand = b;
  while (mask !== 0n) {
    if (a & mask) product ^= multiplicand;
    mask >>= 1n;
    multiplicand = multiplicand & 1n ? (multiplicand >> 1n) ^ polynomial : multiplicand >> 1n;
  }
  return product;
}

/** Returns x^(8 * byteCount) modulo the CRC polynomial, by repeated squaring. */
function shiftOperator(byteCount: number, width: number, polynomial: bigint): bigint {
  let result = 1n << BigInt(width - 1);
  // x^8 in the reversed representation, where bit (width - 1) stands for x^0.
  let power = 1n << BigInt(width - 9);
  let remaining = BigInt(byteCount);
  while (remaining > 0n) {
    if (remaining & 1n) result = multiplyModulo(power, result, width, polynomial);
    power = multiplyModulo(power, power, width, polynomial);
    remaining >>= 1n;
  }
  return result;
}

/**
 * Combines the CRCs of consecutive byte runs into the CRC of their concatenation, without the
 * bytes: crc(A + B) = crc(A) * x^(8 * length of B) + crc(B) modulo the polynomial. This is how a
 * full-object checksum of a multipart upload is built from its parts' checksums.
 * @param parts base64 checksums with the byte length each covers, in order.
 */
export function combineCrcs(algorithm: CrcAlgorithm, parts: readonly { checksum: string; size: number }[]): string {
  const { width, polynomial } = crcPolynomials[algorithm];
  const bytes = width / 8;
  let combined: bigint | undefined;
  for (const part of parts) {
    const value = BigInt(`0x${Buffer.from(part.checksum, "base64").toString("hex") || "0"}`);
    combined = combined === undefined ? value : multiplyModulo(shiftOperator(part.size, width, polynomial), combined, width, polynomial) ^ value;
  }
  return Buffer.from((combined ?? 0n).toString(16).padStart(bytes * 2, "0"), "hex").toString("base64");
}

/**
 * Builds a composite multipart checksum as S3 does: the checksum of the concatenated binary part
 * checksums, followed by `-<part count>`.
 */
export function compositeChecksum(algorithm: ChecksumAlgorithm, partChecksums: readonly string[]): string {
  const checksum = createChecksum(algorithm);
  for (const part of partChecksums) checksum.update(Buffer.from(part, "base64"));
  return `${checksum.digestBase64()}-${partChecksums.length}`;
}
