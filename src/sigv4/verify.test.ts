/**
 * Signature Version 4 against the worked examples in the Amazon S3 API reference
 * ("Signature Calculations for the Authorization Header", "Query String Authentication",
 * "Transferring Payload in Multiple Chunks"), with the clock frozen at their signing time.
 */
import { describe, expect, test } from "bun:test";
import { decodeAwsChunked } from "./aws-chunked.ts";
import { parseQuery } from "./canonical-query.ts";
import { SigV4Error } from "./errors.ts";
import type { SignableRequest } from "./request.ts";
import { verifyHeaderSignature, verifyPresignedSignature, type VerifyOptions } from "./verify.ts";

const accessKeyId = "AKIAIOSFODNN7EXAMPLE";
const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const emptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

function options(overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    region: "us-east-1",
    now: new Date("2013-05-24T00:00:00Z"),
    maxSkewMs: 15 * 60_000,
    maxPresignedExpiresSeconds: 604_800,
    lookupSecret: (id) => (id === accessKeyId ? secret : undefined),
    ...overrides,
  };
}

function request(method: string, target: string, headers: Record<string, string>): SignableRequest {
  const question = target.indexOf("?");
  return {
    method,
    rawPath: question === -1 ? target : target.slice(0, question),
    rawQuery: question === -1 ? "" : target.slice(question + 1),
    headers: new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), [value]])),
  };
}

function authorization(signedHeaders: string, signature: string): string {
  return `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20130524/us-east-1/s3/aws4_request,SignedHeaders=${signedHeaders},Signature=${signature}`;
}

function verifyHeader(req: SignableRequest, overrides: Partial<VerifyOptions> = {}) {
  return verifyHeaderSignature(req, parseQuery(req.rawQuery), options(overrides));
}

function s3Code(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof SigV4Error) return error.s3Code;
    throw error;
  }
  return "none";
}

const getObject = () =>
  request("GET", "/test.txt", {
    Host: "examplebucket.s3.amazonaws.com",
    Range: "bytes=0-9",
    "x-amz-content-sha256": emptySha256,
    "x-amz-date": "20130524T000000Z",
    Authorization: authorization("host;range;x-amz-content-sha256;x-amz-date", "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
  });

describe("header signatures from the S3 API reference", () => {
  test("GET object with a range", () => {
    const verified = verifyHeader(getObject());
    expect(verified.accessKeyId).toBe(accessKeyId);
    expect(verified.payload).toEqual({ kind: "signed", sha256: emptySha256 });
  });

  test("PUT object with a signed payload", () => {
    const verified = verifyHeader(
      request("PUT", "/test%24file.text", {
        Host: "examplebucket.s3.amazonaws.com",
        Date: "Fri, 24 May 2013 00:00:00 GMT",
        "x-amz-date": "20130524T000000Z",
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "x-amz-content-sha256": "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
        Authorization: authorization(
          "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
          "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
        ),
      }),
    );
    expect(verified.payload.kind).toBe("signed");
  });

  test("GET bucket lifecycle with a valueless query parameter", () => {
    const verified = verifyHeader(
      request("GET", "/?lifecycle", {
        Host: "examplebucket.s3.amazonaws.com",
        "x-amz-date": "20130524T000000Z",
        "x-amz-content-sha256": emptySha256,
        Authorization: authorization("host;x-amz-content-sha256;x-amz-date", "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
      }),
    );
    expect(verified.scope.date).toBe("20130524");
  });

  test("list objects with query parameters out of order", () => {
    const verified = verifyHeader(
      request("GET", "/?max-keys=2&prefix=J", {
        Host: "examplebucket.s3.amazonaws.com",
        "x-amz-date": "20130524T000000Z",
        "x-amz-content-sha256": emptySha256,
        Authorization: authorization("host;x-amz-content-sha256;x-amz-date", "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
      }),
    );
    expect(verified.scope.region).toBe("us-east-1");
  });
});

describe("header signature rejections", () => {
  test("wrong secret", () => {
    expect(s3Code(() => verifyHeader(getObject(), { lookupSecret: () => "x".repeat(40) }))).toBe("SignatureDoesNotMatch");
  });

  test("unknown access key id", () => {
    expect(s3Code(() => verifyHeader(getObject(), { lookupSecret: () => undefined }))).toBe("InvalidAccessKeyId");
  });

  test("altered signed header", () => {
    const req = getObject();
    (req.headers as Map<string, string[]>).set("range", ["bytes=0-10"]);
    expect(s3Code(() => verifyHeader(req))).toBe("SignatureDoesNotMatch");
  });

  test("unsigned x-amz header", () => {
    const req = getObject();
    (req.headers as Map<string, string[]>).set("x-amz-meta-extra", ["1"]);
    expect(s3Code(() => verifyHeader(req))).toBe("AccessDenied");
  });

  test("clock skew over fifteen minutes", () => {
    const error = (() => {
      try {
        verifyHeader(getObject(), { now: new Date("2013-05-24T00:15:01Z") });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SigV4Error);
    expect((error as SigV4Error).s3Code).toBe("RequestTimeTooSkewed");
    expect((error as SigV4Error).details.ServerTime).toBe("2013-05-24T00:15:01.000Z");
  });

  test("clock skew of exactly fifteen minutes is accepted", () => {
    expect(verifyHeader(getObject(), { now: new Date("2013-05-24T00:15:00Z") }).accessKeyId).toBe(accessKeyId);
  });

  test("request signed for another region names the expected one", () => {
    expect(s3Code(() => verifyHeader(getObject(), { region: "eu-west-1" }))).toBe("AuthorizationHeaderMalformed");
  });

  test("impossible x-amz-date", () => {
    const req = getObject();
    (req.headers as Map<string, string[]>).set("x-amz-date", ["20130231T000000Z"]);
    expect(s3Code(() => verifyHeader(req))).toBe("AccessDenied");
  });

  test.each([
    ["empty", ""],
    ["version 2", "AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg="],
    ["missing signature", `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20130524/us-east-1/s3/aws4_request,SignedHeaders=host`],
    ["repeated field", `${authorization("host", "0".repeat(64))},Signature=${"0".repeat(64)}`],
    ["unsorted signed headers", authorization("x-amz-date;host", "0".repeat(64))],
    ["short credential", `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20130524/us-east-1,SignedHeaders=host,Signature=${"0".repeat(64)}`],
    ["__proto__ as a field", `AWS4-HMAC-SHA256 __proto__=x,SignedHeaders=host,Signature=${"0".repeat(64)}`],
  ])("malformed authorization header: %s", (_name, header) => {
    const req = getObject();
    (req.headers as Map<string, string[]>).set("authorization", [header]);
    expect(["AuthorizationHeaderMalformed", "InvalidRequest"]).toContain(s3Code(() => verifyHeader(req)));
  });
});

describe("presigned URLs", () => {
  const presigned = (signature: string) =>
    request(
      "GET",
      "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=" +
        signature,
      { Host: "examplebucket.s3.amazonaws.com" },
    );
  const valid = "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

  test("example from the S3 API reference", () => {
    const req = presigned(valid);
    const verified = verifyPresignedSignature(req, parseQuery(req.rawQuery), options());
    expect(verified.expiresAt?.toISOString()).toBe("2013-05-25T00:00:00.000Z");
    expect(verified.payload.kind).toBe("unsigned");
  });

  test("expired URL", () => {
    const req = presigned(valid);
    expect(s3Code(() => verifyPresignedSignature(req, parseQuery(req.rawQuery), options({ now: new Date("2013-05-25T00:00:01Z") })))).toBe("AccessDenied");
  });

  test("wrong signature", () => {
    const req = presigned(valid.replace("a", "b"));
    expect(s3Code(() => verifyPresignedSignature(req, parseQuery(req.rawQuery), options()))).toBe("SignatureDoesNotMatch");
  });
});

describe("aws-chunked body from the S3 API reference", () => {
  const signedHeaders = "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class";
  const seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
  const chunkSignatures = [
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
  ];

  function chunkedBody(signatures: string[]): Uint8Array {
    const parts = [
      `10000;chunk-signature=${signatures[0]}\r\n`,
      "a".repeat(65536),
      `\r\n400;chunk-signature=${signatures[1]}\r\n`,
      "a".repeat(1024),
      `\r\n0;chunk-signature=${signatures[2]}\r\n\r\n`,
    ];
    return new TextEncoder().encode(parts.join(""));
  }

  function verifiedStreamingRequest() {
    return verifyHeader(
      request("PUT", "/examplebucket/chunkObject.txt", {
        Host: "s3.amazonaws.com",
        "x-amz-date": "20130524T000000Z",
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "Content-Encoding": "aws-chunked",
        "x-amz-decoded-content-length": "66560",
        "Content-Length": "66824",
        Authorization: authorization(signedHeaders, seed),
      }),
    );
  }

  async function* splitInto(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
    for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
  }

  async function decodeAll(body: Uint8Array, pieceSize: number): Promise<number> {
    const verified = verifiedStreamingRequest();
    let total = 0;
    const signing = { signingKey: verified.signingKey, amzDate: verified.amzDate, scope: verified.scope, seedSignature: verified.seedSignature };
    for await (const piece of decodeAwsChunked(splitInto(body, pieceSize), { signing, trailer: false })) total += piece.length;
    return total;
  }

  test("seed signature verifies", () => {
    expect(verifiedStreamingRequest().payload).toEqual({ kind: "streaming-signed", trailer: false });
  });

  test.each([1, 7, 4096, 1_000_000])("decodes with network pieces of %i bytes", async (pieceSize) => {
    expect(await decodeAll(chunkedBody(chunkSignatures), pieceSize)).toBe(66560);
  });

  test("altered chunk signature is rejected", async () => {
    const altered = [chunkSignatures[0] ?? "", chunkSignatures[1]?.replace("0", "1") ?? "", chunkSignatures[2] ?? ""];
    await expect(decodeAll(chunkedBody(altered), 8192)).rejects.toMatchObject({ s3Code: "SignatureDoesNotMatch" });
  });

  test("truncated body is rejected", async () => {
    const body = chunkedBody(chunkSignatures);
    await expect(decodeAll(body.subarray(0, body.length - 10), 8192)).rejects.toMatchObject({ s3Code: "IncompleteBody" });
  });
});
