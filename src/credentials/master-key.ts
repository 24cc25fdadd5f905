/**
 * The master keyring that encrypts credential secrets at rest. Stored as a text file with one
 * key a line, `<key id> <base64 of 32 bytes>`; the last line is the key used for new secrets.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { ConfigError } from "../errors.ts";

export interface MasterKeyring {
  /** Id of the key that encrypts new secrets. */
  currentId: string;
  keys: ReadonlyMap<string, Buffer>;
}

/**
 * Reads the keyring at `path`, creating it with one new AES-256 key (mode 0600) when it does not
 * exist and `createIfMissing` is set.
 * @returns the keyring and whether it was created now.
 * @throws {ConfigError} when the file is unreadable, malformed or readable by other users.
 */
export function loadMasterKeyring(path: string, createIfMissing: boolean): { keyring: MasterKeyring; created: boolean } {
  let created = false;
  if (!existsSync(path)) {
    if (!createIfMissing) {
      throw new ConfigError(`Master key file "${path}" does not exist: create it with "s3gateway master-key init" or point S3GATEWAY_MASTER_KEY_FILE at it.`);
    }
    writeFileSync(path, `${newKeyId()} ${randomBytes(32).toString("base64")}\n`, { mode: 0o600, flag: "wx" });
    created = true;
  }
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(`Master key file "${path}" has mode ${mode.toString(8)}: restrict it with "chmod 600 ${path}".`);
  }
  const keys = new Map<string, Buffer>();
  let currentId = "";
  for (const [index, line] of readFileSync(path, "utf8").split("\n").entries()) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const [id, encoded, extra] = line.trim().split(/\s+/);
    const key = Buffer.from(encoded ?? "", "base64");
    if (!id || extra !== undefined || key.length !== 32) {
      throw new ConfigError(`Master key file "${path}" line ${index + 1} is malformed: each line must be "<key id> <base64 of 32 bytes>".`);
    }
    keys.set(id, key);
    currentId = id;
  }
  if (currentId === "") throw new ConfigError(`Master key file "${path}" contains no key: delete it to have a new one generated.`);
  chmodSync(path, 0o600);
  return { keyring: { currentId, keys }, created };
}

function newKeyId(): string {
  return `k${new Date().toISOString().slice(0, 10).replaceAll("-", "")}-${randomBytes(3).toString("hex")}`;
}
