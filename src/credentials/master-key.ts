/**
 * The master keyring that encrypts credential secrets at rest. Stored as a text file with one
 * key a line, `<key id> <base64 of 32 bytes>`; the last line is the key used for new secrets.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { ConfigError } from "../errors.ts";

export interface MasterKeyring {
  /** Id of the key that encrypts new secrets. */
  readonly currentId: string;
  readonly keys: ReadonlyMap<string, Buffer>;
  /**
   * Reads the file again when it changed since it was last read, so a server picks up a key added
   * by `s3gateway master-key rotate` without a restart. Optional, since a fixed keyring has no file.
   * @returns whether the keys changed.
   */
  reloadIfChanged?(): boolean;
}

/** How to create a keyring file, for error messages. */
const initHint = 'create one with "s3gateway master-key init" (it writes the file named by S3GATEWAY_MASTER_KEY_FILE)';

/**
 * A keyring read from a file, reloaded by {@link reloadIfChanged} when the file's modification
 * time or size changes.
 */
export class FileKeyring implements MasterKeyring {
  private state: { currentId: string; keys: ReadonlyMap<string, Buffer>; version: string };

  constructor(readonly path: string) {
    this.state = readKeyringFile(path);
  }

  get currentId(): string {
    return this.state.currentId;
  }

  get keys(): ReadonlyMap<string, Buffer> {
    return this.state.keys;
  }

  reloadIfChanged(): boolean {
    if (fileVersion(this.path) === this.state.version) return false;
    this.state = readKeyringFile(this.path);
    return true;
  }
}

/**
 * Opens the keyring at `path`. When the file does not exist and `createIfMissing` is set (the
 * embedded default, a key file inside the data directory), it is created with one new AES-256
 * key and mode 0600.
 * @returns the keyring and whether it was created now.
 * @throws {ConfigError} when the file is missing (without `createIfMissing`), unreadable,
 *   malformed or readable by other users, with how to fix it.
 */
export function loadMasterKeyring(path: string, createIfMissing: boolean): { keyring: FileKeyring; created: boolean } {
  let created = false;
  if (!existsSync(path)) {
    if (!createIfMissing) {
      throw new ConfigError(`Master key file "${path}" does not exist, and the server does not start without it: ${initHint}, or point S3GATEWAY_MASTER_KEY_FILE at the existing file.`);
    }
    writeFileSync(path, `${newKeyLine()}\n`, { mode: 0o600, flag: "wx" });
    created = true;
  }
  return { keyring: new FileKeyring(path), created };
}

/**
 * Creates a keyring file with one new key.
 * @throws {ConfigError} when the file already exists, so an existing key is never overwritten.
 */
export function initMasterKeyFile(path: string): string {
  if (existsSync(path)) throw new ConfigError(`Master key file "${path}" already exists: it is left unchanged. Use "s3gateway master-key rotate" to add a new key.`);
  const line = newKeyLine();
  writeFileSync(path, `${line}\n`, { mode: 0o600, flag: "wx" });
  return line.split(" ")[0] ?? "";
}

/**
 * Appends a new key to the keyring file, which makes it the key for new secrets. The file is
 * replaced by a rename, so a process reading it sees either the old or the new content.
 * @returns the new key id.
 */
export function appendMasterKey(path: string): string {
  const current = readFileSync(path, "utf8");
  const line = newKeyLine();
  const temporary = `${path}.${process.pid}.tmp`;
  const separator = current === "" || current.endsWith("\n") ? "" : "\n";
  writeFileSync(temporary, `${current}${separator}${line}\n`, { mode: 0o600, flag: "w" });
  const handle = openSync(temporary, "r");
  try {
    fsyncSync(handle);
  } finally {
    closeSync(handle);
  }
  renameSync(temporary, path);
  return line.split(" ")[0] ?? "";
}

function readKeyringFile(path: string): { currentId: string; keys: ReadonlyMap<string, Buffer>; version: string } {
  let mode: number;
  let text: string;
  try {
    mode = statSync(path).mode & 0o777;
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new ConfigError(`Master key file "${path}" cannot be read (${reason}): make it readable by the user running s3gateway, or ${initHint}.`);
  }
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(`Master key file "${path}" has mode ${mode.toString(8)}: restrict it with "chmod 600 ${path}".`);
  }
  const keys = new Map<string, Buffer>();
  let currentId = "";
  for (const [index, line] of text.split("\n").entries()) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const [id, encoded, extra] = line.trim().split(/\s+/);
    const key = Buffer.from(encoded ?? "", "base64");
    if (!id || extra !== undefined || key.length !== 32) {
      throw new ConfigError(`Master key file "${path}" line ${index + 1} is malformed: each line must be "<key id> <base64 of 32 bytes>".`);
    }
    keys.set(id, key);
    currentId = id;
  }
  if (currentId === "") throw new ConfigError(`Master key file "${path}" contains no key: ${initHint} after removing the empty file.`);
  chmodSync(path, 0o600);
  return { currentId, keys, version: fileVersion(path) };
}

function fileVersion(path: string): string {
  try {
    const stat = statSync(path);
    return `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
  } catch {
    return "missing";
  }
}

function newKeyLine(): string {
  return `${newKeyId()} ${randomBytes(32).toString("base64")}`;
}

function newKeyId(): string {
  return `k${new Date().toISOString().slice(0, 10).replaceAll("-", "")}-${randomBytes(3).toString("hex")}`;
}
