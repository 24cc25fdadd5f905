/**
 * The S3 listener. It runs on `node:http` rather than `Bun.serve` because S3 signs the path exactly
 * as sent, and the URL parsing behind `Request` (WHATWG URL) removes `.` and `..` segments, which
 * are valid in object keys. `node:http` under Bun hands over the raw request target.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { ConfigError } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import type { ByteSource } from "../storage/types.ts";
import type { S3Endpoint } from "./endpoint.ts";
import type { S3Request, S3Response } from "./operation-context.ts";

/** Unread request bodies up to this size are drained so the connection can be reused. */
const maxDrainBytes = 1024 * 1024;
/**
 * After an early response to a larger body, the rest is read and discarded for up to this long
 * before the connection is dropped. Closing at once would make the kernel reset the connection,
 * and the client could lose the error response that explains why.
 */
const discardWindowMs = 5_000;

function headerMap(request: IncomingMessage): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  const raw = request.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = (raw[index] ?? "").toLowerCase();
    const value = raw[index + 1] ?? "";
    const values = headers.get(name);
    if (values) values.push(value);
    else headers.set(name, [value]);
  }
  return headers;
}

function toS3Request(request: IncomingMessage): S3Request {
  const target = request.url ?? "/";
  const question = target.indexOf("?");
  return {
    method: request.method ?? "GET",
    rawPath: question === -1 ? target : target.slice(0, question),
    rawQuery: question === -1 ? "" : target.slice(question + 1),
    headers: headerMap(request),
    body: request as AsyncIterable<Uint8Array> as ByteSource,
    sourceAddress: request.socket.remoteAddress ?? "unknown",
    requestId: randomBytes(8).toString("hex").toUpperCase(),
  };
}

async function writeResponse(request: IncomingMessage, response: ServerResponse, result: S3Response): Promise<void> {
  const headers: Record<string, string> = { server: "S3Gateway", ...result.headers };
  const body = request.method === "HEAD" ? undefined : result.body;
  if (typeof body === "string") headers["content-length"] = String(Buffer.byteLength(body));
  else if (body === undefined && headers["content-length"] === undefined) headers["content-length"] = "0";
  const unread = !request.complete;
  const remaining = Number(request.headers["content-length"] ?? Number.POSITIVE_INFINITY);
  if (unread && !(remaining <= maxDrainBytes)) headers.connection = "close";
  response.writeHead(result.status, headers);
  if (body === undefined || typeof body === "string") {
    response.end(body);
  } else {
    await pipeStream(body, response);
  }
  if (unread) discardRestOfBody(request, headers.connection === "close");
}

/** Reads and drops the unread rest of a request body; when `bounded`, gives up after a while. */
function discardRestOfBody(request: IncomingMessage, bounded: boolean): void {
  request.resume();
  if (!bounded) return;
  const timer = setTimeout(() => request.destroy(), discardWindowMs);
  timer.unref?.();
  request.once("end", () => clearTimeout(timer));
  request.once("close", () => clearTimeout(timer));
}

async function pipeStream(stream: ReadableStream<Uint8Array>, response: ServerResponse): Promise<void> {
  const reader = stream.getReader();
  let aborted = false;
  response.once("close", () => {
    aborted = !response.writableFinished;
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (aborted) return;
      if (!response.write(value)) await waitForDrain(response);
    }
    response.end();
  } finally {
    if (!response.writableFinished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** Waits until the response can take more data or the connection closed, then removes both listeners. */
function waitForDrain(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off("drain", done);
      response.off("close", done);
      resolve();
    };
    response.on("drain", done);
    response.on("close", done);
  });
}

/**
 * Starts the S3 listener.
 * @returns the server once it listens, and the port it bound.
 */
export async function startS3Server(
  endpoint: S3Endpoint,
  listen: { host: string; port: number; tls?: { certFile: string; keyFile: string } },
  logger: Logger,
): Promise<{ server: Server; port: number }> {
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    endpoint
      .handle(toS3Request(request))
      .then((result) => writeResponse(request, response, result))
      .catch((error: unknown) => {
        logger.error({ err: error }, "writing an s3 response failed");
        response.destroy();
      });
  };
  const server: Server = listen.tls
    ? createHttpsServer({ cert: readFileSync(listen.tls.certFile), key: readFileSync(listen.tls.keyFile) }, handler)
    : createServer(handler);
  // Uploads of several GiB take longer than the default five-minute request timeout.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      const address = `${listen.host}:${listen.port}`;
      reject(error.code === "EADDRINUSE"
        ? new ConfigError(`The S3 listen address ${address} is already in use: stop the program using it, or pick another port with --s3-addr.`)
        : new ConfigError(`Cannot listen on ${address} for S3 requests (${error.code ?? error.message}): check --s3-addr.`));
    });
    server.listen(listen.port, listen.host, () => resolve());
  });
  const address = server.address();
  return { server, port: typeof address === "object" && address ? address.port : listen.port };
}
