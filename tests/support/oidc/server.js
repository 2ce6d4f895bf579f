// A certified OpenID provider (panva's oidc-provider) for ReviewBoard's SSO tests, on a loopback port.
//
//   node server.js <redirect_uri>     prints one JSON line {"issuer": ...} once it listens, then serves until killed
//
// Clients: "reviewboard" (the app under test) and "other-app" (a second relying party, whose ID tokens the tests
// offer to ReviewBoard to prove that a token for another audience is refused). Both use the code flow with PKCE
// (required here, so a client that forgot it fails) and client_secret_basic.
// Accounts: the login form takes a test user's name; the claims come from ACCOUNTS below. The form's optional
// "auth_age" (seconds) reports an authentication that happened that long ago, as an IdP that ignored
// prompt=login and reused an old session would: the tests drive it with plain HTTP requests.
import http from 'node:http';
import Provider from 'oidc-provider';

const redirectUri = process.argv[2];
if (!redirectUri) {
  console.error('usage: node server.js <redirect_uri>');
  process.exit(2);
}

const ACCOUNTS = {
  ada: { email: 'ada@idp.test', email_verified: true, name: 'Ada Lovelace', groups: ['rb-reviewers', 'staff'] },
  grace: { email: 'grace@idp.test', email_verified: true, name: 'Grace Hopper', groups: ['rb-chairs'] },
  linus: { email: 'linus@idp.test', email_verified: true, name: 'Linus Pauling', groups: [] },
  mallory: { email: 'mallory@idp.test', email_verified: false, name: 'Mallory Unverified', groups: ['rb-chairs'] },
};

const clients = [
  { client_id: 'reviewboard', client_secret: 'reviewboard-test-secret', redirect_uris: [redirectUri] },
  { client_id: 'other-app', client_secret: 'other-app-test-secret', redirect_uris: [redirectUri] },
].map((c) => ({ ...c, grant_types: ['authorization_code'], response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic', require_auth_time: true }));

function page(body) {
  return `<!doctype html><html lang="en"><head><title>Test IdP</title></head><body>${body}</body></html>`;
}

async function readForm(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return new URLSearchParams(raw);
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients,
    // ID tokens carry the e-mail and groups (ReviewBoard reads verified claims from the ID token)
    conformIdTokenClaims: false,
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
    scopes: ['openid', 'email', 'profile'],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    cookies: { keys: ['reviewboard-test-idp-cookie-key'] },
    async findAccount(ctx, id) {
      if (!ACCOUNTS[id]) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...ACCOUNTS[id] }; } };
    },
    // first-party test clients: consent is given at once (no consent screen)
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError(ctx, out) {
      ctx.type = 'text/plain';
      ctx.body = `${out.error}: ${out.error_description || ''}`;
    },
  });
  provider.use(async (ctx, next) => {
    const match = ctx.path.match(/^\/interaction\/([\w-]+)(\/login)?$/);
    if (!match) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (ctx.method === 'GET') {
      ctx.type = 'html';
      ctx.body = page(`<h1>Test IdP: ${details.prompt.name}</h1>
<form method="post" action="/interaction/${details.uid}/login">
<label>User <input name="login"></label> <label>Authenticated seconds ago <input name="auth_age" value="0"></label>
<button>Sign in</button></form>`);
      return undefined;
    }
    const form = await readForm(ctx.req);
    const login = form.get('login');
    if (!ACCOUNTS[login]) {
      ctx.status = 400;
      ctx.body = page('<p>Unknown test user</p>');
      return undefined;
    }
    const ts = Math.floor(Date.now() / 1000) - Number(form.get('auth_age') || 0);
    const redirectTo = await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: login, ts } },
      { mergeWithLastSubmission: false });
    ctx.redirect(redirectTo);
    return undefined;
  });
  server.on('request', provider.callback());
  console.log(JSON.stringify({ issuer }));
});
