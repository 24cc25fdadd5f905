/**
 * DeleteObject and DeleteObjects.
 */
import { resolveBucket } from "../../tenancy/access.ts";
import { xmlResponse, type OperationHandler } from "../operation-context.ts";
import { planRequestBody } from "../request-body.ts";
import { childText, isRecord, readXmlBody } from "../request-xml.ts";
import { S3Error } from "../s3-error.ts";
import { element, xmlDocument, type XmlNode } from "../xml.ts";

/** Most keys one DeleteObjects request may name. */
const maxKeysPerDelete = 1000;

export const deleteObject: OperationHandler = async (context) => {
  const location = resolveBucket(context.directory, context.principal, context.parsed.bucket);
  await context.store.deleteObject(location, context.parsed.key);
  return { status: 204, headers: {} };
};

export const deleteObjects: OperationHandler = async (context) => {
  const location = resolveBucket(context.directory, context.principal, context.parsed.bucket);
  const plan = planRequestBody(context.request.headers, context.request.body, context.verified);
  const body = await readXmlBody(plan.source, "Delete");
  const objects = Array.isArray(body.Object) ? body.Object : [];
  if (objects.length === 0 || objects.length > maxKeysPerDelete) {
    throw new S3Error("MalformedXML", `DeleteObjects names ${objects.length} keys: name from 1 to ${maxKeysPerDelete}.`);
  }
  const quiet = childText(body, "Quiet")?.trim() === "true";
  const results: XmlNode[] = [];
  for (const node of objects) {
    const key = isRecord(node) ? childText(node, "Key") : undefined;
    if (key === undefined || key === "") throw new S3Error("MalformedXML", "Each Object in DeleteObjects must contain a Key.");
    // A storage failure fails the whole request with InternalError; clients retry it whole.
    await context.store.deleteObject(location, key);
    if (!quiet) results.push(element("Deleted", element("Key", key)));
  }
  return xmlResponse(xmlDocument("DeleteResult", results));
};
