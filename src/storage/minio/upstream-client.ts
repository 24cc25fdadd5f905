/**
 * HTTP client for the S3 upstream (MinIO or another S3 service). Requests go through `node:http`
 * because it sends the path exactly as given, while `fetch` normalizes `.` and `..` segments,
 * which can be part of object keys. Request and response bodies are streamed, never buffered
 * whole, except error bodies and small XML documents.
 */
import { once } from "node:events";
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { ByteSource } from "../types.ts";
import { sha256Hex } from "../../sigv4/signing-key.ts";
import { encodePath, encodeQuery, signRequest, unsignedPayload, type UpstreamCredentials } from "./upstream-signing.ts";

/** Address of the upstream and the TLS trust to reach it. */
export interface UpstreamEndpoint {
  /** `http://host:port` or `https://host:port`, without a path. */
  url: URL;
  /** Region the upstream expects in signatures. */
  region: string;
  /** PEM certificates trusted for an `https` endpoint, in addition to the system ones. */
  ca?: string;
}

/** A request body: small bytes (hashed and signed) or a stream of known length (unsigned payload). */
export type UpstreamBody = Uint8Array | { stream: ByteSource; length: number; payloadHash?: string };

export interface UpstreamRequest {
  method: "GET" | "HEAD" | "PUT" | "POST" | "DELETE";
  bucket?: string;
  key?: string;
  query?: readonly (readonly [string, string])[];
  /** Extra headers, names in lowercase; all are signed. */
  headers?: Record<string, string>;
  body?: UpstreamBody;
  /** Path to request in place of bucket and key, already encoded, such as `/minio/admin/v3/add-user`. */
  path?: string;
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  message: IncomingMessage;
}

/** Largest error or XML body read into memory. */
const maxDocumentBytes = 8 * 1024 * 1024;

/** Sends signed requests to one upstream endpoint over a keep-alive connection pool. */
export class UpstreamClient {
  readonly #endpoint: UpstreamEndpoint;
  readonly #agent: HttpAgent;

  constructor(endpoint: UpstreamEndpoint) {
    this.#endpoint = endpoint;
    const options = { keepAlive: true, maxSockets: 128 };
    this.#agent = endpoint.url.protocol === "https:" ? new HttpsAgent({ ...options, ...(endpoint.ca ? { ca: endpoint.ca } : {}) }) : new HttpAgent(options);
  }

  get region(): string {
    return this.#endpoint.region;
  }

  /**
   * Signs and sends a request, streaming its body, and resolves once the response headers
   * arrive. The caller must consume or destroy `message`.
   * @throws {Error} when the connection fails or the body stream throws; the request is then
   *   aborted, so the upstream stores nothing.
   */
  async send(request: UpstreamRequest, credentials: UpstreamCredentials): Promise<UpstreamResponse> {
    const path = request.path ?? encodePath(request.bucket, request.key);
    const query = request.query ?? [];
    const body = request.body;
    const headers: Record<string, string> = { host: this.#endpoint.url.host, ...request.headers };
    let payloadHash = sha256Hex(new Uint8Array(0));
    if (body instanceof Uint8Array) {
      payloadHash = sha256Hex(body);
      headers["content-length"] = String(body.length);
    } else if (body !== undefined) {
      payloadHash = body.payloadHash ?? unsignedPayload;
      headers["content-length"] = String(body.length);
    }
    const signed = signRequest({ method: request.method, path, query, headers, payloadHash }, credentials, this.#endpoint.region);
    const queryString = encodeQuery(query);
    const send = this.#endpoint.url.protocol === "https:" ? httpsRequest : httpRequest;
    const outgoing = send({
      agent: this.#agent,
      protocol: this.#endpoint.url.protocol,
      hostname: this.#endpoint.url.hostname.replace(/^\[|\]$/g, ""),
      port: this.#endpoint.url.port || (this.#endpoint.url.protocol === "https:" ? 443 : 80),
      method: request.method,
      path: queryString === "" ? path : `${path}?${queryString}`,
      headers: signed,
    });
    const responded = new Promise<IncomingMessage>((resolve, reject) => {
      outgoing.once("response", resolve);
      outgoing.once("error", reject);
    });
    try {
      await writeBody(outgoing, body);
    } catch (error) {
      outgoing.destroy();
      responded.catch(() => undefined);
      throw error;
    }
    const message = await responded;
    return { status: message.statusCode ?? 0, headers: message.headers, message };
  }

  /** Sends a request and reads the whole response body, which must be small (XML or JSON). */
  async sendForDocument(request: UpstreamRequest, credentials: UpstreamCredentials): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    const response = await this.send(request, credentials);
    return { status: response.status, headers: response.headers, body: await readLimited(response.message) };
  }

  close(): void {
    this.#agent.destroy();
  }
}

async function writeBody(outgoing: ReturnType<typeof httpRequest>, body: UpstreamBody | undefined): Promise<void> {
  if (body === undefined) {
    outgoing.end();
    return;
  }
  if (body instanceof Uint8Array) {
    outgoing.end(body);
    return;
  }
  for await (const chunk of body.stream) {
    if (outgoing.destroyed) throw new Error("The upstream closed the connection while the request body was being sent.");
    if (!outgoing.write(chunk)) await Promise.race([once(outgoing, "drain"), once(outgoing, "close")]);
  }
  outgoing.end();
}

/**
 * Reads a whole response body, up to {@link maxDocumentBytes}.
 * @throws {Error} when the body is larger.
 */
export async function readLimited(message: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of message as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxDocumentBytes) {
      message.destroy();
      throw new Error(`The upstream response body is larger than ${maxDocumentBytes} bytes.`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Exposes a response body as a web stream with backpressure; cancelling it closes the connection. */
export function responseStream(message: IncomingMessage): ReadableStream<Uint8Array> {
  const iterator = (message as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await iterator.next();
        if (done) controller.close();
        else controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      } catch (error) {
        controller.error(error);
      }
    },
    cancel() {
      message.destroy();
    },
  });
}

/** Reads one response header as a single string. */
export function headerText(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}
