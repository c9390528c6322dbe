// A relying party built on openid-client 6 that authenticates with a JWT client assertion,
// the library's own PrivateKeyJwt or ClientSecretJwt with their defaults, driven by the
// blackbox test module `interop` (tests/blackbox/interop.rs).
//
// Input (environment): GATEHOUSE_ISSUER, CLIENT_ID, REDIRECT_URI, and either
// CLIENT_AUTH=private_key_jwt with PRIVATE_JWK (the client's private key as a JWK with its
// kid and alg), or CLIENT_AUTH=client_secret_jwt with CLIENT_SECRET.
// Protocol (one JSON object per line on stdout):
//   1. {"authorization_url": ...}; then one line on stdin: the callback URL the browser reached.
//   2. {"result": {...}} with what each step saw, or {"error": ..., "step": ...} (exit 1).
//
// The only option set is allowInsecureRequests: the test server speaks plain HTTP on
// loopback, which openid-client refuses by default.
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

async function clientAuth() {
  switch (env('CLIENT_AUTH')) {
    case 'private_key_jwt': {
      const jwk = JSON.parse(env('PRIVATE_JWK'));
      const key = await jose.importJWK(jwk, jwk.alg);
      return client.PrivateKeyJwt({ key, kid: jwk.kid });
    }
    case 'client_secret_jwt':
      return client.ClientSecretJwt(env('CLIENT_SECRET'));
    default:
      throw new Error(`unknown CLIENT_AUTH ${process.env.CLIENT_AUTH}`);
  }
}

async function main() {
  const issuer = new URL(env('GATEHOUSE_ISSUER'));
  const insecure = { execute: [client.allowInsecureRequests] };
  const redirectUri = env('REDIRECT_URI');
  const result = {};

  step = 'discovery';
  const config = await client.discovery(issuer, env('CLIENT_ID'), undefined, await clientAuth(), insecure);
  const metadata = config.serverMetadata();
  result.discovery = {
    issuer: metadata.issuer,
    token_endpoint_auth_methods_supported: metadata.token_endpoint_auth_methods_supported,
  };

  step = 'authorization url';
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid email offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
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
    has_refresh_token: typeof tokens.refresh_token === 'string',
  };
  result.id_token = { sub: claims.sub, iss: claims.iss, aud: claims.aud };

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

  out({ result });
}

main().then(
  () => process.exit(0),
  (e) => {
    out({ error: `${e?.name ?? 'Error'}: ${e?.message ?? e} ${e?.error ?? ''} ${e?.error_description ?? ''}`.trim(), step });
    process.exit(1);
  },
);
