/*
 * The Rocket.Chat web client's iframe login, reduced to what docs/rocketchat.md describes
 * (useIframe.ts + useIframeLoginListener.ts, 7.x). Events are recorded on window.__rc.events
 * so tests can assert what happened, in order.
 */
(function () {
  'use strict';
  var TOKEN_KEY = 'Meteor.loginToken';
  var USER_KEY = 'Meteor.userId';
  var IFRAME_SETTINGS = ['Accounts_iframe_enabled', 'Accounts_iframe_url', 'Accounts_Iframe_api_url', 'Accounts_Iframe_api_method', 'Accounts_Iframe_api_send_content_type', 'Iframe_Integration_receive_enable', 'Iframe_Integration_receive_origin', 'Test_Legacy_Social_Login'];
  var rc = (window.__rc = { events: [], user: null, settings: {} });
  var $ = function (id) { return document.querySelector('[data-testid="' + id + '"]'); };

  function record(type, detail) {
    rc.events.push({ type: type, detail: detail === undefined ? null : detail, at: Date.now() });
  }

  function setStatus(text) { $('rc-status').textContent = text; }

  // Only the look: signed in (the sidebar's presence dot), or Rocket.Chat's own login page.
  function setView(view) {
    var app = document.querySelector('.rc-app');
    if (!app) return;
    app.classList.toggle('is-logged-in', view === 'logged-in');
    app.classList.toggle('is-login', view === 'login');
  }

  async function loadSettings() {
    var res = await fetch('/api/v1/settings.public?_id=' + IFRAME_SETTINGS.join(','));
    var body = await res.json();
    rc.settings = {};
    body.settings.forEach(function (s) { rc.settings[s._id] = s.value; });
  }

  // All four must be set; an empty API URL falls back to the client's own login form.
  function iframeEnabled() {
    var s = rc.settings;
    return !!(s.Accounts_iframe_enabled && s.Accounts_iframe_url && s.Accounts_Iframe_api_url && s.Accounts_Iframe_api_method);
  }

  async function restLogin(payload) {
    var res = await fetch('/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload) });
    var body = await res.json().catch(function () { return {}; });
    if (res.status !== 200 || body.status !== 'success') {
      var err = new Error(body.message || body.error || 'Login failed');
      err.body = body;
      throw err;
    }
    return body.data;
  }

  function loggedIn(data) {
    localStorage.setItem(TOKEN_KEY, data.authToken);
    localStorage.setItem(USER_KEY, data.userId);
    rc.user = { userId: data.userId, username: data.me.username };
    rc.me = data.me;
    removeIframe();
    $('rc-login-form').hidden = true;
    $('rc-home').hidden = false;
    setView('logged-in');
    $('rc-logged-in').textContent = 'Logged in as ' + data.me.username;
    setStatus('Logged in');
    record('logged-in', rc.user);
  }

  // Meteor.loginWithToken for `loginToken`, the `{iframe: true, token}` login method for `token`.
  async function loginWithToken(tokenData) {
    if (typeof tokenData === 'string') tokenData = { token: tokenData };
    if (tokenData && tokenData.loginToken) {
      record('login-attempt', { kind: 'resume' });
      return loggedIn(await restLogin({ resume: tokenData.loginToken }));
    }
    record('login-attempt', { kind: 'iframe' });
    return loggedIn(await restLogin({ iframe: true, token: tokenData && tokenData.token }));
  }

  function iframeUrl() {
    var url = rc.settings.Accounts_iframe_url;
    if (navigator.userAgent.indexOf('Electron') > -1) url += (url.indexOf('?') > -1 ? '&' : '?') + 'client=electron';
    return url;
  }

  function showIframe() {
    removeIframe();
    var frame = document.createElement('iframe');
    frame.title = 'login-iframe';
    frame.src = iframeUrl();
    document.body.appendChild(frame);
    setStatus('Waiting for the iframe login');
    record('iframe-shown', frame.src);
  }

  function removeIframe() {
    var frame = document.querySelector('iframe[title="login-iframe"]');
    if (frame) frame.remove();
  }

  // Ask the API URL with the browser's cookies; only a 200 counts, anything else shows the iframe.
  async function tryLogin() {
    var s = rc.settings;
    var init = { method: s.Accounts_Iframe_api_method, credentials: 'include' };
    if (s.Accounts_Iframe_api_send_content_type) init.headers = { 'Content-Type': 'application/json' };
    record('api-request', { url: s.Accounts_Iframe_api_url, method: init.method });
    var res;
    try {
      res = await fetch(s.Accounts_Iframe_api_url, init);
    } catch (err) {
      record('api-error', String(err && err.message));
      showIframe();
      throw err;
    }
    record('api-response', { status: res.status });
    if (!res.ok || res.status !== 200) {
      showIframe();
      throw new Error('API URL answered ' + res.status);
    }
    try {
      var body = await res.json();
      // 7.8+ calls both logins when both fields are present; the stand-in does the same.
      if (body.loginToken && body.token) await loginWithToken({ token: body.token }).catch(function () {});
      if (!body.loginToken && !body.token) throw new Error('No token in the API URL reply');
      await loginWithToken(body);
    } catch (err) {
      record('login-failed', String(err.message));
      showIframe();
      throw err;
    }
  }

  function showLoginForm() {
    $('rc-login-form').hidden = false;
    setView('login');
    setStatus('Please log in');
    record('login-form-shown');
  }

  async function start() {
    $('rc-home').hidden = true;
    setView('');
    await loadSettings();
    var stored = localStorage.getItem(TOKEN_KEY);
    if (stored) {
      try {
        return await loginWithToken({ loginToken: stored });
      } catch (err) {
        localStorage.removeItem(TOKEN_KEY);
        record('stored-token-rejected', String(err.message));
      }
    }
    if (iframeEnabled()) return tryLogin().catch(function () {});
    showLoginForm();
  }

  async function logout() {
    var me = rc.me;
    var headers = { 'X-User-Id': localStorage.getItem(USER_KEY) || '', 'X-Auth-Token': localStorage.getItem(TOKEN_KEY) || '' };
    await fetch('/api/v1/logout', { method: 'POST', headers: headers }).catch(function () {});
    localStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(USER_KEY);
    rc.user = null;
    rc.me = null;
    record('logged-out');
    // Meteor.logout's callback calls logoutCleanUp, whose server side raises the Apps event
    // IPostUserLoggedOut; the emptied token store sends the client back to the API URL (issue
    // #28006). The real client runs the two side by side; this one lets logoutCleanUp answer
    // first, unless `__rc.sideBySide` is set (SECURITY.md, known limits: the race this opens).
    var cleanUp = me ? logoutCleanUp(me) : Promise.resolve();
    if (!rc.sideBySide) await cleanUp;
    await start();
  }

  function logoutCleanUp(me) {
    var message = JSON.stringify({ msg: 'method', id: String(Date.now()), method: 'logoutCleanUp', params: [me] });
    return fetch('/api/v1/method.callAnon/logoutCleanUp', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ message: message }) })
      .then(function (res) { record('logout-cleanup', { status: res.status }); }, function () {});
  }

  function reply(e, message) {
    record('login-error-posted', { origin: e.origin, response: message });
    if (e.source) e.source.postMessage({ event: 'login-error', response: message }, e.origin);
  }

  // No e.origin check, exactly like the real listener; it only acts while iframe login is enabled.
  window.addEventListener('message', function (e) {
    var data = e.data;
    if (!(typeof data === 'function' || (typeof data === 'object' && data !== null))) return;
    if (data.externalCommand) return externalCommand(e);
    if (!iframeEnabled()) return;
    record('message', { origin: e.origin, event: data.event });
    if (data.event === 'try-iframe-login') {
      tryLogin().catch(function (err) { reply(e, err.message); });
    } else if (data.event === 'login-with-token') {
      loginWithToken(data).catch(function (err) { reply(e, err.message); });
    } else if (/^call-(facebook|google|twitter)-login$/.test(data.event)) {
      legacySocialLogin(e);
    }
  });

  // Current clients ignore call-*-login (docs/rocketchat.md, "The iframe and its messages"). The stand-in-only setting
  // Test_Legacy_Social_Login = {mode: 'success' | 'error' | 'never', responses: {<provider>: {...}},
  // error} answers like the 0.x Cordova client did: to e.source, with targetOrigin e.origin.
  function legacySocialLogin(e) {
    var provider = e.data.event.slice('call-'.length, -'-login'.length);
    var legacy = rc.settings.Test_Legacy_Social_Login;
    record('social-login-asked', { origin: e.origin, provider: provider, permissions: e.data.permissions || null, answering: !!legacy });
    if (!legacy || legacy.mode === 'never' || !e.source) return;
    if (legacy.mode === 'error') {
      e.source.postMessage({ event: provider + '-login-error', error: legacy.error, response: legacy.error }, e.origin);
    } else {
      e.source.postMessage({ event: provider + '-login-success', response: (legacy.responses || {})[provider] }, e.origin);
    }
  }

  // When Rocket.Chat itself is embedded: Iframe_Integration_receive_*; here the origin IS checked.
  function externalCommand(e) {
    var s = rc.settings;
    var origins = String(s.Iframe_Integration_receive_origin || '').split(',');
    if (!s.Iframe_Integration_receive_enable || (origins.indexOf('*') === -1 && origins.indexOf(e.origin) === -1)) return;
    record('external-command', { origin: e.origin, command: e.data.externalCommand });
    if (e.data.externalCommand === 'login-with-token') loginWithToken({ loginToken: e.data.token }).catch(function () {});
    if (e.data.externalCommand === 'logout') logout();
  }

  $('rc-logout').addEventListener('click', function () { logout(); });

  $('rc-login-form').addEventListener('submit', async function (ev) {
    ev.preventDefault();
    var form = ev.target;
    var payload = { user: form.user.value, password: form.password.value };
    if (form.code.value) payload.code = form.code.value;
    try {
      loggedIn(await restLogin(payload));
    } catch (err) {
      var totp = err.body && (err.body.error === 'totp-required' || err.body.error === 'totp-invalid');
      $('rc-2fa').hidden = !totp;
      $('rc-login-error').textContent = err.message;
      record('form-login-failed', err.body && err.body.error);
    }
  });

  start().catch(function (err) { record('start-failed', String(err && err.message)); });
})();
