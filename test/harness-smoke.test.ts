// Checks that scripts/install-test-peers.sh left the peers that other tests run:
// the Python venv with boto3 and Debian's AWS CLI v2.
import { describe, expect, test } from "bun:test";

function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(`${name} is not set: run the tests through scripts/test.sh, which sets it`);
  }
  return value;
}

describe("test harness", () => {
  test("arithmetic sanity", () => {
    expect(1 + 1).toBe(2);
  });

  test("venv python imports boto3", () => {
    const python = requireEnv("S3GW_TEST_PYTHON");
    const result = Bun.spawnSync([python, "-c", "import boto3; print(boto3.__version__)"]);

    expect(result.stderr.toString()).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout.toString().trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  test("AWS CLI is version 2", () => {
    const awsCli = requireEnv("S3GW_TEST_AWS_CLI_V2");
    expect(awsCli).toBe("/usr/bin/aws");

    const result = Bun.spawnSync([awsCli, "--version"]);

    expect(result.exitCode).toBe(0);
    expect(result.stdout.toString()).toStartWith("aws-cli/2.");
  });
});
