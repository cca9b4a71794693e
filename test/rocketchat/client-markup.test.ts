/**
 * The stand-in's web client page as served: laid out for phones as Rocket.Chat's client is (the
 * viewport meta), in Rocket.Chat's look, and with every element client.js and the browser
 * suites drive.
 */
import { startRocketChat, type RocketChatStandIn } from '../../devstack/rocketchat';

let rc: RocketChatStandIn;
let page: string;

beforeAll(async () => {
  rc = await startRocketChat();
  page = await (await fetch(`${rc.url}/`)).text();
});
afterAll(async () => {
  await rc?.close();
});

test('it has the viewport meta of a mobile-ready page', () => {
  expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
});

test("it uses Rocket.Chat's font stack and colours: a sidebar beside the main area", () => {
  expect(page).toContain("Inter, -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto");
  for (const colour of ['#2f343d', '#156ff5', '#6c727a']) expect(page).toContain(colour);
  expect(page).toMatch(/<aside class="rc-sidebar"[^>]*>[\s\S]*<\/aside>\s*<main class="rc-main">/);
});

test('every element the client script and the suites use is there', () => {
  for (const id of ['rc-status', 'rc-home', 'rc-logged-in', 'rc-logout', 'rc-login-form', 'rc-2fa', 'rc-login-error']) {
    expect(page).toContain(`data-testid="${id}"`);
  }
  for (const name of ['user', 'password', 'code']) expect(page).toContain(`name="${name}"`);
  expect(page).toContain('iframe[title="login-iframe"]');
  expect(page).toContain('<script src="/client.js"></script>');
});
