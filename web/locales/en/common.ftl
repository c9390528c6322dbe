# Words every page family uses.

field-email = Email
field-password = Password
field-new-password = New password
field-name = Name
field-optional = (optional)
field-code = Code
password-hint = At least { $min } characters. A few unrelated words make a strong password.
action-confirm = Confirm
action-verify = Verify
action-cancel = Cancel
action-continue = Continue
action-send-link = Send the link
link-back-to-sign-in = Back to sign-in
link-back-to-account = Back to your account
link-privacy-policy = Privacy policy
link-terms-of-service = Terms of service
client-logo-alt = { $client } logo
form-post-title = Continuing…
captcha-pow-hint = This form checks your browser before it is sent (JavaScript is needed).
duration-seconds = { $count ->
    [one] { $count } second
   *[other] { $count } seconds
}
duration-minutes = { $count ->
    [one] { $count } minute
   *[other] { $count } minutes
}
captcha-pow-checking = Checking your browser…
captcha-pow-done = Done
captcha-pow-waiting = Checking your browser… the form is sent when done.
passkey-waiting = Waiting for your passkey…
passkey-failed = The passkey did not work:
# The next action of an end page.
next-sign-in = Sign in
next-account = Go to your account
next-back-to-app = Back to { $client }
next-sign-in-to-app = Sign in to { $client }
