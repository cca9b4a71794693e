import { Type } from '@sinclair/typebox';
import { PageQuery } from './pages';

/** The two-factor form of password mode: the pending login's id, the code, the CSRF token. */
export const CodeForm = Type.Object({
  pendingId: Type.String({ pattern: '^[A-Za-z0-9_-]{32}$' }),
  // Emailed codes are 6 digits, TOTP 6, backup codes longer; spaces are allowed and dropped.
  code: Type.String({ minLength: 1, maxLength: 64 }),
  _csrf: Type.String({ maxLength: 256 }),
});

const Html = Type.String({ description: 'an HTML page' });

export const CodeSubmitSchema = {
  querystring: PageQuery,
  body: CodeForm,
  response: { 200: Html, 401: Html, 403: Html, 429: Html, 503: Html },
};
