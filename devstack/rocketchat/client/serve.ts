import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import type { Settings } from '../settings';

// The page is static: like the real client, it learns the iframe settings from settings.public at start.
// It looks like Rocket.Chat's web client (its layout, font stack and colours), so the demo shows
// the bridge where it will live; client.js drives it through the data-testid elements.
const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Rocket.Chat (stand-in)</title>
  <style>
    :root {
      --rc-font: Inter, -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Oxygen, Ubuntu, Cantarell, 'Helvetica Neue', 'Apple Color Emoji', 'Segoe UI Emoji', 'Segoe UI Symbol', 'Meteor Symbols', sans-serif;
      --rc-sidebar: #2f343d;
      --rc-sidebar-hover: #3d424b;
      --rc-sidebar-text: #9ea2a8;
      --rc-sidebar-text-strong: #ffffff;
      --rc-primary: #156ff5;
      --rc-primary-hover: #095ad2;
      --rc-text: #2f343d;
      --rc-text-hint: #6c727a;
      --rc-stroke: #ebecef;
      --rc-surface: #ffffff;
      --rc-surface-tint: #f7f8fa;
      --rc-danger: #ec0d2a;
      --rc-online: #2de0a5;
    }
    * { box-sizing: border-box; }
    html, body { height: 100%; }
    body { margin: 0; font-family: var(--rc-font); font-size: 14px; line-height: 20px; color: var(--rc-text); background: var(--rc-surface); -webkit-font-smoothing: antialiased; }
    [hidden] { display: none !important; }
    button { font: inherit; }
    .rc-app { display: flex; height: 100%; }

    .rc-sidebar { display: flex; flex-direction: column; width: 280px; flex-shrink: 0; background: var(--rc-sidebar); color: var(--rc-sidebar-text); }
    .rc-workspace { display: flex; align-items: center; gap: 12px; padding: 16px; border-bottom: 1px solid #1f2329; }
    .rc-avatar { display: inline-grid; place-items: center; width: 36px; height: 36px; border-radius: 4px; background: var(--rc-primary); color: #fff; font-weight: 700; font-size: 14px; flex-shrink: 0; }
    .rc-avatar--small { width: 28px; height: 28px; font-size: 12px; background: #f5455c; }
    .rc-workspace strong { display: block; color: var(--rc-sidebar-text-strong); font-size: 16px; line-height: 24px; }
    .rc-workspace small { display: block; font-size: 12px; line-height: 16px; }
    .rc-rooms { flex: 1; overflow-y: auto; padding: 8px 0; }
    .rc-rooms h2 { margin: 12px 16px 4px; font-size: 12px; line-height: 16px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; }
    .rc-rooms ul { list-style: none; margin: 0; padding: 0; }
    .rc-rooms li { display: flex; align-items: center; gap: 8px; padding: 6px 16px; }
    .rc-rooms li[aria-current] { background: var(--rc-sidebar-hover); color: var(--rc-sidebar-text-strong); }
    .rc-rooms .rc-hash { width: 16px; text-align: center; opacity: .8; }
    .rc-me { display: flex; align-items: center; gap: 8px; padding: 12px 16px; border-top: 1px solid #1f2329; font-size: 12px; }
    .rc-dot { width: 8px; height: 8px; border-radius: 50%; background: var(--rc-sidebar-text); flex-shrink: 0; }
    .rc-app.is-logged-in .rc-dot { background: var(--rc-online); }

    .rc-main { flex: 1; display: flex; flex-direction: column; min-width: 0; }
    .rc-header { display: flex; align-items: center; gap: 8px; height: 64px; padding: 0 24px; border-bottom: 1px solid var(--rc-stroke); }
    .rc-header h1 { margin: 0; font-size: 16px; line-height: 24px; font-weight: 700; }
    .rc-header .rc-topic { color: var(--rc-text-hint); }
    .rc-content { flex: 1; overflow-y: auto; padding: 24px; background: var(--rc-surface); }
    .rc-message { display: flex; gap: 8px; max-width: 720px; }
    .rc-message p { margin: 2px 0 12px; }
    .rc-message .rc-name { font-weight: 700; }
    .rc-message .rc-when { color: var(--rc-text-hint); font-size: 12px; margin-left: 4px; }

    .rc-button { display: inline-flex; align-items: center; justify-content: center; min-height: 40px; padding: 0 16px; border: 1px solid transparent; border-radius: 4px; font-weight: 500; cursor: pointer; }
    .rc-button--primary { background: var(--rc-primary); color: #fff; }
    .rc-button--primary:hover { background: var(--rc-primary-hover); }
    .rc-button--secondary { background: #eeeff1; color: var(--rc-text); }
    .rc-button--secondary:hover { background: #e4e7ea; }
    .rc-button:focus-visible, .rc-field input:focus-visible { outline: 2px solid var(--rc-primary); outline-offset: 2px; }

    /* Signed out without iframe login: Rocket.Chat's own login page, a card on a tinted page. */
    .rc-app.is-login .rc-sidebar, .rc-app.is-login .rc-header { display: none; }
    .rc-app.is-login .rc-content { display: grid; place-items: center; background: var(--rc-surface-tint); }
    .rc-login { width: 100%; max-width: 400px; padding: 32px; border-radius: 8px; background: var(--rc-surface); box-shadow: 0 0 12px rgba(47, 52, 61, .08); }
    .rc-login h1 { margin: 0 0 24px; font-size: 24px; line-height: 32px; font-weight: 700; }
    .rc-field { display: block; margin-bottom: 16px; font-weight: 600; }
    .rc-field input { display: block; width: 100%; height: 40px; margin-top: 4px; padding: 0 12px; border: 1px solid #cbced1; border-radius: 4px; font: inherit; font-weight: 400; color: var(--rc-text); }
    .rc-login .rc-button { width: 100%; }
    .rc-error { min-height: 20px; margin: 12px 0 0; color: var(--rc-danger); }

    /* Rocket.Chat's iframe login covers the whole client. */
    iframe[title="login-iframe"] { position: fixed; inset: 0; width: 100%; height: 100%; border: 0; background: #fff; z-index: 1; }

    @media (max-width: 767px) {
      .rc-app { flex-direction: column; }
      .rc-sidebar { width: 100%; }
      .rc-rooms, .rc-me { display: none; }
      .rc-header { padding: 0 16px; }
      .rc-content { padding: 16px; }
    }
  </style>
</head>
<body>
  <div class="rc-app">
    <aside class="rc-sidebar" aria-label="Workspace">
      <header class="rc-workspace">
        <span class="rc-avatar" aria-hidden="true">RC</span>
        <div><strong>Rocket.Chat</strong><small>Stand-in workspace</small></div>
      </header>
      <nav class="rc-rooms" aria-label="Rooms">
        <h2>Channels</h2>
        <ul>
          <li aria-current="page"><span class="rc-hash" aria-hidden="true">#</span>general</li>
          <li><span class="rc-hash" aria-hidden="true">#</span>random</li>
        </ul>
      </nav>
      <footer class="rc-me"><span class="rc-dot" aria-hidden="true"></span><span data-testid="rc-status">Loading…</span></footer>
    </aside>
    <main class="rc-main">
      <header class="rc-header"><h1># general</h1><span class="rc-topic">Iframe login stand-in</span></header>
      <div class="rc-content">
        <section data-testid="rc-home" hidden>
          <div class="rc-message">
            <span class="rc-avatar rc-avatar--small" aria-hidden="true">RC</span>
            <div>
              <span class="rc-name">Rocket.Cat</span><span class="rc-when">now</span>
              <p data-testid="rc-logged-in"></p>
            </div>
          </div>
          <button type="button" class="rc-button rc-button--secondary" data-testid="rc-logout">Logout</button>
        </section>
        <form class="rc-login" data-testid="rc-login-form" hidden>
          <h1>Login</h1>
          <label class="rc-field">Email or username <input name="user" autocomplete="username"></label>
          <label class="rc-field">Password <input name="password" type="password" autocomplete="current-password"></label>
          <label class="rc-field" data-testid="rc-2fa" hidden>Code <input name="code" autocomplete="one-time-code"></label>
          <button type="submit" class="rc-button rc-button--primary">Login</button>
          <p class="rc-error" role="alert" data-testid="rc-login-error"></p>
        </form>
      </div>
    </main>
  </div>
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
