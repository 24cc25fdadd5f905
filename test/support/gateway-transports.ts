/**
 * A test gateway over plain HTTP or over TLS, with one organization (`acme`) and a key for it, so
 * one client test can run unchanged over both transports. Current boto3 and AWS CLI v1 send
 * trailing checksums only over TLS, so the two transports take different paths in the gateway.
 */
import { Agent } from "node:https";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { createCredential, startGateway, type TestCredential, type TestGateway } from "./gateway.ts";
import { createTestCertificate, type TestCertificate } from "./tls.ts";

export type Transport = "http" | "https";

export const transports: readonly Transport[] = ["http", "https"];

/** Buckets of an organization created with the default connector template, in listing order. */
export const defaultConnectors = ["azure", "sentinelone", "vmware"];

export interface GatewayOverTransport {
  transport: Transport;
  gateway: TestGateway;
  credential: TestCredential;
  /** S3 endpoint URL, such as `https://127.0.0.1:40123`. */
  endpoint: string;
  /** `HOST:PORT` of the S3 endpoint. */
  hostPort: string;
  /** PEM file of the self-signed certificate for the TLS transport, or undefined over HTTP. */
  caFile: string | undefined;
  caPem: string | undefined;
  /**
   * An `@aws-sdk/client-s3` client with the organization's key, for checking what the client
   * under test stored without relying on that client.
   */
  inspector: S3Client;
  stop(): Promise<void>;
}

/**
 * Starts a gateway over `transport` and creates the organization `acme` with a key.
 * @param env extra gateway settings, such as `S3GATEWAY_S3_DOMAINS`.
 */
export async function startGatewayOver(transport: Transport, env: Record<string, string> = {}): Promise<GatewayOverTransport> {
  let certificate: TestCertificate | undefined;
  let tlsEnv: Record<string, string> = {};
  if (transport === "https") {
    certificate = createTestCertificate();
    tlsEnv = { S3GATEWAY_TLS_CERT: certificate.certFile, S3GATEWAY_TLS_KEY: certificate.keyFile };
  }
  let gateway: TestGateway | undefined;
  let credential: TestCredential;
  try {
    gateway = await startGateway({ ...tlsEnv, ...env });
    credential = await createCredential(gateway, "acme", { createOrg: true });
    if (!gateway.s3Url.startsWith(`${transport}://`)) throw new Error(`expected a ${transport} endpoint, but the gateway printed ${gateway.s3Url}`);
  } catch (error) {
    // A failed start must not leave a server process or certificate files behind.
    await gateway?.stop();
    certificate?.remove();
    throw error;
  }
  const endpoint = gateway.s3Url;

  const inspector = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: credential.access_key_id, secretAccessKey: credential.secret_access_key },
    ...(certificate ? { requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: certificate.pem }) }) } : {}),
  });

  return {
    transport,
    gateway,
    credential,
    endpoint,
    hostPort: new URL(endpoint).host,
    caFile: certificate?.certFile,
    caPem: certificate?.pem,
    inspector,
    async stop() {
      inspector.destroy();
      await gateway.stop();
      certificate?.remove();
    },
  };
}

/** Returns the ETag and size that the gateway stores for `bucket`/`key`, read with the inspector. */
export async function storedObject(target: GatewayOverTransport, bucket: string, key: string): Promise<{ etag: string; size: number }> {
  const head = await target.inspector.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return { etag: head.ETag ?? "", size: head.ContentLength ?? -1 };
}
