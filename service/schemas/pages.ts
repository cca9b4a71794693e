import { Type } from '@sinclair/typebox';

/** The query Rocket.Chat (and our own form) may put on the login page; kept through the flow. */
export const PageQuery = Type.Object({
  client: Type.Optional(Type.String({ pattern: '^[a-z]{1,16}$' })),
  lang: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$' })),
  /** Matches the page to the workspace's theme; without it the browser's preferences decide. */
  theme: Type.Optional(Type.Union([Type.Literal('light'), Type.Literal('dark'), Type.Literal('high-contrast')])),
});

export const LoginForm = Type.Object({
  username: Type.String({ maxLength: 320 }),
  password: Type.String({ maxLength: 1024 }),
  _csrf: Type.String({ maxLength: 256 }),
});

/** "Continue as <name>" after a Rocket.Chat logout: only the CSRF token (a missing one is refused like a wrong one). */
export const ContinueForm = Type.Object({
  _csrf: Type.Optional(Type.String({ maxLength: 256 })),
});

export const LogoutForm = Type.Object({
  _csrf: Type.Optional(Type.String({ maxLength: 256 })),
});

const Html = Type.String({ description: 'an HTML page' });

export const LoginPageSchema = {
  querystring: PageQuery,
  response: { 200: Html, 401: Html, 403: Html, 429: Html, 503: Html },
};

export const LoginSubmitSchema = {
  querystring: PageQuery,
  body: LoginForm,
  response: { 200: Html, 401: Html, 403: Html, 429: Html, 503: Html },
};

export const ContinueSubmitSchema = {
  querystring: PageQuery,
  body: ContinueForm,
  response: { 200: Html, 303: Type.Null(), 403: Html, 429: Html, 503: Html },
};

export const LogoutSchema = {
  querystring: PageQuery,
  body: LogoutForm,
  response: { 200: Type.Object({ loggedOut: Type.Literal(true) }), 303: Type.Null(), 403: Type.Object({ error: Type.Literal('forbidden') }) },
};
