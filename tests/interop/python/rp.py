"""A relying party built on Authlib with its defaults, driven by the blackbox test module
`interop` (tests/blackbox/interop.rs).

Input (environment): GATEHOUSE_ISSUER, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI,
POST_LOGOUT_REDIRECT_URI, CC_CLIENT_ID, CC_CLIENT_SECRET, CC_SCOPE.
Protocol (one JSON object per line on stdout):
  1. {"authorization_url": ...}; then one line on stdin: the callback URL the browser reached.
  2. {"result": {...}} with what each step saw, or {"error": ..., "step": ...} (exit 1).

The web-framework integrations of Authlib (Flask, Django, Starlette) are its OpenID Connect
client: the same OAuth2Mixin + OpenIDMixin app on the requests session, here without a web
framework (state kept in memory instead of a cookie session). The only setting changed is
AUTHLIB_INSECURE_TRANSPORT: the test server speaks plain HTTP on loopback, which Authlib
refuses by default. Client authentication (client_secret_basic), PKCE, state, nonce and the
ID-token validation are the library's defaults.
"""

import json
import os
import sys
from urllib.parse import parse_qs, urlsplit

os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

from authlib.integrations.base_client import BaseApp, OAuth2Mixin, OpenIDMixin  # noqa: E402
from authlib.integrations.base_client.errors import MismatchingStateError  # noqa: E402
from authlib.integrations.requests_client import OAuth2Session  # noqa: E402
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata  # noqa: E402


class Framework:
    """What a web framework integration supplies; tokens are kept by the caller here."""

    def update_token(self, token, refresh_token=None, access_token=None):
        pass


class App(OAuth2Mixin, OpenIDMixin, BaseApp):
    """Authlib's framework OAuth app, as FlaskOAuth2App is built, without Flask."""

    client_cls = OAuth2Session


def env(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set")
    return value


def out(value):
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


def refused(call):
    try:
        call()
        return None
    except Exception as e:  # noqa: BLE001 (the OAuth error code, else the text, for the test)
        return getattr(e, "error", None) or str(e)


def session(client_id, client_secret, **kwargs):
    return OAuth2Session(client_id, client_secret, **kwargs)


def main(state):
    issuer = env("GATEHOUSE_ISSUER")
    client_id, client_secret = env("CLIENT_ID"), env("CLIENT_SECRET")
    redirect_uri = env("REDIRECT_URI")
    result = {}

    state["step"] = "discovery"
    app = App(
        Framework(),
        name="gatehouse",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile email offline_access", "code_challenge_method": "S256"},
    )
    metadata = app.load_server_metadata()
    AuthorizationServerMetadata({k: v for k, v in metadata.items() if k != "_loaded_at"}).validate()
    result["discovery"] = {"issuer": metadata["issuer"], "token_endpoint": metadata["token_endpoint"]}

    state["step"] = "authorization url"
    request = app.create_authorization_url(redirect_uri=redirect_uri)
    out({"authorization_url": request["url"]})
    callback = sys.stdin.readline().strip()

    state["step"] = "code exchange"
    query = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    if query.get("state") != request["state"]:
        raise MismatchingStateError()
    if "error" in query:
        raise RuntimeError(f"authorization error: {query}")
    token = app.fetch_access_token(
        redirect_uri=redirect_uri,
        code=query["code"],
        state=query["state"],
        code_verifier=request["code_verifier"],
    )
    result["tokens"] = {
        "token_type": token.get("token_type"),
        "scope": token.get("scope"),
        "has_refresh_token": isinstance(token.get("refresh_token"), str),
    }

    state["step"] = "id token"
    claims = app.parse_id_token(token, nonce=request["nonce"])
    result["id_token"] = {
        "sub": claims["sub"],
        "email": claims.get("email"),
        "aud": claims["aud"],
        "iss": claims["iss"],
        "signature_verified": True,
    }

    state["step"] = "userinfo"
    userinfo = app.userinfo(token=token)
    result["userinfo"] = {"sub": userinfo["sub"], "email": userinfo.get("email"), "name": userinfo.get("name")}

    state["step"] = "refresh"
    rp = session(client_id, client_secret, token=token)
    refreshed = rp.refresh_token(metadata["token_endpoint"], refresh_token=token["refresh_token"])
    result["refresh"] = {
        "rotated": isinstance(refreshed.get("refresh_token"), str)
        and refreshed["refresh_token"] != token["refresh_token"],
        "new_access_token": refreshed["access_token"] != token["access_token"],
    }

    state["step"] = "introspection"
    introspected = rp.introspect_token(metadata["introspection_endpoint"], token=refreshed["access_token"])
    introspected.raise_for_status()
    introspected = introspected.json()
    result["introspection"] = {
        "active": introspected.get("active"),
        "client_id": introspected.get("client_id"),
        "sub": introspected.get("sub"),
    }

    state["step"] = "revocation"
    revoked = rp.revoke_token(
        metadata["revocation_endpoint"], token=refreshed["refresh_token"], token_type_hint="refresh_token"
    )
    revoked.raise_for_status()
    after = rp.introspect_token(
        metadata["introspection_endpoint"], token=refreshed["refresh_token"], token_type_hint="refresh_token"
    ).json()
    fresh = session(client_id, client_secret)
    result["revocation"] = {
        "refresh_token_active": after.get("active"),
        "refresh_with_revoked": refused(
            lambda: fresh.refresh_token(metadata["token_endpoint"], refresh_token=refreshed["refresh_token"])
        ),
        # The first refresh token was rotated away: presenting it again is refused.
        "refresh_with_rotated": refused(
            lambda: fresh.refresh_token(metadata["token_endpoint"], refresh_token=token["refresh_token"])
        ),
    }

    state["step"] = "client_credentials"
    machine = session(env("CC_CLIENT_ID"), env("CC_CLIENT_SECRET"), scope=env("CC_SCOPE"))
    granted = machine.fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
    machine_view = machine.introspect_token(metadata["introspection_endpoint"], token=granted["access_token"]).json()
    other = machine.introspect_token(metadata["introspection_endpoint"], token=token["access_token"]).json()
    result["client_credentials"] = {
        "token_type": granted.get("token_type"),
        "scope": granted.get("scope"),
        "active": machine_view.get("active"),
        "sub": machine_view.get("sub"),
        # The machine client is not the user's client: it learns nothing of the user's token.
        "other_clients_token_active": other.get("active"),
    }

    state["step"] = "end session"
    logout = app.create_logout_url(
        post_logout_redirect_uri=env("POST_LOGOUT_REDIRECT_URI"),
        id_token_hint=token["id_token"],
        state="interop-logout",
    )
    result["end_session_url"] = logout["url"]
    out({"result": result})


if __name__ == "__main__":
    progress = {"step": "start"}
    try:
        main(progress)
    except Exception as e:  # noqa: BLE001 (reported to the test, which fails)
        out({"error": f"{type(e).__name__}: {e}", "step": progress["step"]})
        sys.exit(1)
