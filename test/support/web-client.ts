/**
 * A cookie-keeping HTTP client for the console and the JSON API of a running gateway: signs in
 * with the login form, then calls the API with the session cookie and CSRF token. Every response
 * passes through an optional recorder, for tests that inspect everything the server sent.
 */

export interface RecordedResponse {
  method: string;
  url: string;
  status: number;
  headers: string;
  body: string;
}

export class WebClient {
  private readonly cookies = new Map<string, string>();
  csrfToken = "";

  constructor(
    private readonly baseUrl: string,
    private readonly record: (response: RecordedResponse) => void = () => {},
  ) {}

  /** Sends a request with the cookies, records the response and returns its status and text. */
  async request(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; text: string; headers: Headers }> {
    const headers: Record<string, string> = { Origin: this.baseUrl, "Sec-Fetch-Site": "same-origin", ...init.headers };
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    if (cookie) headers.Cookie = cookie;
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, redirect: "manual", ...(init.body === undefined ? {} : { body: init.body }) });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const separator = pair.indexOf("=");
      const value = pair.slice(separator + 1);
      if (value === "" || /max-age=0/i.test(line)) this.cookies.delete(pair.slice(0, separator));
      else this.cookies.set(pair.slice(0, separator), value);
    }
    const text = await response.text();
    this.record({ method, url: path, status: response.status, headers: JSON.stringify([...response.headers]), body: text });
    return { status: response.status, text, headers: response.headers };
  }

  /** Signs in with the login form and reads the session's CSRF token from the API. */
  async signIn(email: string, password: string): Promise<void> {
    const login = await this.request("GET", "/login");
    const formToken = /name="_csrf" value="([^"]+)"/.exec(login.text)?.[1] ?? "";
    const form = new URLSearchParams({ _csrf: formToken, email, password }).toString();
    const response = await this.request("POST", "/login", { headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: form });
    if (response.status !== 303) throw new Error(`sign-in of ${email} returned status ${response.status}, expected 303`);
    this.csrfToken = (JSON.parse((await this.request("GET", "/api/v1/session")).text) as { csrf_token: string }).csrf_token;
  }

  /** Calls the JSON API with the CSRF token; `body` is sent as JSON. */
  async api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const headers: Record<string, string> = { "X-CSRF-Token": this.csrfToken };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await this.request(method, `/api/v1${path}`, { headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: response.status, json: response.text === "" ? undefined : JSON.parse(response.text) };
  }

  /** Posts a console form the way htmx does. */
  async htmx(path: string, fields: Record<string, string> = {}): Promise<{ status: number; text: string }> {
    const headers = { "HX-Request": "true", "X-CSRF-Token": this.csrfToken, "Content-Type": "application/x-www-form-urlencoded" };
    return this.request("POST", path, { headers, body: new URLSearchParams(fields).toString() });
  }
}
