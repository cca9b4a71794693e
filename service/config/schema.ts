/**
 * Every environment variable of the companion, one TypeBox schema composed of the areas' slices in
 * the order of .env.example and docs/configuration.md (which is generated from it).
 */
import { Type, type Static } from '@sinclair/typebox';
import { appModeFields, signingKeyFields } from '../modes/app/config';
import { mongoModeFields } from '../modes/mongo/config';
import { passwordModeFields } from '../modes/password/config';
import { Choice } from './fields';
import { assertionFields } from './areas/assertion';
import { backchannelFields } from './areas/backchannel';
import { forwardFields, identityFields, jwtCookieFields } from './areas/identity';
import { limitFields } from './areas/limits';
import { pageFields } from './areas/pages';
import { sessionFields } from './areas/session';
import { siteFields } from './areas/site';
import { socialFields } from './areas/social';
import { storeFields } from './areas/stores';

const modeFields = {
  TOKEN_MODE: Choice(['app', 'mongo', 'password'], 'app', '`app` (an assertion to the App, which mints the token), `mongo` (`services.iframe.token` written in Rocket.Chat\'s database) or `password` (the user\'s own Rocket.Chat password)'),
} as const;

/** The areas, each a heading of docs/configuration.md. */
export const AREAS = [
  { title: 'Where things are', fields: siteFields },
  { title: 'Token mode', fields: modeFields },
  { title: 'App mode', fields: appModeFields },
  { title: 'The assertion', fields: { ...assertionFields, ...signingKeyFields } },
  { title: 'Back-channel logout', fields: backchannelFields },
  { title: 'Password mode', fields: passwordModeFields },
  { title: 'Sessions', fields: sessionFields },
  { title: 'Identity source', fields: identityFields },
  { title: 'MongoDB', fields: { ...storeFields, ...mongoModeFields } },
  { title: 'forward identity source', fields: forwardFields },
  { title: 'jwt-cookie identity source', fields: jwtCookieFields },
  { title: 'Abuse limits', fields: limitFields },
  { title: 'Login pages: branding and languages', fields: pageFields },
  { title: 'Social sign-in relay', fields: socialFields },
] as const;

export const EnvSchema = Type.Object({
  ...siteFields,
  ...modeFields,
  ...appModeFields,
  ...assertionFields,
  ...signingKeyFields,
  ...backchannelFields,
  ...passwordModeFields,
  ...sessionFields,
  ...identityFields,
  ...storeFields,
  ...mongoModeFields,
  ...forwardFields,
  ...jwtCookieFields,
  ...limitFields,
  ...pageFields,
  ...socialFields,
});
export type Env = Static<typeof EnvSchema>;
