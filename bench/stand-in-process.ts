/**
 * The App stand-in (devstack/app-stand-in.ts) in a process of its own, for row 3. In
 * production the App runs elsewhere; here a separate process at least keeps its records and
 * its jti cache out of the companion's memory figures.
 * argv: <base64 SPKI PEM public key> <issuer> <audience>
 */
import { createPublicKey } from 'node:crypto';
import { startAppStandIn } from '../devstack/app-stand-in';
import { serveParent } from './ipc';

export interface StandInReady {
  url: string;
}

async function main(): Promise<void> {
  const [pemBase64, issuer, audience] = process.argv.slice(2);
  const key = createPublicKey(Buffer.from(pemBase64, 'base64').toString('utf8'));
  // Row 3 is the companion's own overhead with an App answering at once: the stand-in checks
  // the claims and the jti but not the signature, which is the App's work (row 4 measures it).
  const standIn = await startAppStandIn({ key, issuer, audience, trustSignature: true });
  let logins = 0;
  serveParent({ url: standIn.url } satisfies StandInReady, {
    /** A number makes every call fail with it (to log in without getting a token); null heals. */
    fail: (status) => {
      standIn.failWith = typeof status === 'number' ? status : undefined;
      return null;
    },
    /** Logins answered so far; the records themselves are dropped so the stand-in stays bounded. */
    logins: () => {
      logins += standIn.logins.length;
      standIn.logins.length = 0;
      standIn.tokens.length = 0;
      return logins;
    },
  }, () => standIn.close());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
