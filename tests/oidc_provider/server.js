// A real OpenID Connect provider for Réciproque's tests: panva's oidc-provider on 127.0.0.1.
//
//   node server.js CONFIG.json
//
// CONFIG.json (written by tests/plugins/oidc.py):
//   {"port": 5123, "accounts_file": "accounts.json", "id_token_ttl": 3600,
//    "clients": [{"client_id": "...", "client_secret": "...", "redirect_uris": ["..."],
//                 "post_logout_redirect_uris": ["..."]}]}
// accounts.json (re-read at each sign-in, so a test may add people while it runs):
//   [{"sub": "...", "email": "...", "email_verified": true, "name": "...",
//     "department": "OPS", "password": "..."}]
//
// Its own login page (/interaction/<uid>) checks the account's password; consent is implied
// for the configured clients. Prints "oidc-provider ready <issuer>" once it listens.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;

function accounts() {
  return JSON.parse(readFileSync(config.accounts_file, 'utf8'));
}

function account(sub) {
  return accounts().find((a) => a.sub === sub);
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients: config.clients.map((c) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    require_auth_time: true,
    ...c,
  })),
  jwks: { keys: [jwk] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  // The ID token carries the scopes' claims (the app reads them there, not from userinfo).
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'department'],
  },
  scopes: ['openid', 'email', 'profile'],
  async findAccount(ctx, sub) {
    const found = account(sub);
    if (!found) return undefined;
    return {
      accountId: sub,
      async claims() {
        const { password, ...claims } = found; // never hand the password out
        return claims;
      },
    };
  },
  // First-party clients: consent is implied (the recipe of oidc-provider's documentation).
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const existing = await ctx.oidc.provider.Grant.find(grantId);
      if (existing) return existing;
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true },
  },
  pkce: { required: () => true },
  ttl: {
    IdToken: config.id_token_ttl || 3600,
    AccessToken: 600,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
});
provider.on('server_error', (ctx, error) => console.error('server_error', error));

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(uid, error, login) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Test identity provider: sign in</title></head>
<body>
<h1>Test identity provider</h1>
${error ? `<p id="op-error" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
  <label for="op-login">E-mail</label> <input id="op-login" name="login" value="${escape(login || '')}" autofocus>
  <label for="op-password">Password</label> <input id="op-password" name="password" type="password">
  <button id="op-submit" type="submit">Sign in at the provider</button>
</form>
</body></html>`;
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (req.method === 'GET' && !action) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(loginPage(uid));
    return;
  }
  if (req.method === 'POST' && action === 'login') {
    const form = await readForm(req);
    const login = (form.get('login') || '').trim().toLowerCase();
    const found = accounts().find((a) => a.email.toLowerCase() === login || a.sub === login);
    if (!found || found.password !== form.get('password')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(loginPage(uid, 'Wrong e-mail or password.', login));
      return;
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: found.sub } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  res.writeHead(405);
  res.end();
}

const handle = provider.callback();
const server = createServer((req, res) => {
  const match = /^\/interaction\/([\w-]+)(?:\/(login))?$/.exec(req.url.split('?')[0]);
  if (!match) {
    handle(req, res);
    return;
  }
  interaction(req, res, match[1], match[2]).catch((error) => {
    console.error(error);
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(`interaction failed: ${error.message}`);
  });
});
server.listen(config.port, '127.0.0.1', () => {
  console.log(`oidc-provider ready ${issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
