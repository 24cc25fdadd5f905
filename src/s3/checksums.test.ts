import { expect, test } from "bun:test";
import { createChecksum, type ChecksumAlgorithm } from "./checksums.ts";

// Check values of "123456789" from the CRC catalogue (reveng.sourceforge.io): CRC-32 0xCBF43926,
// CRC-32C 0xE3069283; SHA digests of the same text computed with sha1sum and sha256sum.
test.each<[ChecksumAlgorithm, string]>([
  ["crc32", Buffer.from("cbf43926", "hex").toString("base64")],
  ["crc32c", Buffer.from("e3069283", "hex").toString("base64")],
  ["sha1", Buffer.from("f7c3bc1d808e04732adf679965ccc34ca7ae3441", "hex").toString("base64")],
  ["sha256", Buffer.from("15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225", "hex").toString("base64")],
])("%s of the check string, fed in pieces", (algorithm, expected) => {
  const checksum = createChecksum(algorithm);
  checksum.update(Buffer.from("1234"));
  checksum.update(Buffer.from("56789"));
  expect(checksum.digestBase64()).toBe(expected);
});
