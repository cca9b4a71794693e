import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Frame, Page } from 'playwright-core';

/** What the Rocket.Chat stand-in page recorded (window.__rc.events). */
export type RcEvent = { type: string; detail: unknown };

export const rcEvents = (page: Page): Promise<RcEvent[]> =>
  page.evaluate(() => (window as unknown as { __rc: { events: RcEvent[] } }).__rc.events);

export const eventTypes = async (page: Page): Promise<string[]> => (await rcEvents(page)).map((event) => event.type);

/** The Iframe URL page inside the stand-in's `<iframe title="login-iframe">`, once its form is there. */
export async function loginFrame(page: Page): Promise<Frame> {
  const handle = await page.waitForSelector('iframe[title="login-iframe"]');
  const frame = await handle.contentFrame();
  if (!frame) throw new Error('the login iframe has no document');
  await frame.waitForSelector('form');
  return frame;
}

export async function signIn(frame: Frame, username: string, password: string): Promise<void> {
  await frame.getByLabel('Username or email').fill(username);
  await frame.getByLabel('Password').fill(password);
  await frame.getByRole('button', { name: 'Sign in' }).click();
}

export async function loggedInAs(page: Page): Promise<string> {
  const status = page.getByTestId('rc-logged-in');
  await status.waitFor({ state: 'visible', timeout: 15_000 });
  return (await status.textContent()) ?? '';
}

export interface StaticSite {
  url: string;
  close(): Promise<void>;
}

/** A plain page server (a foreign site, or the operator's site), answering `routes` by path. */
export async function startStaticSite(
  host: string,
  routes: Record<string, (url: URL, headers: Record<string, string | string[] | undefined>) => { status?: number; headers?: Record<string, string>; body: string }>,
): Promise<StaticSite> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    const route = routes[url.pathname];
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    const answer = route(url, req.headers);
    res.writeHead(answer.status ?? 200, { 'content-type': 'text/html; charset=utf-8', ...answer.headers }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
