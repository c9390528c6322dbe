// The device side of the device authorization grant (RFC 8628) with openid-client 6 and its
// defaults, driven by the blackbox test module `device_flow` (tests/blackbox/device_flow.rs).
//
// Input (environment): GATEHOUSE_ISSUER, CLIENT_ID (a public client: no secret).
// Protocol (one JSON object per line on stdout):
//   1. {"device": {...}}: the device authorization response; the test then approves it on
//      the /device page while the library polls on its own.
//   2. {"result": {...}} with what the library got, or {"error": ..., "step": ...} (exit 1).
//
// The only option set is allowInsecureRequests: the test server speaks plain HTTP on
// loopback, which openid-client refuses by default.
import * as client from 'openid-client';
import * as jose from 'jose';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

let step = 'start';
const out = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

async function main() {
  const issuer = new URL(env('GATEHOUSE_ISSUER'));
  const insecure = { execute: [client.allowInsecureRequests] };

  step = 'discovery';
  const config = await client.discovery(issuer, env('CLIENT_ID'), undefined, client.None(), insecure);
  const metadata = config.serverMetadata();

  step = 'device authorization';
  const device = await client.initiateDeviceAuthorization(config, {
    scope: 'openid profile email offline_access',
  });
  out({
    device: {
      endpoint: metadata.device_authorization_endpoint,
      user_code: device.user_code,
      verification_uri: device.verification_uri,
      verification_uri_complete: device.verification_uri_complete,
      expires_in: device.expires_in,
      interval: device.interval,
    },
  });

  step = 'poll';
  // Waits `interval` between polls and handles authorization_pending and slow_down itself.
  const tokens = await client.pollDeviceAuthorizationGrant(config, device);
  const claims = tokens.claims();
  const result = {
    tokens: {
      token_type: tokens.token_type,
      scope: tokens.scope,
      has_refresh_token: typeof tokens.refresh_token === 'string',
    },
    id_token: { sub: claims.sub, iss: claims.iss, aud: claims.aud },
  };
  // openid-client validates the claims; the signature is checked here with the JWKS.
  const jwks = jose.createRemoteJWKSet(new URL(metadata.jwks_uri));
  const verified = await jose.jwtVerify(tokens.id_token, jwks, {
    issuer: metadata.issuer,
    audience: env('CLIENT_ID'),
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
