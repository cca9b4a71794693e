/** Back-channel logout (`POST /backchannel/logout`): the secret and the two senders' issuers. */
import { Text } from '../fields';
import { secretProblem } from '../parse';
import type { AreaInput, Checked, Config } from '../types';
import type { AssertionNames } from './assertion';

export const backchannelFields = {
  BACKCHANNEL_SECRET: Text("HS256 secret of logout tokens, at least 32 bytes and random (the App's `backchannel_secret`); unset, the route answers 404"),
  BACKCHANNEL_ISSUER: Text("`iss` of the App's logout tokens, which end sessions here only (default: ASSERTION_AUDIENCE, the App's assertion_audience)"),
  BACKCHANNEL_SITE_ISSUER: Text("`iss` of your site backend's logout tokens, which also end the user's Rocket.Chat logins"),
} as const;

/**
 * The App signs logout tokens with iss = its assertion_audience (our ASSERTION_AUDIENCE) and
 * aud = its assertion_issuer (our ASSERTION_ISSUER). The site's backend uses its own iss, which
 * is how the route tells the two apart: only the site's logouts are passed on to the App.
 */
export function checkBackchannel({ env, has }: AreaInput, names: AssertionNames): Checked<Config['backchannel']> {
  const problems: string[] = [];
  const weak = env.BACKCHANNEL_SECRET === undefined ? undefined : secretProblem('BACKCHANNEL_SECRET', env.BACKCHANNEL_SECRET);
  if (weak) problems.push(weak);
  const appIssuer = env.BACKCHANNEL_ISSUER ?? names.audience;
  // Equal issuers would make every App logout look like the site's and call the App back.
  if (has('BACKCHANNEL_SITE_ISSUER') && env.BACKCHANNEL_SITE_ISSUER === appIssuer) {
    problems.push("BACKCHANNEL_SITE_ISSUER must differ from the App's issuer (BACKCHANNEL_ISSUER, default ASSERTION_AUDIENCE)");
  }
  if (env.BACKCHANNEL_SECRET === undefined) {
    if (has('BACKCHANNEL_ISSUER') || has('BACKCHANNEL_SITE_ISSUER')) problems.push('BACKCHANNEL_SECRET is required when BACKCHANNEL_ISSUER or BACKCHANNEL_SITE_ISSUER is set');
    return { problems, value: undefined };
  }
  return { problems, value: { secret: new TextEncoder().encode(env.BACKCHANNEL_SECRET), appIssuer, siteIssuer: env.BACKCHANNEL_SITE_ISSUER, audience: names.issuer } };
}
