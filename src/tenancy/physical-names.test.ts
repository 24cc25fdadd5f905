import { describe, expect, test } from "bun:test";
import { ConfigError, InvalidInputError } from "../errors.ts";
import { bucketNameProblem } from "./names.ts";
import { defaultBucketTemplate, orgNamePart, parseBucketTemplate, physicalBucketName } from "./physical-names.ts";

describe("orgNamePart", () => {
  test("short lowercase ids are kept", () => {
    expect(orgNamePart("acme")).toBe("acme");
    expect(orgNamePart("a1b2c3")).toBe("a1b2c3");
  });

  test("other ids get a readable prefix and a hash", () => {
    const part = orgNamePart("org_W2bXvM5pQ1");
    expect(part).toMatch(/^orgw2bxvm5pq1z[a-z2-7]{8}$/);
    expect(orgNamePart("org_W2bXvM5pQ1")).toBe(part);
  });

  test("ids differing in case or punctuation differ", () => {
    const ids = ["Acme", "acme.", "ac-me", "ac_me", "ACME", "acme-", "a.cme"];
    const parts = new Set(ids.map(orgNamePart));
    expect(parts.size).toBe(ids.length);
    expect(parts.has("acme")).toBe(false);
  });

  test("parts are lowercase letters and digits, at most 24 characters", () => {
    for (const id of ["x", "org_" + "Q".repeat(124), "a".repeat(128), "9.9.9.9", "ORG-ÄÖ"]) {
      expect(orgNamePart(id)).toMatch(/^[a-z0-9]{1,24}$/);
    }
  });
});

describe("parseBucketTemplate", () => {
  test("accepts the default and prefixed templates", () => {
    expect(parseBucketTemplate(defaultBucketTemplate).text).toBe("{org}-{bucket}");
    expect(parseBucketTemplate("s3gw-{org}.{bucket}").text).toBe("s3gw-{org}.{bucket}");
    expect(parseBucketTemplate("{bucket}-{org}").text).toBe("{bucket}-{org}");
  });

  test("rejects templates that could collide or break names", () => {
    for (const template of ["{org}{bucket}", "{org}x-{bucket}", "{bucket}-x{org}", "{org}-{org}-{bucket}", "{bucket}", "{org}_{bucket}", "Data-{org}-{bucket}"]) {
      expect(() => parseBucketTemplate(template)).toThrow(ConfigError);
    }
  });
});

describe("physicalBucketName", () => {
  const template = parseBucketTemplate(defaultBucketTemplate);

  test("joins the part and the bucket", () => {
    expect(physicalBucketName(template, "acme", "azure")).toBe("acme-azure");
  });

  test("a name longer than 63 characters is a clear error", () => {
    const bucket = "b".repeat(60);
    expect(() => physicalBucketName(template, "acme", bucket)).toThrow(InvalidInputError);
    expect(() => physicalBucketName(template, "acme", bucket)).toThrow("3 to 63 characters");
  });

  test("different organization and bucket pairs never share a name", () => {
    const orgs = ["a", "a-b", "ab", "A", "a.b", "org_1", "org-1"];
    const buckets = ["b", "b-c", "c", "a-b", "bc"];
    const names = new Map<string, string>();
    for (const org of orgs) {
      for (const bucket of buckets) {
        const name = physicalBucketName(template, orgNamePart(org), bucket);
        expect(bucketNameProblem(name)).toBeUndefined();
        expect(names.get(name)).toBeUndefined();
        names.set(name, `${org}/${bucket}`);
      }
    }
  });
});
