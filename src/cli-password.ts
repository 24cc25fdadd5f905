/**
 * Reading a password for `user add`: from a file, from a terminal without echo, or as the first
 * line of standard input when it is not a terminal.
 */
import { readFileSync } from "node:fs";
import { InvalidInputError } from "./errors.ts";

export async function readPassword(passwordFile: string | undefined): Promise<string> {
  if (passwordFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(passwordFile, "utf8");
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "it does not exist" : (error as NodeJS.ErrnoException).code === "EACCES" ? "permission denied" : "it is not a readable file";
      throw new InvalidInputError(`Cannot read the password file "${passwordFile}": ${reason}. Check the path and its permissions.`);
    }
    return text.replace(/\r?\n$/, "");
  }
  if (!process.stdin.isTTY) {
    const line = (await readFirstLine()).replace(/\r$/, "");
    if (line === "") {
      throw new InvalidInputError("No password was given: standard input is not a terminal and is empty. Pass --password-file FILE, or pipe the password in.");
    }
    return line;
  }
  const first = await promptHidden("Password: ");
  const second = await promptHidden("Repeat password: ");
  if (first !== second) throw new InvalidInputError("The two passwords differ: run the command again.");
  return first;
}

async function readFirstLine(): Promise<string> {
  let text = "";
  for await (const chunk of process.stdin) {
    text += String(chunk);
    const newline = text.indexOf("\n");
    if (newline !== -1) return text.slice(0, newline);
  }
  return text;
}

function promptHidden(prompt: string): Promise<string> {
  process.stderr.write(prompt);
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = "";
    const onData = (data: Buffer) => {
      for (const char of data.toString("utf8")) {
        if (char === "\r" || char === "\n") {
          cleanup();
          process.stderr.write("\n");
          resolve(value);
          return;
        }
        if (char === "\u0003") {
          cleanup();
          reject(new InvalidInputError("Cancelled."));
          return;
        }
        value = char === "\u007f" ? value.slice(0, -1) : value + char;
      }
    };
    const cleanup = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
    };
    stdin.on("data", onData);
  });
}
