// DPoP (RFC 9449) with openid-client 6 and its own DPoP support (getDPoPHandle), driven by
// the blackbox test module `interop` (tests/blackbox/interop.rs) against a server that
// requires DPoP nonces: the library's own nonce retry is what makes each step pass.
//
// Input (environment): GATEHOUSE_ISSUER, CLIENT_ID (a public client), REDIRECT_URI.
// Protocol (one JSON object per line on stdout):
//   1. {"authorization_url": ...}; then one line on stdin: the callback URL the browser reached.
//   2. {"result": {...}} with what each step saw, or {"error": ..., "step": ...} (exit 1).
//
// The only option set is allowInsecureRequests: the test server speaks plain HTTP on
// loopback. The key pair comes from the library's randomDPoPKeyPair (ES256); the code is
// bound to it with dpop_jkt, its RFC 7638 thumbprint as jose computes it.
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
    // An OAuth error, or the error of a WWW-Authenticate challenge (resource endpoints).
    return e.error ?? e.cause?.[0]?.parameters?.error ?? e.code ?? String(e);
  }
};

async function main() {
  const issuer = new URL(env('GATEHOUSE_ISSUER'));
  const insecure = { execute: [client.allowInsecureRequests] };
  const result = {};

  step = 'discovery';
  const config = await client.discovery(issuer, env('CLIENT_ID'), undefined, client.None(), insecure);
  result.dpop_signing_alg_values_supported = config.serverMetadata().dpop_signing_alg_values_supported;

  step = 'dpop key';
  const keyPair = await client.randomDPoPKeyPair();
  const DPoP = client.getDPoPHandle(config, keyPair);
  const jkt = await jose.calculateJwkThumbprint(await jose.exportJWK(keyPair.publicKey));
  result.jkt = jkt;

  step = 'authorization url';
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: env('REDIRECT_URI'),
    scope: 'openid email offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    dpop_jkt: jkt,
  });
  out({ authorization_url: authorizationUrl.href });

  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const callback = (await lines.next()).value;

  step = 'code exchange';
  const tokens = await client.authorizationCodeGrant(
    config,
    new URL(callback),
    { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true },
    undefined,
    { DPoP },
  );
  const claims = tokens.claims();
  result.tokens = {
    token_type: tokens.token_type,
    has_refresh_token: typeof tokens.refresh_token === 'string',
    cnf_jkt: jose.decodeJwt(tokens.access_token).cnf?.jkt,
  };

  step = 'userinfo';
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub, { DPoP });
  result.userinfo = { sub: userinfo.sub === claims.sub, email: userinfo.email };
  // Without the proof (a bearer token): refused.
  result.userinfo.as_bearer = await refused(() => client.fetchUserInfo(config, tokens.access_token, claims.sub));

  step = 'refresh';
  // Another key's proof: refused, and the refresh token stays usable.
  const otherKey = client.getDPoPHandle(config, await client.randomDPoPKeyPair());
  const withOtherKey = await refused(() => client.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP: otherKey }));
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP });
  result.refresh = {
    with_other_key: withOtherKey,
    token_type: refreshed.token_type,
    rotated: typeof refreshed.refresh_token === 'string' && refreshed.refresh_token !== tokens.refresh_token,
    cnf_jkt: jose.decodeJwt(refreshed.access_token).cnf?.jkt,
  };

  step = 'userinfo after refresh';
  const again = await client.fetchUserInfo(config, refreshed.access_token, claims.sub, { DPoP });
  result.refresh.userinfo_email = again.email;

  out({ result });
}

main().then(
  () => process.exit(0),
  (e) => {
    out({ error: e.error ?? e.code ?? String(e), description: e.error_description ?? e.message, step });
    process.exit(1);
  },
);
