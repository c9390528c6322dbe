# Signing in: password, email code, second step, signing out.

sign-in-title = Sign in
sign-in-title-client = Sign in to { $client }
sign-in-heading-client = Sign in to continue to { $client }
sign-in-remember = Keep me signed in on this browser
sign-in-submit = Sign in
sign-in-passkey = Sign in with a passkey
sign-in-email-code = Email me a sign-in code
sign-in-forgot-password = Forgot password?
sign-in-register = Create an account
sign-in-resend-verification = Confirmation mail not received?

email-sign-in-title = Sign in by email
email-sign-in-intro = We mail you a code and a link; either one signs you in.
email-sign-in-submit = Email me a code
email-code-title = Enter the code we mailed you
email-code-intro = If { $email } has an account, we sent it a 6-digit code and a link, valid for 10 minutes.

mfa-title = Two-step verification
mfa-sms-sent = We texted a code to your phone. It works for 10 minutes.
mfa-sms-send = Text me a code
mfa-sms-send-again = Text me another code
mfa-trust = { $days ->
    [one] Don't ask again on this browser for { $days } day
   *[other] Don't ask again on this browser for { $days } days
}
mfa-passkey-submit = Use your passkey
mfa-recovery-label = Recovery code
mfa-recovery-hint = Each recovery code works once.
mfa-sms-label = Code from the text message
mfa-totp-label = Code from your authenticator app
mfa-switch-totp = Use your authenticator app
mfa-switch-sms = Get a code by text message
mfa-switch-passkey = Use a passkey
mfa-switch-recovery = Use a recovery code

totp-setup-title = Set up an authenticator app
totp-setup-required = This sign-in needs two-step verification.
totp-setup-required-next = Set up an authenticator app to continue.
totp-setup-scan = Scan this code with your authenticator app (for example FreeOTP, Aegis, Google Authenticator or 1Password).
totp-setup-qr-label = QR code of the setup key
totp-setup-key = Or type this key into the app:
totp-setup-code-label = The 6-digit code the app shows
totp-setup-submit = Turn on

recovery-codes-title = Your recovery codes
recovery-codes-intro = If you lose your authenticator app, each of these codes lets you sign in once. Save them somewhere safe now: they are not shown again. Codes made earlier no longer work.
recovery-codes-continue = I saved them: continue

phone-code-title = Verify your phone number
phone-code-intro = We texted a code to { $phone }. It works for 10 minutes.

logout-title = Sign out?
logout-question = Do you want to sign out of your account on this device?
logout-submit = Sign out
logged-out-title = Signed out
logged-out-heading = You are signed out
logged-out-close = You can close this window.
logged-out-applications = Signing you out of the applications you used…
logged-out-frame-title = Signing out of an application
logout-cancel = Cancel and stay signed in
logout-asked-by = { $client } asks to sign you out.
logout-cancel-back = Cancel and go back to { $client }
logged-out-sign-in-again = Sign in again

# Signing in with another identity provider.
sign-in-or = Or sign in with another account:
sign-in-with = Sign in with { $provider }
upstream-continue-title = Signing you in…
upstream-link-title = Link your { $provider } account
upstream-link-intro = An account with the address { $email } already exists here.
upstream-link-why-unverified = { $provider } has not confirmed that this address belongs to you.
upstream-link-why-untrusted = An address from { $provider } is not accepted as proof on its own.
upstream-link-why-local = The address of this account has not been confirmed yet.
upstream-link-prove = Enter the password of that account to link it to your { $provider } account. Afterwards you can sign in either way.
upstream-link-submit = Link and sign in
upstream-link-cancel = Cancel and go back to sign in
upstream-link-wrong-password = That password is not right.
