// Dynamic client registration (RFC 7591) with openid-client 6 and its defaults, then a code
// flow with the registered client, driven by the blackbox test module
// `dynamic_registration` (tests/blackbox/dynamic_registration.rs).
//
// Input (environment): GATEHOUSE_ISSUER, INITIAL_ACCESS_TOKEN, REDIRECT_URI.
// Protocol (one JSON object per line on stdout):
//   1. {"registered": {...}, "authorization_url": ...}; then one line on stdin: the callback
//      URL the browser reached.
//   2. {"result": {...}} with what each step saw, or {"error": ..., "step": ...} (exit 1).
//
// The only option set is allowInsecureRequests: the test server speaks plain HTTP on
// loopback, which openid-client refuses by default. Registration goes through the library's
// dynamicClientRegistration (discovery, then the registration_endpoint with the initial
// access token); client authentication, PKCE, state, nonce and ID-token validation are the
// library's defaults.
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

async function main() {
  const issuer = new URL(env('GATEHOUSE_ISSUER'));
  const redirectUri = env('REDIRECT_URI');

  step = 'registration';
  const config = await client.dynamicClientRegistration(
    issuer,
    {
      client_name: 'openid-client interop',
      // A native application: its redirect URI is plain http on loopback.
      application_type: 'native',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
    undefined,
    { initialAccessToken: env('INITIAL_ACCESS_TOKEN'), execute: [client.allowInsecureRequests] },
  );
  const registered = config.clientMetadata();
  const metadata = config.serverMetadata();

  step = 'authorization url';
  const codeVerifier = client.randomPKCECodeVerifier();
  const codeChallenge = await client.calculatePKCECodeChallenge(codeVerifier);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid profile email offline_access',
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  out({
    registered: {
      client_id: registered.client_id,
      has_secret: typeof registered.client_secret === 'string',
      registration_endpoint: metadata.registration_endpoint,
      registration_client_uri: registered.registration_client_uri,
      has_registration_access_token: typeof registered.registration_access_token === 'string',
    },
    authorization_url: authorizationUrl.href,
  });

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
  const result = {
    tokens: {
      token_type: tokens.token_type,
      has_refresh_token: typeof tokens.refresh_token === 'string',
    },
    id_token: { sub: claims.sub, aud: claims.aud, iss: claims.iss },
  };

  step = 'id token signature';
  const jwks = jose.createRemoteJWKSet(new URL(metadata.jwks_uri));
  const verified = await jose.jwtVerify(tokens.id_token, jwks, {
    issuer: metadata.issuer,
    audience: registered.client_id,
  });
  result.id_token.signature_verified = verified.payload.sub === claims.sub;

  step = 'userinfo';
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  result.userinfo = { sub: userinfo.sub, email: userinfo.email };

  step = 'refresh';
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  result.refresh = { rotated: refreshed.refresh_token !== tokens.refresh_token };

  out({ result });
}

main().then(
  () => process.exit(0),
  (e) => {
    out({ error: `${e?.name ?? 'Error'}: ${e?.message ?? e} ${e?.error ?? ''} ${e?.error_description ?? ''}`.trim(), step });
    process.exit(1);
  },
);
