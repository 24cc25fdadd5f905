import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { AdminPayloadError, decryptAdminPayload, encryptAdminPayload } from "./admin-payload-crypto.ts";
import { fragmentSize } from "./sio-stream.ts";

/** madmin-go's own EncryptData and DecryptData, built by scripts/install-test-peers.sh. */
const referenceTool = process.env.S3GW_TEST_MADMIN_CRYPT ?? join(import.meta.dir, "..", "..", "..", ".cache", "bin", "madmin-crypt");

function runReference(mode: "encrypt" | "decrypt", password: string, input: Uint8Array): Buffer {
  const result = Bun.spawnSync([referenceTool, mode, password], { stdin: input, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`madmin-crypt ${mode} exited with ${result.exitCode}: ${result.stderr.toString()}`);
  return Buffer.from(result.stdout);
}

const sizes = [0, 1, fragmentSize - 1, fragmentSize, fragmentSize + 1, 3 * fragmentSize, 3 * fragmentSize + 17];

describe("admin payload encryption", () => {
  test("round-trips every fragment boundary with pbkdf2", () => {
    for (const size of sizes) {
      const plaintext = randomBytes(size);
      const sealed = encryptAdminPayload("root-password-1", plaintext, "pbkdf2");
      expect(sealed[32]).toBe(0x02);
      expect(decryptAdminPayload("root-password-1", sealed).equals(plaintext)).toBe(true);
    }
  });

  test("round-trips with argon2id", () => {
    const plaintext = Buffer.from('{"secretKey":"abc","status":"enabled"}');
    const sealed = encryptAdminPayload("root-password-1", plaintext, "argon2id");
    expect(sealed[32]).toBe(0x00);
    expect(decryptAdminPayload("root-password-1", sealed).toString()).toBe(plaintext.toString());
  });

  test("wrong password fails authentication", () => {
    const sealed = encryptAdminPayload("right-password", Buffer.from("secret"), "pbkdf2");
    expect(() => decryptAdminPayload("wrong-password", sealed)).toThrow(AdminPayloadError);
  });

  test("changed, truncated or reordered ciphertext fails", () => {
    const plaintext = randomBytes(2 * fragmentSize + 5);
    const sealed = encryptAdminPayload("password", plaintext, "pbkdf2");
    const flipped = Buffer.from(sealed);
    flipped[100] = (flipped[100] ?? 0) ^ 1;
    expect(() => decryptAdminPayload("password", flipped)).toThrow(AdminPayloadError);
    // Dropping the final fragment makes the second full fragment look final, which its flag byte denies.
    expect(() => decryptAdminPayload("password", sealed.subarray(0, 41 + 2 * (fragmentSize + 16)))).toThrow(AdminPayloadError);
    const header = sealed.subarray(0, 41);
    const first = sealed.subarray(41, 41 + fragmentSize + 16);
    const second = sealed.subarray(41 + fragmentSize + 16, 41 + 2 * (fragmentSize + 16));
    const rest = sealed.subarray(41 + 2 * (fragmentSize + 16));
    expect(() => decryptAdminPayload("password", Buffer.concat([header, second, first, rest]))).toThrow(AdminPayloadError);
  });

  test("short header and ChaCha20 id are explained", () => {
    expect(() => decryptAdminPayload("password", Buffer.alloc(10))).toThrow("shorter than its 41-byte header");
    const chacha = Buffer.alloc(60);
    chacha[32] = 0x01;
    expect(() => decryptAdminPayload("password", chacha)).toThrow("ChaCha20-Poly1305");
  });
});

describe.skipIf(!existsSync(referenceTool))("admin payload encryption against madmin-go", () => {
  test("madmin-go decrypts what this module encrypts", () => {
    for (const derivation of ["pbkdf2", "argon2id"] as const) {
      for (const size of [0, 5, fragmentSize, fragmentSize + 1, 2 * fragmentSize + 9]) {
        const plaintext = randomBytes(size);
        const sealed = encryptAdminPayload("minio-root-secret", plaintext, derivation);
        expect(runReference("decrypt", "minio-root-secret", sealed).equals(plaintext)).toBe(true);
      }
    }
  });

  test("this module decrypts what madmin-go encrypts", () => {
    for (const size of [0, 7, fragmentSize, 2 * fragmentSize + 3]) {
      const plaintext = randomBytes(size);
      const sealed = runReference("encrypt", "minio-root-secret", plaintext);
      expect(decryptAdminPayload("minio-root-secret", sealed).equals(plaintext)).toBe(true);
    }
  });
});
