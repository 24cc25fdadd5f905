import { expect, test } from "bun:test";
import { combineCrcs, createChecksum, type ChecksumAlgorithm, type CrcAlgorithm } from "./checksums.ts";

// Check values of "123456789" from the CRC catalogue (reveng.sourceforge.io): CRC-32 0xCBF43926,
// CRC-32C 0xE3069283, CRC-64/NVME 0xAE8B14860A799888; SHA digests of the same text computed
// with sha1sum and sha256sum.
test.each<[ChecksumAlgorithm, string]>([
  ["crc32", Buffer.from("cbf43926", "hex").toString("base64")],
  ["crc32c", Buffer.from("e3069283", "hex").toString("base64")],
  ["crc64nvme", Buffer.from("ae8b14860a799888", "hex").toString("base64")],
  ["sha1", Buffer.from("f7c3bc1d808e04732adf679965ccc34ca7ae3441", "hex").toString("base64")],
  ["sha256", Buffer.from("15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225", "hex").toString("base64")],
])("%s of the check string, fed in pieces", (algorithm, expected) => {
  const checksum = createChecksum(algorithm);
  checksum.update(Buffer.from("1234"));
  checksum.update(Buffer.from("56789"));
  expect(checksum.digestBase64()).toBe(expected);
});

test.each<CrcAlgorithm>(["crc32", "crc32c", "crc64nvme"])("%s of parts combines to the whole", (algorithm) => {
  const pieces = [Buffer.from("The quick brown fox "), Buffer.alloc(70_000, 7), Buffer.from("jumps"), Buffer.alloc(0)];
  const whole = createChecksum(algorithm);
  for (const piece of pieces) whole.update(piece);
  const parts = pieces.map((piece) => {
    const checksum = createChecksum(algorithm);
    checksum.update(piece);
    return { checksum: checksum.digestBase64(), size: piece.length };
  });
  expect(combineCrcs(algorithm, parts)).toBe(whole.digestBase64());
});
