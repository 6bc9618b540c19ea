// A real OpenID provider for Concentric's single sign-on tests: the certified `oidc-provider`
// package, configured by environment variables, with a minimal interaction (a login form, or the
// login_hint when it names an account; consent is granted) as any deployment provides its own.
//
//   PORT             port on 127.0.0.1 (required)
//   CLIENT_ID, CLIENT_SECRET, REDIRECT_URIS (comma-separated), POST_LOGOUT_URIS
//   ACCOUNTS         JSON: {"mia": {"email": "...", "email_verified": true, "name": "...", "groups": [...]}}
//   KEYS_DIR         where signing keys are kept between restarts (one JSON file per key name)
//   SIGN_WITH        key names, comma-separated: the first signs, all are published (default "a")
//   FORGE            a key name: publish its public key under the signing key's id, so tokens
//                    carry a signature the published key does not verify
//   CLAIMS_IN_ID_TOKEN  "1": email, profile and groups claims in the ID token (else userinfo only)
//   ID_TOKEN_SECONDS how long ID tokens live (default 3600)
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Provider from 'oidc-provider';

const env = process.env;
const port = Number(env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(env.ACCOUNTS || '{}');
const keysDir = env.KEYS_DIR || fs.mkdtempSync('/tmp/oidc-keys-');
const names = (env.SIGN_WITH || 'a').split(',').map((n) => n.trim()).filter(Boolean);

function key(name) {
  const file = path.join(keysDir, `${name}.json`);
  if (!fs.existsSync(file)) {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: name, alg: 'RS256', use: 'sig' };
    fs.writeFileSync(file, JSON.stringify(jwk));
  }
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}
const publicPart = ({ kty, n, e, kid, alg, use }) => ({ kty, n, e, kid, alg, use });
const signing = names.map(key);

function account(idOrEmail) {
  if (!idOrEmail) return undefined;
  if (accounts[idOrEmail]) return idOrEmail;
  return Object.keys(accounts).find((id) => accounts[id].email === idOrEmail);
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: env.CLIENT_ID,
    client_secret: env.CLIENT_SECRET,
    redirect_uris: (env.REDIRECT_URIS || '').split(','),
    post_logout_redirect_uris: (env.POST_LOGOUT_URIS || '').split(',').filter(Boolean),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: signing },
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
  conformIdTokenClaims: env.CLAIMS_IN_ID_TOKEN !== '1',
  findAccount: async (_ctx, id) => accounts[id] && { accountId: id, claims: async () => ({ sub: id, ...accounts[id] }) },
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  pkce: { required: () => true },
  cookies: { keys: ['concentric-test-cookie-key'] },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: { IdToken: Number(env.ID_TOKEN_SECONDS || 3600) },
});

async function finishLogin(req, res, accountId) {
  await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
}

async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login') {
    const hinted = account(details.params.login_hint);
    if (hinted) return finishLogin(req, res, hinted);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return res.end(`<!doctype html><html lang="en"><title>Test identity provider</title>
<h1>Test identity provider</h1>
<form method="post" action="/interaction/${uid}/login">
<label>Account <input name="login" autocomplete="username"></label> <button>Sign in</button></form>`);
  }
  const { prompt: { details: missing }, params, session, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const saved = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId: saved } }, { mergeWithLastSubmission: true });
}

const callback = provider.callback();
http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    const login = url.pathname.match(/^\/interaction\/([^/]+)\/login$/);
    const shown = url.pathname.match(/^\/interaction\/([^/]+)$/);
    if (login && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const id = account(new URLSearchParams(body).get('login'));
      if (!id) {
        res.writeHead(401, { 'content-type': 'text/plain' });
        return res.end('no such account');
      }
      return await finishLogin(req, res, id);
    }
    if (shown && req.method === 'GET') return await interaction(req, res, shown[1]);
    if (url.pathname === '/jwks' && env.FORGE) {
      const forged = { ...publicPart(key(env.FORGE)), kid: signing[0].kid };
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
      return res.end(JSON.stringify({ keys: [forged] }));
    }
    return callback(req, res);
  } catch (e) {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(e && e.stack || e));
  }
}).listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
