// A relying party built on openid-client 6 with its defaults, driven by the blackbox test
// module `interop` (tests/blackbox/interop.rs).
//
// Input (environment): GATEHOUSE_ISSUER, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI,
// POST_LOGOUT_REDIRECT_URI, CC_CLIENT_ID, CC_CLIENT_SECRET, CC_SCOPE; USE_PAR=1 pushes the
// authorization request (RFC 9126) with the library's buildAuthorizationUrlWithPAR.
// Protocol (one JSON object per line on stdout):
//   1. {"authorization_url": ...}; then one line on stdin: the callback URL the browser reached.
//   2. {"result": {...}} with what each step saw, or {"error": ..., "step": ...} (exit 1).
//
// The only option set is allowInsecureRequests: the test server speaks plain HTTP on
// loopback, which openid-client refuses by default. Client authentication, PKCE, state,
// nonce and ID-token validation are the library's defaults.
import * as client from 'openid-client';
import * as jose from 'jose';
import { createInterface } from 'node:readline';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

let step = 'start';
const out = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
const refused = async (what) => {
  try {
    await what();
    return null;
  } catch (e) {
    return e.error ?? e.code ?? String(e);
  }
};

async function main() {
  const issuer = new URL(env('GATEHOUSE_ISSUER'));
  const insecure = { execute: [client.allowInsecureRequests] };
  const redirectUri = env('REDIRECT_URI');
  const result = {};

  step = 'discovery';
  // A string as the third argument is the client secret: openid-client then uses its
  // default, client_secret_post.
  const config = await client.discovery(issuer, env('CLIENT_ID'), env('CLIENT_SECRET'), undefined, insecure);
  const metadata = config.serverMetadata();
  result.discovery = { issuer: metadata.issuer, token_endpoint: metadata.token_endpoint };

  step = 'authorization url';
  const codeVerifier = client.randomPKCECodeVerifier();
  const codeChallenge = await client.calculatePKCECodeChallenge(codeVerifier);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authorizationParameters = {
    redirect_uri: redirectUri,
    scope: 'openid profile email offline_access',
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
    state,
    nonce,
  };
  const authorizationUrl = process.env.USE_PAR === '1'
    ? await client.buildAuthorizationUrlWithPAR(config, authorizationParameters)
    : client.buildAuthorizationUrl(config, authorizationParameters);
  out({ authorization_url: authorizationUrl.href });

  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const callback = (await lines.next()).value;

  step = 'code exchange';
  const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
    pkceCodeVerifier: codeVerifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  result.tokens = {
    token_type: tokens.token_type,
    scope: tokens.scope,
    has_refresh_token: typeof tokens.refresh_token === 'string',
  };
  result.id_token = { sub: claims.sub, email: claims.email, aud: claims.aud, iss: claims.iss };

  step = 'id token signature';
  // openid-client validates the claims; the signature is checked here with the JWKS, as a
  // resource server or a front end would.
  const jwks = jose.createRemoteJWKSet(new URL(metadata.jwks_uri));
  const verified = await jose.jwtVerify(tokens.id_token, jwks, {
    issuer: metadata.issuer,
    audience: env('CLIENT_ID'),
  });
  result.id_token.signature_verified = verified.payload.sub === claims.sub;
  result.id_token.alg = verified.protectedHeader.alg;

  step = 'userinfo';
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  result.userinfo = { sub: userinfo.sub, email: userinfo.email, name: userinfo.name };

  step = 'refresh';
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  result.refresh = {
    rotated: typeof refreshed.refresh_token === 'string' && refreshed.refresh_token !== tokens.refresh_token,
    new_access_token: refreshed.access_token !== tokens.access_token,
  };

  step = 'introspection';
  const introspected = await client.tokenIntrospection(config, refreshed.access_token);
  result.introspection = {
    active: introspected.active,
    client_id: introspected.client_id,
    sub: introspected.sub,
  };

  step = 'revocation';
  await client.tokenRevocation(config, refreshed.refresh_token, { token_type_hint: 'refresh_token' });
  const afterRevocation = await client.tokenIntrospection(config, refreshed.refresh_token, {
    token_type_hint: 'refresh_token',
  });
  result.revocation = {
    refresh_token_active: afterRevocation.active,
    refresh_with_revoked: await refused(() => client.refreshTokenGrant(config, refreshed.refresh_token)),
    // The first refresh token was rotated away: presenting it again is refused.
    refresh_with_rotated: await refused(() => client.refreshTokenGrant(config, tokens.refresh_token)),
  };

  step = 'client_credentials';
  const machine = await client.discovery(issuer, env('CC_CLIENT_ID'), env('CC_CLIENT_SECRET'), undefined, insecure);
  const granted = await client.clientCredentialsGrant(machine, { scope: env('CC_SCOPE') });
  const machineIntrospection = await client.tokenIntrospection(machine, granted.access_token);
  result.client_credentials = {
    token_type: granted.token_type,
    scope: granted.scope,
    active: machineIntrospection.active,
    sub: machineIntrospection.sub,
    // The machine client is not the user's client: it learns nothing of the user's token.
    other_clients_token_active: (await client.tokenIntrospection(machine, tokens.access_token)).active,
  };

  step = 'end session';
  result.end_session_url = client.buildEndSessionUrl(config, {
    id_token_hint: tokens.id_token,
    post_logout_redirect_uri: env('POST_LOGOUT_REDIRECT_URI'),
    state: 'interop-logout',
  }).href;

  out({ result });
}

main().then(
  () => process.exit(0),
  (e) => {
    out({ error: `${e?.name ?? 'Error'}: ${e?.message ?? e} ${e?.error ?? ''} ${e?.error_description ?? ''}`.trim(), step });
    process.exit(1);
  },
);
