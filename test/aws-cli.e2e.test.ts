// The customer workflow with real clients: Debian's AWS CLI v2 and boto3 use keys that
// `s3gateway credential create` issues against a gateway on loopback, and every downloaded file
// is compared by SHA-256 with what was uploaded.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { awsCliConfigLines } from "../src/web/snippets.ts";
import { createAwsClientHome, describeResult, runAwsCli, runAwsConfigureLine, runPython, type AwsClientHome } from "./support/aws-clients.ts";
import { createCredential, startGateway, type TestCredential, type TestGateway } from "./support/gateway.ts";
import { writeRandomFile } from "./support/test-files.ts";

const MIB = 1024 * 1024;
/** Size that AWS CLI v2 uploads as 25 parts of its default 8 MiB part size. */
const BIG_FILE_SIZE = 200 * MIB;
/** Above the 8 MiB multipart threshold of boto3, so `upload_file` sends 3 parts. */
const BOTO3_FILE_SIZE = 20 * MIB;
const CONNECTORS = ["azure", "sentinelone", "vmware"];

/** Files that `aws s3 sync` uploads, by path relative to the synced folder. */
const SYNC_TREE: Record<string, Buffer> = {
  "readme.txt": Buffer.from("Sync source for the end-to-end test.\n"),
  "empty.txt": Buffer.alloc(0),
  "logs/2024/app.log": Buffer.from("line one\nline two\n".repeat(500)),
  "reports/quarter one summary.csv": Buffer.from("quarter,total\nQ1,42\n"),
  "reports/q1+q2.csv": Buffer.from("half,total\nH1,84\n"),
  "данные/данные.txt": Buffer.from("Отчёт за квартал\n"),
  "résumé.md": Buffer.from("# Résumé\n"),
  "a/b/c/deep.bin": randomBytes(300 * 1024),
};

const BOTO3_SCRIPT = `
import json
import sys

import boto3

profile, endpoint_url, bucket, big_path, small_path, download_dir = sys.argv[1:7]
s3 = boto3.Session(profile_name=profile).client("s3", endpoint_url=endpoint_url)

buckets = [bucket_entry["Name"] for bucket_entry in s3.list_buckets()["Buckets"]]
s3.upload_file(big_path, bucket, "boto3/upload.bin")
s3.upload_file(small_path, bucket, "boto3/notes/small.txt")
listing = s3.list_objects_v2(Bucket=bucket, Prefix="boto3/")
s3.download_file(bucket, "boto3/upload.bin", download_dir + "/upload.bin")
s3.download_file(bucket, "boto3/notes/small.txt", download_dir + "/small.txt")
head = s3.head_object(Bucket=bucket, Key="boto3/upload.bin")

print(json.dumps({
    "buckets": buckets,
    "objects": [{"key": item["Key"], "size": item["Size"]} for item in listing.get("Contents", [])],
    "etag": head["ETag"],
}))
`;

interface Boto3Output {
  buckets: string[];
  objects: { key: string; size: number }[];
  etag: string;
}

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Lists regular files under `root` as paths relative to it, sorted. */
function listFiles(root: string): string[] {
  const entries = readdirSync(root, { recursive: true, encoding: "utf8" });
  return entries.filter((entry) => statSync(join(root, entry)).isFile()).sort();
}

/** Parses `aws s3 ls` bucket lines (`DATE TIME NAME`) into names. */
function parseBucketNames(stdout: string): string[] {
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => line.replace(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} /, ""));
}

/** Parses `aws s3 ls` object lines (`DATE TIME SIZE KEY`) into a key-to-size map. */
function parseObjectSizes(stdout: string): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const line of stdout.split("\n")) {
    if (line.trim() === "") continue;
    const match = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\s+(\d+) (.+)$/.exec(line);
    if (!match?.[1] || match[2] === undefined) throw new Error(`unexpected "aws s3 ls" line: ${JSON.stringify(line)}`);
    sizes[match[2]] = Number(match[1]);
  }
  return sizes;
}

// The tests run in file order against one gateway and build on each other: later steps read the
// objects that earlier ones upload, and the revocation step comes last because it ends acme's key.
describe("AWS CLI v2 and boto3 against the gateway", () => {
  let gateway: TestGateway;
  let home: AwsClientHome;
  let work: string;
  let acme: TestCredential;
  let other: TestCredential;

  /** Runs `aws ARGS --profile PROFILE --endpoint-url <gateway>` in the work directory. */
  const aws = (profile: string, args: string[]) => runAwsCli(home, gateway.s3Url, [...args, "--profile", profile], work);

  beforeAll(async () => {
    gateway = await startGateway();
    await gateway.cliOk(["org", "create", "acme", "--name", "Acme Corp"]);
    await gateway.cliOk(["org", "create", "other", "--name", "Other Org"]);
    acme = await createCredential(gateway, "acme");
    other = await createCredential(gateway, "other");

    home = createAwsClientHome();
    work = join(home.dir, "work");
    mkdirSync(work);

    const profiles: [string, TestCredential][] = [
      ["s3gw_acme", acme],
      ["s3gw_other", other],
    ];
    for (const [profile, credential] of profiles) {
      const lines = awsCliConfigLines({
        accessKeyId: credential.access_key_id,
        secretAccessKey: credential.secret_access_key,
        region: "us-east-1",
        endpointUrl: gateway.s3Url,
        profile,
      });
      for (const line of lines) {
        const result = await runAwsConfigureLine(home, line);
        if (result.exitCode !== 0) throw new Error(`"aws configure set" for ${profile} failed: ${result.stderr}`);
      }
    }
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    home?.remove();
  });

  test("configured profile lists the connectors", async () => {
    const buckets = await aws("s3gw_acme", ["s3", "ls"]);
    expect(buckets.exitCode, describeResult(buckets)).toBe(0);
    expect(parseBucketNames(buckets.stdout)).toEqual(CONNECTORS);

    const azure = await aws("s3gw_acme", ["s3", "ls", "s3://azure/"]);
    expect(azure.exitCode, describeResult(azure)).toBe(0);
    expect(azure.stdout).toBe("");
  }, 60_000);

  test("cp uploads and downloads a 200 MiB multipart object", async () => {
    const fileJson = Buffer.from(JSON.stringify({ tenant: "acme", events: [1, 2, 3] }, null, 2));
    writeFileSync(join(work, "file.json"), fileJson);
    const bigHash = writeRandomFile(join(work, "big.bin"), BIG_FILE_SIZE);

    const smallUpload = await aws("s3gw_acme", ["s3", "cp", "file.json", "s3://azure/file.json", "--only-show-errors"]);
    expect(smallUpload.exitCode, describeResult(smallUpload)).toBe(0);

    const bigUpload = await aws("s3gw_acme", ["s3", "cp", "big.bin", "s3://azure/", "--only-show-errors"]);
    expect(bigUpload.exitCode, describeResult(bigUpload)).toBe(0);

    const head = await aws("s3gw_acme", ["s3api", "head-object", "--bucket", "azure", "--key", "big.bin"]);
    expect(head.exitCode, describeResult(head)).toBe(0);
    const headJson = JSON.parse(head.stdout) as { ContentLength: number; ETag: string };
    expect(headJson.ContentLength).toBe(BIG_FILE_SIZE);
    // A multipart ETag ends in the part count, so this shows that the CLI sent 25 parts.
    expect(headJson.ETag).toMatch(/-25"$/);

    const download = await aws("s3gw_acme", ["s3", "cp", "s3://azure/big.bin", "./down/", "--only-show-errors"]);
    expect(download.exitCode, describeResult(download)).toBe(0);
    expect(statSync(join(work, "down", "big.bin")).size).toBe(BIG_FILE_SIZE);
    expect(await sha256OfFile(join(work, "down", "big.bin"))).toBe(bigHash);

    const smallDownload = await aws("s3gw_acme", ["s3", "cp", "s3://azure/file.json", "./down/file.json", "--only-show-errors"]);
    expect(smallDownload.exitCode, describeResult(smallDownload)).toBe(0);
    expect(await sha256OfFile(join(work, "down", "file.json"))).toBe(sha256(fileJson));
  }, 180_000);

  test("sync uploads and downloads a nested tree", async () => {
    for (const [path, content] of Object.entries(SYNC_TREE)) {
      mkdirSync(dirname(join(work, "dir", path)), { recursive: true });
      writeFileSync(join(work, "dir", path), content);
    }

    const upload = await aws("s3gw_acme", ["s3", "sync", "./dir/", "s3://sentinelone/", "--only-show-errors"]);
    expect(upload.exitCode, describeResult(upload)).toBe(0);

    const listing = await aws("s3gw_acme", ["s3", "ls", "s3://sentinelone/", "--recursive"]);
    expect(listing.exitCode, describeResult(listing)).toBe(0);
    const expectedSizes = Object.fromEntries(Object.entries(SYNC_TREE).map(([path, content]) => [path, content.length]));
    expect(parseObjectSizes(listing.stdout)).toEqual(expectedSizes);

    const download = await aws("s3gw_acme", ["s3", "sync", "s3://sentinelone/", "./synced/", "--only-show-errors"]);
    expect(download.exitCode, describeResult(download)).toBe(0);
    expect(listFiles(join(work, "synced"))).toEqual(Object.keys(SYNC_TREE).sort());
    for (const [path, content] of Object.entries(SYNC_TREE)) {
      expect(await sha256OfFile(join(work, "synced", path)), path).toBe(sha256(content));
    }
  }, 60_000);

  test("server-side copy and rm", async () => {
    const copy = await aws("s3gw_acme", ["s3", "cp", "s3://azure/file.json", "s3://azure/copy.json", "--only-show-errors"]);
    expect(copy.exitCode, describeResult(copy)).toBe(0);

    const remove = await aws("s3gw_acme", ["s3", "rm", "s3://azure/file.json", "--only-show-errors"]);
    expect(remove.exitCode, describeResult(remove)).toBe(0);

    const listing = await aws("s3gw_acme", ["s3", "ls", "s3://azure/"]);
    expect(listing.exitCode, describeResult(listing)).toBe(0);
    expect(Object.keys(parseObjectSizes(listing.stdout)).sort()).toEqual(["big.bin", "copy.json"]);

    const download = await aws("s3gw_acme", ["s3", "cp", "s3://azure/copy.json", "./down/copy.json", "--only-show-errors"]);
    expect(download.exitCode, describeResult(download)).toBe(0);
    expect(await sha256OfFile(join(work, "down", "copy.json"))).toBe(await sha256OfFile(join(work, "file.json")));
  }, 60_000);

  test("boto3 uploads, lists and downloads", async () => {
    const boto3Dir = join(work, "boto3");
    mkdirSync(join(boto3Dir, "down"), { recursive: true });
    const scriptPath = join(boto3Dir, "workflow.py");
    writeFileSync(scriptPath, BOTO3_SCRIPT);
    const bigPath = join(boto3Dir, "upload.bin");
    const bigHash = writeRandomFile(bigPath, BOTO3_FILE_SIZE);
    const small = Buffer.from("small object written by boto3\n");
    writeFileSync(join(boto3Dir, "small.txt"), small);

    const result = await runPython(home, scriptPath, ["s3gw_acme", gateway.s3Url, "vmware", bigPath, join(boto3Dir, "small.txt"), join(boto3Dir, "down")]);
    expect(result.exitCode, describeResult(result)).toBe(0);

    const output = JSON.parse(result.stdout) as Boto3Output;
    expect(output.buckets).toEqual(CONNECTORS);
    expect(output.objects).toEqual([
      { key: "boto3/notes/small.txt", size: small.length },
      { key: "boto3/upload.bin", size: BOTO3_FILE_SIZE },
    ]);
    expect(output.etag).toMatch(/-3"$/);
    expect(await sha256OfFile(join(boto3Dir, "down", "upload.bin"))).toBe(bigHash);
    expect(await sha256OfFile(join(boto3Dir, "down", "small.txt"))).toBe(sha256(small));
  }, 60_000);

  test("other organization sees only its own objects", async () => {
    const buckets = await aws("s3gw_other", ["s3", "ls"]);
    expect(buckets.exitCode, describeResult(buckets)).toBe(0);
    expect(parseBucketNames(buckets.stdout)).toEqual(CONNECTORS);

    const azure = await aws("s3gw_other", ["s3", "ls", "s3://azure/"]);
    expect(azure.exitCode, describeResult(azure)).toBe(0);
    expect(azure.stdout).toBe("");

    const acmeObject = await aws("s3gw_other", ["s3", "cp", "s3://azure/copy.json", "./other-copy.json", "--only-show-errors"]);
    expect(acmeObject.exitCode).not.toBe(0);
    // The CLI reports a 404 on its HeadObject request as 'Key "copy.json" does not exist'.
    expect(acmeObject.stderr).toContain("(404) when calling the HeadObject operation");

    writeFileSync(join(work, "other.txt"), "written by the other organization\n");
    const upload = await aws("s3gw_other", ["s3", "cp", "other.txt", "s3://azure/other.txt", "--only-show-errors"]);
    expect(upload.exitCode, describeResult(upload)).toBe(0);

    const acmeListing = await aws("s3gw_acme", ["s3", "ls", "s3://azure/"]);
    expect(acmeListing.exitCode, describeResult(acmeListing)).toBe(0);
    expect(Object.keys(parseObjectSizes(acmeListing.stdout)).sort()).toEqual(["big.bin", "copy.json"]);
  }, 60_000);

  test("mb is rejected because buckets are operator-managed", async () => {
    const result = await aws("s3gw_acme", ["s3", "mb", "s3://newbucket"]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("managed by the operator");

    const buckets = await aws("s3gw_acme", ["s3", "ls"]);
    expect(buckets.exitCode, describeResult(buckets)).toBe(0);
    expect(parseBucketNames(buckets.stdout)).toEqual(CONNECTORS);
  }, 60_000);

  test("revoked key fails within 1.5 s", async () => {
    await gateway.cliOk(["credential", "revoke", acme.access_key_id]);
    const revokedAt = Date.now();

    // The server polls for credential changes every 200 ms, so the key may work briefly after the revoke.
    let result = await aws("s3gw_acme", ["s3", "ls"]);
    while (result.exitCode === 0 && Date.now() - revokedAt < 1_500) {
      await Bun.sleep(100);
      result = await aws("s3gw_acme", ["s3", "ls"]);
    }
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("revoked");

    const otherBuckets = await aws("s3gw_other", ["s3", "ls"]);
    expect(otherBuckets.exitCode, describeResult(otherBuckets)).toBe(0);
  }, 60_000);
});
