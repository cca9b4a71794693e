import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { createAppTokenIssuer, type AppTokenIssuerOptions } from '../../../service/modes/app/issuer';
import { createAssertionSigner } from '../../../service/modes/app/assertion';
import { TokenError } from '../../../service/modes/issuer';
import { startAppStandIn } from '../../../devstack/app-stand-in';

const user = { sub: 's1', username: 'alice', email: 'alice@example.com', email_verified: true, name: 'Alice', roles: ['user'] };
const issuer = 'https://auth.example.org';
const audience = 'https://chat.example.com';

function options(url: string, key: AppTokenIssuerOptions['key'], extra: Partial<AppTokenIssuerOptions> = {}): AppTokenIssuerOptions {
  return { loginUrl: `${url}login`, logoutUrl: `${url}logout`, statusUrl: `${url}status`, timeoutMs: 1000, key, issuer, audience, lifetimeSeconds: 30, ...extra };
}

test.each([
  ['EdDSA', generateKeyPairSync('ed25519')],
  ['ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
] as const)('%s assertions are accepted by the stand-in (checkClaims), with kid', async (alg, pair) => {
  const standIn = await startAppStandIn({ key: pair.publicKey, issuer, audience });
  try {
    const tokens = createAppTokenIssuer(options(standIn.url, { alg, key: pair.privateKey, kid: 'key-1' }));
    // With whose token it is, as the App answers it (the stand-in's ids are `u-<sub>`).
    expect(await tokens.issue(user)).toEqual({ loginToken: standIn.tokens[0], userId: `u-${user.sub}` });
    expect(standIn.logins[0]).toMatchObject({ ...user, iss: issuer, aud: audience });
    expect(standIn.logins[0].exp - standIn.logins[0].iat).toBe(30);
    await tokens.revoke(user);
    expect(standIn.logouts).toHaveLength(1);
    expect(await tokens.ready()).toBe(true);
  } finally {
    await standIn.close();
  }
});

test('each assertion has a fresh jti and the kid header', async () => {
  const signer = createAssertionSigner({ key: { alg: 'HS256', key: new Uint8Array(32), kid: 'k9' }, issuer, audience, lifetimeSeconds: 60 });
  const [a, b] = [await signer.sign(user), await signer.sign(user)];
  expect(decodeProtectedHeader(a)).toEqual({ alg: 'HS256', typ: 'JWT', kid: 'k9' });
  const jti = (jws: string) => JSON.parse(Buffer.from(jws.split('.')[1], 'base64url').toString()).jti;
  expect(jti(a)).not.toBe(jti(b));
});

test('a wrong key is denied with the App\'s reason', async () => {
  const standIn = await startAppStandIn({ key: new TextEncoder().encode('the-right-secret-the-right-secret!'), issuer, audience });
  try {
    const tokens = createAppTokenIssuer(options(standIn.url, { alg: 'HS256', key: new TextEncoder().encode('a-wrong-secret-a-wrong-secret-a-wrong') }));
    await expect(tokens.issue(user)).rejects.toEqual(new TokenError('denied', 'bad_signature'));
  } finally {
    await standIn.close();
  }
});

async function fakeApp(handler: (path: string, respond: (status: number, body: string) => void) => void) {
  const server = createServer((request, response) => handler(request.url ?? '', (status, body) => response.writeHead(status, { 'content-type': 'application/json' }).end(body)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => { server.closeAllConnections(); return new Promise<void>((r) => server.close(() => r())); } };
}

test.each([
  [403, '{"error":"provisioning_denied","reason":"user_deactivated"}', 'denied', 'user_deactivated'],
  [401, 'not json', 'denied', 'app_401'],
  [502, '{"error":"rocketchat_unavailable"}', 'unavailable', 'rocketchat_unavailable'],
  [503, '{"error":"not_configured","missing":["rc_admin_token"]}', 'unavailable', 'not_configured'],
  [200, '{"userId":"x"}', 'unavailable', 'app_bad_reply'],
  [400, '{"error":"bad_request"}', 'unavailable', 'bad_request'],
] as const)('App %i %s → %s/%s', async (status, body, kind, reason) => {
  const app = await fakeApp((_path, respond) => respond(status, body));
  try {
    const tokens = createAppTokenIssuer(options(app.url, { alg: 'HS256', key: new Uint8Array(32) }));
    await expect(tokens.issue(user)).rejects.toEqual(new TokenError(kind, reason));
  } finally {
    await app.close();
  }
});

test('timeouts and refused connections are unavailable, and not ready', async () => {
  const app = await fakeApp(() => undefined);
  try {
    const tokens = createAppTokenIssuer(options(app.url, { alg: 'HS256', key: new Uint8Array(32) }, { timeoutMs: 200 }));
    await expect(tokens.issue(user)).rejects.toEqual(new TokenError('unavailable', 'app_timeout'));
    await expect(tokens.ready()).rejects.toThrow(/^the App's status endpoint http:\/\/127\.0\.0\.1:\d+\/\S*status is unreachable \(timeout\)$/);
  } finally {
    await app.close();
  }
  const closed = createAppTokenIssuer(options('http://127.0.0.1:9/', { alg: 'HS256', key: new Uint8Array(32) }));
  await expect(closed.issue(user)).rejects.toEqual(new TokenError('unavailable', 'app_unreachable'));
});
