# The account console: its sections, their forms and messages, and dates.

account-heading = Your account
account-page-title = { $section } · Your account
account-signed-in-as = Signed in as
account-sign-out = Sign out
account-menu = Menu
account-nav-label = Account sections
account-problems = { $count ->
    [one] Please correct this:
   *[other] Please correct these { $count } things:
}
account-not-found-title = There is no such page
account-not-found = Your account's sections are listed on your account page.

## Sections

account-section-profile = Profile
account-section-email = Email address
account-section-password = Password
account-section-two-step = Two-step verification
account-section-passkeys = Passkeys
account-section-linked = Linked sign-ins
account-section-apps = Connected apps
account-section-sessions = Sessions
account-section-data = Your data
account-section-delete = Delete account

## What an action did

account-done-profile = Your profile is saved.
account-done-password = Your password is changed. Your other sessions were signed out.
account-done-email = We sent a confirmation link to the new address. Your address changes when you open it.
account-done-app = The app is disconnected: it can no longer use your account.
account-done-session = The session is signed out.
account-done-sessions = Every other session is signed out.
account-done-mfa = Two-step verification is on: signing in now asks for a code from your app.
account-done-mfa-removed = Two-step verification is off, and your recovery codes no longer work.
account-done-codes-saved = Your recovery codes are saved. Each one works once.
account-done-browsers = Every browser asks for the code again at the next sign-in.
account-done-phone = Your phone number is verified.
account-done-mfa-sms = Signing in now asks for a code sent by text message.
account-done-mfa-sms-removed = Text-message codes are off.
account-done-passkey = The passkey is added: sign in with it, or use it as your second step.
account-done-passkey-removed = The passkey is removed.

## Profile

account-profile-name = Name
account-profile-given-name = Given name
account-profile-family-name = Family name
account-profile-picture = Picture URL
account-profile-picture-hint = An https:// address of an image.
account-profile-locale = Language
account-profile-locale-hint = A language tag such as en, en-GB or de-CH.
account-profile-zoneinfo = Time zone
account-profile-zoneinfo-hint = A zone name such as Europe/Paris or America/New_York.
account-profile-phone = Phone
account-profile-phone-hint = In international format, such as +33 1 23 45 67 89.
account-profile-save = Save profile
account-profile-error-picture = Picture URL: use an https:// address of an image.
account-profile-error-locale = Language: use a language tag such as en, en-GB or de-CH.
account-profile-error-zoneinfo = Time zone: use a time zone name such as Europe/Paris (the list offers them).
account-profile-error-phone = Phone: use international format, such as +33 1 23 45 67 89.
account-phone-heading = Phone number
account-phone-verified = (verified)
account-phone-not-verified = (not verified)
account-phone-verify = Verify by text message
account-phone-none = No phone number yet: add one above.

## Email address

account-email-current = Your address:
account-email-confirmed = (confirmed)
account-email-not-confirmed = (not confirmed yet)
account-email-new = New address
account-email-hint = We send a link to the new address; your address changes when you open it.
account-email-submit = Change address
account-email-error-invalid = Enter an email address such as name@example.com.
account-email-error-same = This is already your address.

## Password

account-current-password = Current password
account-confirm-by-sign-in = Your account has no password: a sign-in of the last 10 minutes confirms this. If yours is older, you will be asked to sign in again first.
account-password-wrong = The current password is not correct.
account-password-new = New password
account-password-hint = At least { $min } characters. Your other sessions are signed out.
account-password-submit = Change password

## Two-step verification

account-mfa-app-heading = Authenticator app
account-mfa-on = On: signing in asks for a code from your authenticator app.
account-mfa-codes-left = Recovery codes left: { $count }.
account-mfa-new-codes = Make new recovery codes
account-mfa-trusted = Browsers that skip the code: { $count }.
account-mfa-forget-browsers = Ask for the code on every browser again
account-mfa-off-password = Password (to turn two-step verification off)
account-mfa-turn-off = Turn off
account-mfa-off = Off. With an authenticator app, signing in also asks for a code that changes every 30 seconds.
account-mfa-set-up = Set up an authenticator app
account-sms-heading = Codes by text message
account-sms-on = On: signing in can ask for a code sent to your phone.
account-sms-off-password = Password (to turn text-message codes off)
account-sms-turn-off = Turn text-message codes off
account-sms-use = Use codes by text message
account-sms-needs-phone = Off. Add and verify a phone number in your profile first.
account-sms-profile-link = Go to your profile
account-mfa-passkeys-hint = Passkeys also count as a second step.
account-password-label = Password
account-wrong-password = The password is not correct.

## Passkeys

account-passkeys-intro = A passkey signs you in with your device's screen lock or a security key, without a password.
account-passkeys-none = You have no passkey yet.
account-passkeys-added = Added { $date }
account-passkeys-last-used = last used { $date }
account-passkeys-remove = Remove
account-passkeys-remove-label = Remove { $name }
account-passkeys-name = Name of the new passkey
account-passkeys-name-placeholder = e.g. Work laptop
account-passkeys-add = Add a passkey
account-passkeys-unavailable = Passkeys are not available on this server.

## Linked sign-ins

account-linked-none = None yet. When you sign in with another provider (such as your company's account), it is listed here.
account-linked-intro = These accounts at other providers sign you in to this account:
account-linked-added = Linked { $date }
account-linked-last-used = last used { $date }
account-done-linked = The account is linked: you can sign in with it now.
account-done-unlinked = The link is removed: that account no longer signs you in here.
account-linked-unlink = Unlink
account-linked-unlink-label = Unlink { $provider }
account-linked-add-title = Link another account
account-linked-add-intro = Sign in at one of these providers to link your account there to this one. You can then sign in either way.
account-linked-link = Link
account-linked-link-label = Link your { $provider } account
account-linked-last-way = This link cannot be removed: it is your only way to sign in. Set a password, add a passkey, or link another account first.
account-linked-not-found = This link does not exist any more. The list below is up to date.

## Connected apps

account-apps-none = No app has access to your account.
account-apps-can = { $app } can:
account-apps-allowed = Allowed { $date }
account-apps-disconnect = Disconnect
account-apps-disconnect-label = Disconnect { $app }
account-apps-hint = Disconnecting an app withdraws what you allowed and signs it out: it asks again next time you use it.

## Sessions

account-sessions-this = This browser
account-sessions-signed-in = Signed in { $date }
account-sessions-last-active = last active { $when }
account-sessions-near = near { $place }
account-sessions-end = Sign out this session
account-sessions-end-others = Sign out all other sessions
account-sessions-end-all = Sign out everywhere
account-sessions-zone = Times are shown in { $zone }.
account-sessions-set-zone = Set your time zone in your profile

## Your data

account-data-intro = Download everything stored about you: your profile, sessions, connected apps and security events, as a JSON file.
account-data-download = Download my data

## Delete account

account-delete-intro = This erases your profile, sign-in methods and sessions, and disconnects every app. It cannot be undone.
account-delete-download-first = You may want to download your data first.
account-delete-submit = Delete my account

## Recovery codes and the authenticator key

account-codes-download = Download as a text file
account-codes-copy = Copy the codes
account-codes-copied = Copied.
account-codes-saved = I have saved these codes
account-codes-back = Back to your account
account-codes-file-title = Recovery codes for { $email } at { $site }
account-codes-file-hint = Each code signs you in once if you lose your authenticator app.
account-totp-listed-as = The app lists it as

## Dates: "2 hours ago", "30 Nov 2026, 18:42"

date-just-now = just now
date-minutes-ago = { $count ->
    [one] { $count } minute ago
   *[other] { $count } minutes ago
}
date-hours-ago = { $count ->
    [one] { $count } hour ago
   *[other] { $count } hours ago
}
date-days-ago = { $count ->
    [one] { $count } day ago
   *[other] { $count } days ago
}
date-months = Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec
date-absolute = { $day } { $month } { $year }, { $time }

# Errors of the phone, text-message and passkey sections.
account-sms-unavailable = Text messages are not available here.
account-sms-phone-first = Save a phone number in international format (e.g. +33 6 12 34 56 78) in your profile first.
account-phone-code-wrong = That code is not right, or it expired.
account-sms-verify-phone-first = Verify your phone number first.
account-passkeys-name-invalid = Name the passkey with up to 200 letters, digits and spaces.
account-passkeys-unreadable = The passkey could not be read. Try again.
account-passkeys-unverified = The passkey could not be verified. Try again.
account-codes-not-saved = Tick “I have saved these codes” once you have stored them somewhere safe: they are not shown again.
account-deleted-title = Your account is deleted
account-deleted = Your personal data, sign-in methods and sessions are erased, and every app was disconnected.
account-reentry-signed-out-title = You are signed out
account-reentry-signed-out = The password was entered wrongly too many times. Sign in again to continue.
mfa-setup-code-wrong = That code is not right. Enter the 6 digits your app shows now.
