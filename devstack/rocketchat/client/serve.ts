import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import type { Settings } from '../settings';

// The page is static: like the real client, it learns the iframe settings from settings.public at start.
const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Rocket.Chat (stand-in)</title>
  <style>
    body { font-family: sans-serif; margin: 0; }
    main { padding: 1rem; }
    iframe[title="login-iframe"] { position: fixed; inset: 0; width: 100%; height: 100%; border: 0; background: #fff; z-index: 1; }
    [hidden] { display: none !important; }
  </style>
</head>
<body>
  <main>
    <p data-testid="rc-status">Loading…</p>
    <section data-testid="rc-home" hidden>
      <p data-testid="rc-logged-in"></p>
      <button type="button" data-testid="rc-logout">Logout</button>
    </section>
    <form data-testid="rc-login-form" hidden>
      <h1>Login</h1>
      <label>Email or username <input name="user" autocomplete="username"></label>
      <label>Password <input name="password" type="password" autocomplete="current-password"></label>
      <label data-testid="rc-2fa" hidden>Code <input name="code" autocomplete="one-time-code"></label>
      <button type="submit">Login</button>
      <p role="alert" data-testid="rc-login-error"></p>
    </form>
  </main>
  <script src="/client.js"></script>
</body>
</html>`;

/** Serves the web client stand-in; false when the path is not one of its own. */
export async function serveClient(path: string, settings: Settings, res: ServerResponse): Promise<boolean> {
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  // Rocket.Chat's Iframe_Restrict_Access sends X-Frame-Options: sameorigin; off here unless a test turns it on.
  if (settings.get('Iframe_Restrict_Access') === true) headers['x-frame-options'] = 'sameorigin';
  if (path === '/' || path === '/home') {
    res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    return true;
  }
  if (path === '/client.js') {
    const js = await readFile(join(__dirname, 'client.js'), 'utf8');
    res.writeHead(200, { ...headers, 'content-type': 'text/javascript; charset=utf-8' }).end(js);
    return true;
  }
  return false;
}
