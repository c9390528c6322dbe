# Error pages and the messages forms show when something is wrong.

error-title-server = Something went wrong
error-title-request = This request cannot be completed
error-code = Error code:
error-form-unreadable = The form could not be read. Reload the page and try again.
error-form-expired = The form expired or was sent from another site. Go back, reload the page and try again.
error-request-expired = This sign-in request has expired or was already used. Go back to the application and start again.
error-server = Something went wrong on our side. Please try again.
error-unavailable = The service is briefly unavailable. Please try again in a few seconds.
error-wrong-credentials = Incorrect email or password.
error-too-many-sign-ins = Too many sign-in attempts. Try again in { $wait }.
error-too-many-requests-title = Too many requests
error-too-many-requests = Too many requests. Try again in { $wait }.
error-confirm-email-first = Confirm your email address first: follow the link we sent you.
error-account-locked = This account is locked after too many failed sign-ins. Try again later or contact the administrator.
error-account-locked-title = Account locked
error-account-locked-for = This account is locked after too many failed sign-ins for { $minutes ->
    [one] 1 more minute
   *[other] { $minutes } more minutes
}. To sign in now, reset your password with “Forgot password?”.
error-account-unavailable = This account cannot sign in at the moment. Contact the administrator.
error-captcha-failed = The browser check did not pass. Wait until the check is finished (it needs JavaScript), then send the form again.
error-correct-fields = Please correct the fields marked below.
error-unreadable-value = Some characters could not be read. Type the value again.
error-name-too-long = Use at most { $max } characters.
error-name-characters = Use letters, digits, spaces and punctuation only.
error-email-invalid = Enter an email address such as name@example.com.
error-email-domain = Accounts can only be created with an address at { $domains }.
error-code-wrong-mailed = That code is not right, or it expired. Check the latest mail, or ask for a new code.
error-too-many-codes = Too many codes were tried. Try again in { $wait }.
error-too-many-wrong-codes-mailed = Too many wrong codes. Ask for a new code in a few minutes.
error-email-link-broken = The link is invalid, was already used or has expired. Ask for a new one on the sign-in page.
error-codes-locked = This account is locked after too many wrong codes. Try again in { $wait }.
error-code-wrong = That code is not right, or it expired. Try again.
error-too-many-wrong-codes = Too many wrong codes. Start signing in again.
error-passkey-wrong = That passkey could not be verified. Try again.
error-passkey-sign-in-failed = That passkey could not be verified. Go back and try again, or sign in with your password.
password-too-short = Use at least { $min } characters.
password-too-long = Use at most { $max } characters.
password-common = This password is one of the most common ones. Choose another.
password-weak = This password is too easy to guess. Add a few more unrelated words.
not-found-title = Page not found
not-found-text = There is no page at this address. It may have moved, or the link may be mistyped.
not-found-account = Your account
not-found-sign-in = Sign in

# Signing in with another identity provider.
upstream-error-title = Signing in with { $provider } did not work
upstream-error-title-generic = Signing in with another account did not work
upstream-error-unknown = This sign-in provider is not available here. Go back and choose another way to sign in.
upstream-error-unavailable = { $provider } could not be reached or did not answer properly. Try again in a few minutes, or sign in another way.
upstream-error-refused = { $provider } did not sign you in (“{ $error }”). Try again, or sign in another way.
upstream-error-state = This answer does not belong to a sign-in started in this browser. Start signing in again.
upstream-error-replayed = This answer was already used. Start signing in again.
upstream-error-expired = This sign-in took too long and expired. Start signing in again.
upstream-error-token = The answer from { $provider } could not be verified. Start signing in again; if it keeps happening, tell the administrator.
upstream-error-nonce = The answer from { $provider } belongs to another sign-in. Start signing in again.
upstream-error-denied = New accounts cannot sign in with { $provider } here. Sign in another way, or ask the administrator.
upstream-error-no-email = { $provider } did not share your email address, which your account here needs. Allow { $provider } to share it, or sign in another way.
upstream-error-no-account = There is no account here with the address { $provider } gave. Sign in another way, or ask the administrator.
upstream-error-cannot-prove = An account with the address { $provider } gave exists here, but it has no password to confirm that it is yours. Sign in the way you usually do.
upstream-error-already-linked = This { $provider } account is already linked to an account here. Sign in with { $provider } again.
upstream-link-error-session = This answer from { $provider } does not belong to a link started in this browser session. Nothing was linked. Start again from your account page.
upstream-link-error-yours = Your { $provider } account is already linked to this account.
upstream-link-error-taken = This { $provider } account is already linked to another account here, so it cannot be linked to yours. Nothing was changed.
upstream-back = Back to sign in
