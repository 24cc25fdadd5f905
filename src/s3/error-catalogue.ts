/**
 * The S3 errors this endpoint returns: AWS error code, HTTP status, default message and which
 * side is at fault. Messages passed at the throw site replace the default.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 */

export interface CatalogueEntry {
  status: number;
  message: string;
  fault: "client" | "server";
}

const client = (status: number, message: string): CatalogueEntry => ({ status, message, fault: "client" });

export const errorCatalogue = {
  AccessDenied: client(403, "Access Denied"),
  AuthorizationHeaderMalformed: client(400, "The authorization header is malformed."),
  AuthorizationQueryParametersError: client(400, "The authorization query parameters are malformed."),
  BadDigest: client(400, "The Content-MD5 or checksum you specified did not match what we received."),
  BucketAlreadyOwnedByYou: client(409, "The bucket already exists and belongs to your organization."),
  EntityTooLarge: client(400, "Your proposed upload exceeds the maximum allowed object size."),
  EntityTooSmall: client(400, "Your proposed upload is smaller than the minimum allowed object size."),
  IncompleteBody: client(400, "You did not provide the number of bytes specified by the Content-Length HTTP header."),
  InternalError: { status: 500, message: "We encountered an internal error. Please try again.", fault: "server" },
  InvalidAccessKeyId: client(403, "The AWS access key ID you provided does not exist in our records."),
  InvalidArgument: client(400, "Invalid Argument"),
  InvalidBucketName: client(400, "The specified bucket is not valid."),
  InvalidDigest: client(400, "The Content-MD5 or checksum you specified is not valid."),
  InvalidPart: client(400, "One or more of the specified parts could not be found, or its entity tag did not match."),
  InvalidPartOrder: client(400, "The list of parts was not in ascending order."),
  InvalidRange: client(416, "The requested range is not satisfiable."),
  InvalidRequest: client(400, "Invalid Request"),
  KeyTooLongError: client(400, "Your key is too long."),
  MalformedXML: client(400, "The XML you provided was not well-formed or did not validate against our published schema."),
  MethodNotAllowed: client(405, "The specified method is not allowed against this resource."),
  MissingContentLength: client(411, "You must provide the Content-Length HTTP header."),
  MissingSecurityHeader: client(400, "Your request is missing a required header."),
  NoSuchBucket: client(404, "The specified bucket does not exist."),
  NoSuchKey: client(404, "The specified key does not exist."),
  NoSuchUpload: client(404, "The specified multipart upload does not exist."),
  NotImplemented: { status: 501, message: "A header or operation you provided implies functionality that is not implemented.", fault: "server" },
  PreconditionFailed: client(412, "At least one of the preconditions you specified did not hold."),
  RequestTimeTooSkewed: client(403, "The difference between the request time and the server's time is too large."),
  SignatureDoesNotMatch: client(403, "The request signature we calculated does not match the signature you provided."),
  SlowDown: { status: 503, message: "Please reduce your request rate.", fault: "server" },
  XAmzContentSHA256Mismatch: client(400, "The provided 'x-amz-content-sha256' header does not match what was computed."),
} as const satisfies Record<string, CatalogueEntry>;

export type S3ErrorCode = keyof typeof errorCatalogue;
