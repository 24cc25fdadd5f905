/**
 * The OpenAPI 3.1 description of the JSON API, served at `/api/v1/openapi.json`. Kept beside the
 * routes in routes/api.ts; a test checks that both list the same operations.
 * @see https://spec.openapis.org/oas/v3.1.0
 */

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

const credentialResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Credential" } } },
});

const keyIdParameter = { name: "id", in: "path", required: true, description: "Access key id, such as GWABCDEFGHIJKLMNOPQR.", schema: { type: "string" } };
const orgParameter = { name: "org", in: "path", required: true, description: "Organization id.", schema: { type: "string" } };

const unauthenticated = errorResponse("Not signed in: no session cookie and no valid bearer token.");
const forbidden = errorResponse("CSRF token missing or wrong, or the caller lacks the role.");
const notFound = errorResponse("No such key or organization among those the caller can see.");

/** Builds the document with the console's public URL as its server. */
export function openApiDocument(serverUrl: string): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "S3 Gateway API",
      version: "1",
      description:
        "Generate, list, renew, revoke and delete the S3 access keys of your organizations. Authenticate with the console's " +
        "session cookie and send the session's CSRF token (from GET /session) in X-CSRF-Token on every POST and DELETE, or " +
        "with a bearer token where the gateway accepts them. Members see and manage their own keys; organization admins see " +
        "and revoke every key of their organization; platform admins are admins of every organization.",
    },
    servers: [{ url: `${serverUrl}/api/v1` }],
    security: [{ sessionCookie: [] }, { bearerToken: [] }],
    paths: {
      "/session": {
        get: {
          operationId: "getSession",
          summary: "The signed-in user, their organizations and the CSRF token",
          responses: {
            "200": { description: "The caller.", content: { "application/json": { schema: { $ref: "#/components/schemas/Session" } } } },
            "401": unauthenticated,
          },
        },
      },
      "/credentials": {
        get: {
          operationId: "listCredentials",
          summary: "Keys the caller can see, across their organizations",
          parameters: [{ name: "org", in: "query", required: false, description: "Only this organization.", schema: { type: "string" } }],
          responses: {
            "200": { description: "Newest first.", content: { "application/json": { schema: { $ref: "#/components/schemas/CredentialList" } } } },
            "401": unauthenticated,
            "404": notFound,
          },
        },
      },
      "/organizations/{org}/credentials": {
        parameters: [orgParameter],
        get: {
          operationId: "listOrganizationCredentials",
          summary: "Keys of one organization that the caller can see",
          responses: {
            "200": { description: "Newest first, with the organization's active count and limit.", content: { "application/json": { schema: { $ref: "#/components/schemas/OrganizationCredentialList" } } } },
            "401": unauthenticated,
            "404": notFound,
          },
        },
        post: {
          operationId: "createCredential",
          summary: "Generate a key; the response is the only time the secret is returned",
          requestBody: { required: false, content: { "application/json": { schema: { $ref: "#/components/schemas/CreateCredential" } } } },
          responses: {
            "201": { description: "The new key with its secret and client configuration.", content: { "application/json": { schema: { $ref: "#/components/schemas/NewCredential" } } } },
            "400": errorResponse("Invalid label, access level or bucket."),
            "401": unauthenticated,
            "403": forbidden,
            "404": notFound,
            "409": errorResponse("The organization has the maximum of active keys; error.revocable lists keys the caller may revoke."),
          },
        },
      },
      "/credentials/{id}": {
        parameters: [keyIdParameter],
        get: { operationId: "getCredential", summary: "One key", responses: { "200": credentialResponse("The key."), "401": unauthenticated, "404": notFound } },
        delete: {
          operationId: "deleteCredential",
          summary: "Delete a revoked or expired key from the history; the audit trail keeps its record",
          parameters: [{ name: "revoke", in: "query", required: false, description: "true revokes an active key before deleting it.", schema: { type: "string", enum: ["true"] } }],
          responses: {
            "204": { description: "Deleted." },
            "401": unauthenticated,
            "403": forbidden,
            "404": notFound,
            "409": errorResponse("The key is active and revoke=true was not given."),
          },
        },
      },
      "/credentials/{id}/configuration": {
        parameters: [keyIdParameter],
        get: {
          operationId: "getCredentialConfiguration",
          summary: "Client configuration of a key, with a placeholder where the secret goes",
          responses: {
            "200": { description: "Snippets.", content: { "application/json": { schema: { $ref: "#/components/schemas/ConfigurationResponse" } } } },
            "401": unauthenticated,
            "404": notFound,
          },
        },
      },
      "/credentials/{id}/renew": {
        parameters: [keyIdParameter],
        post: {
          operationId: "renewCredential",
          summary: "Extend an active key by its lifetime from now, up to the operator's maximum age",
          responses: { "200": credentialResponse("The renewed key."), "401": unauthenticated, "403": forbidden, "404": notFound, "409": errorResponse("Revoked, expired or at its maximum age.") },
        },
      },
      "/credentials/{id}/revoke": {
        parameters: [keyIdParameter],
        post: {
          operationId: "revokeCredential",
          summary: "Revoke a key; the next S3 request signed with it is rejected",
          responses: { "200": credentialResponse("The revoked key."), "401": unauthenticated, "403": forbidden, "404": notFound, "409": errorResponse("Already revoked.") },
        },
      },
      "/organizations/{org}/audit-events": {
        parameters: [orgParameter],
        get: {
          operationId: "listAuditEvents",
          summary: "The organization's audit trail, newest first (organization admins)",
          parameters: [
            { name: "limit", in: "query", required: false, description: "Events per page, 1 to 500; 100 by default.", schema: { type: "integer", minimum: 1, maximum: 500 } },
            { name: "before", in: "query", required: false, description: "Only events with a smaller id: the next_before of the previous page.", schema: { type: "integer", minimum: 1 } },
          ],
          responses: {
            "200": { description: "A page of events.", content: { "application/json": { schema: { $ref: "#/components/schemas/AuditPage" } } } },
            "400": errorResponse("Invalid limit or before."),
            "401": unauthenticated,
            "403": forbidden,
            "404": notFound,
          },
        },
      },
    },
    components: {
      securitySchemes: {
        sessionCookie: { type: "apiKey", in: "cookie", name: "__Host-s3gw_session", description: "The console's session cookie (s3gw_session when the console is served over plain HTTP on a non-loopback host)." },
        bearerToken: { type: "http", scheme: "bearer", description: "An access token from a configured identity provider, checked at its userinfo endpoint. Accepted only when identity providers are configured." },
      },
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "message", "request_id"],
              properties: {
                code: { type: "string", examples: ["not_found", "limit_exceeded", "csrf_rejected"] },
                message: { type: "string", description: "What failed and what to do." },
                request_id: { type: "string" },
                revocable: { type: "array", items: { type: "string" }, description: "With limit_exceeded: active keys the caller may revoke." },
              },
            },
          },
        },
        Session: {
          type: "object",
          required: ["user", "organizations", "authenticated_by", "csrf_token"],
          properties: {
            user: { type: "object", properties: { id: { type: "string" }, email: { type: "string" }, platform_admin: { type: "boolean" } } },
            organizations: { type: "array", items: { type: "object", properties: { id: { type: "string" }, name: { type: "string" }, role: { type: "string", enum: ["member", "admin"] } } } },
            authenticated_by: { type: "string", enum: ["session", "bearer"] },
            csrf_token: { type: ["string", "null"], description: "Send it in X-CSRF-Token; null for bearer tokens, which need none." },
          },
        },
        Credential: {
          type: "object",
          required: ["access_key_id", "org", "status", "access", "buckets", "created_at", "expires_at", "actions"],
          properties: {
            access_key_id: { type: "string" },
            org: { type: "string" },
            label: { type: ["string", "null"] },
            status: { type: "string", enum: ["active", "expired", "revoked"] },
            access: { $ref: "#/components/schemas/Access" },
            buckets: { type: ["array", "null"], items: { type: "string" }, description: "null means every bucket of the organization." },
            created_by: { type: ["string", "null"], description: "User id; null for keys created with the command line." },
            created_at: { type: "string", format: "date-time" },
            expires_at: { type: "string", format: "date-time" },
            revoked_at: { type: ["string", "null"], format: "date-time" },
            last_used_at: { type: ["string", "null"], format: "date-time", description: "Written in batches, so up to a few seconds late." },
            last_used_from: { type: ["string", "null"] },
            lifetime_seconds: { type: "integer", description: "How far a renewal extends the key from the time of renewal." },
            actions: {
              type: "object",
              properties: { view_configuration: { type: "boolean" }, renew: { type: "boolean" }, revoke: { type: "boolean" }, delete: { type: "boolean" } },
            },
          },
        },
        NewCredential: {
          allOf: [
            { $ref: "#/components/schemas/Credential" },
            {
              type: "object",
              required: ["secret_access_key", "configuration"],
              properties: { secret_access_key: { type: "string" }, configuration: { $ref: "#/components/schemas/Configuration" } },
            },
          ],
        },
        CredentialList: { type: "object", properties: { credentials: { type: "array", items: { $ref: "#/components/schemas/Credential" } } } },
        OrganizationCredentialList: {
          type: "object",
          properties: {
            credentials: { type: "array", items: { $ref: "#/components/schemas/Credential" } },
            active_count: { type: "integer" },
            max_active: { type: "integer" },
          },
        },
        CreateCredential: {
          type: "object",
          additionalProperties: false,
          properties: {
            label: { type: "string", maxLength: 100 },
            access: { $ref: "#/components/schemas/Access" },
            buckets: { type: ["array", "null"], items: { type: "string" }, minItems: 1, description: "A subset of the organization's buckets; leave out or null for every bucket." },
          },
        },
        Access: {
          type: "string",
          enum: ["read-write", "read-only", "write-only"],
          description: "read-only lists and downloads; write-only uploads without listing, downloading or deleting.",
        },
        Configuration: {
          type: "object",
          properties: {
            profile: { type: "string" },
            region: { type: "string" },
            endpoint_url: { type: "string" },
            aws_cli: { type: "string", description: "aws configure set lines, one per line." },
            environment: { type: "string", description: "export lines for a POSIX shell." },
            boto3: { type: "string" },
            rclone: { type: "string", description: "A section for rclone.conf." },
          },
        },
        ConfigurationResponse: {
          type: "object",
          properties: { access_key_id: { type: "string" }, secret_placeholder: { type: "string" }, configuration: { $ref: "#/components/schemas/Configuration" } },
        },
        AuditPage: {
          type: "object",
          properties: {
            events: {
              type: "array",
              items: {
                type: "object",
                properties: {
                  id: { type: "integer" },
                  at: { type: "string", format: "date-time" },
                  actor: { type: "string", description: "user:<id>, cli, setup, system, anonymous or s3-client." },
                  action: { type: "string" },
                  org: { type: ["string", "null"] },
                  target: { type: ["string", "null"] },
                  source_address: { type: ["string", "null"] },
                  detail: { type: "object" },
                },
              },
            },
            next_before: { type: ["integer", "null"] },
          },
        },
      },
    },
  };
}
