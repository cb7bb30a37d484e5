import { expect, type APIRequestContext, type Page } from "@playwright/test";

interface Persona {
  id: string;
  name: string;
  roles: string[];
}

/** The demo personas, through the same public procedure the sign-in page uses. */
export async function demoPersonas(request: APIRequestContext): Promise<Persona[]> {
  const response = await request.get("/api/trpc/auth.demoPersonas");
  expect(response.ok()).toBeTruthy();
  const body = (await response.json()) as { result: { data: { json: Persona[] } } };
  return body.result.data.json;
}

/**
 * Signs in through Auth.js's API (CSRF token + credentials POST), not the form: fast and independent of
 * the sign-in page, which has its own test.
 */
export async function signInAs(page: Page, name: string): Promise<Persona> {
  const personas = await demoPersonas(page.request);
  const persona = personas.find((p) => p.name === name);
  if (!persona) throw new Error(`no demo persona named ${name}`);
  const csrf = (await (await page.request.get("/api/auth/csrf")).json()) as { csrfToken: string };
  const response = await page.request.post("/api/auth/callback/demo", {
    form: { csrfToken: csrf.csrfToken, identityId: persona.id, callbackUrl: "/" },
    maxRedirects: 0,
  });
  expect([200, 302]).toContain(response.status());
  return persona;
}
