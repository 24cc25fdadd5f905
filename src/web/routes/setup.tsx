/**
 * The first-administrator setup page, reached through the one-time link that the server prints
 * while no account exists.
 */
import type { Hono } from "hono";
import { SetupLinkInvalidPage, SetupPage } from "../../../templates/setup/setup-page.tsx";
import { InvalidInputError } from "../../errors.ts";
import { minPasswordLength } from "../../identity/users.ts";
import { ensureFormToken } from "../csrf.ts";
import type { ConsoleDeps, WebEnv } from "../env.ts";
import { readForm } from "../form.ts";
import { renderPage } from "../render.ts";
import { completeSignIn } from "./sign-in.tsx";

export function registerSetupRoutes(app: Hono<WebEnv>, deps: ConsoleDeps): void {
  const { ctx, cookies, assets } = deps;
  const invalidLink = () => <SetupLinkInvalidPage assets={assets} />;

  // NOTE: UserService.completeSetup checks the token before hashing the password and inserting
  // the user, so two concurrent requests could both pass the check. Setups are run one at a time
  // here, which closes that gap within one process but not across several.
  let setupQueue: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T,>(task: () => Promise<T>): Promise<T> => {
    const run = setupQueue.then(task, task);
    setupQueue = run.catch(() => undefined);
    return run;
  };

  app.get("/setup", (c) => {
    const setupToken = c.req.query("token") ?? "";
    if (!ctx.users.isSetupTokenValid(setupToken)) return renderPage(c, invalidLink(), 403);
    const page = (
      <SetupPage assets={assets} formToken={ensureFormToken(c, cookies)} setupToken={setupToken} minPasswordLength={minPasswordLength} />
    );
    return renderPage(c, page);
  });

  app.post("/setup", async (c) => {
    const form = await readForm(c);
    const setupToken = form.get("token") ?? "";
    const email = (form.get("email") ?? "").trim();
    const password = form.get("password") ?? "";
    const formWithError = (error: string) => (
      <SetupPage
        assets={assets}
        formToken={ensureFormToken(c, cookies)}
        setupToken={setupToken}
        minPasswordLength={minPasswordLength}
        email={email}
        error={error}
      />
    );

    return oneAtATime(async () => {
      if (!ctx.users.isSetupTokenValid(setupToken)) return renderPage(c, invalidLink(), 403);
      if (password !== (form.get("passwordRepeat") ?? "")) {
        return renderPage(c, formWithError("The two passwords do not match: type the same password in both fields."), 400);
      }
      try {
        const user = await ctx.users.completeSetup(setupToken, email, password);
        return completeSignIn(c, deps, user);
      } catch (error) {
        if (error instanceof InvalidInputError) return renderPage(c, formWithError(error.message), 400);
        throw error;
      }
    });
  });
}
