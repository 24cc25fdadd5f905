/**
 * Files for upload tests: random content written without holding it in memory, and SHA-256
 * digests to compare what a client downloads with what it uploaded.
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, createReadStream, mkdirSync, openSync, readdirSync, statSync, writeFileSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";

export const MIB = 1024 * 1024;

export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Writes `size` random bytes in pieces of at most 8 MiB and returns their SHA-256. */
export function writeRandomFile(path: string, size: number): string {
  mkdirSync(dirname(path), { recursive: true });
  const hash = createHash("sha256");
  const fd = openSync(path, "w");
  try {
    for (let written = 0; written < size; ) {
      const piece = randomBytes(Math.min(8 * MIB, size - written));
      for (let offset = 0; offset < piece.length; ) offset += writeSync(fd, piece, offset);
      hash.update(piece);
      written += piece.length;
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

/** Writes each entry of `tree` (relative path to content) under `root`, creating folders. */
export function writeTree(root: string, tree: Record<string, string | Uint8Array>): void {
  for (const [path, content] of Object.entries(tree)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

/** Lists regular files under `root` as sorted paths relative to it. */
export function listFiles(root: string): string[] {
  const entries = readdirSync(root, { recursive: true, encoding: "utf8" });
  return entries.filter((entry) => statSync(join(root, entry)).isFile()).sort();
}
