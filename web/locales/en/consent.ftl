# The consent page, and the plain wording of each permission (also used where granted
# permissions are listed).

consent-title = Allow { $client }?
consent-heading = { $client } would like to
consent-signed-in-as = Signed in as
consent-allow = Allow
consent-deny = Deny
consent-privacy-policy = Privacy policy of { $client }
consent-terms-of-service = Terms of service of { $client }
consent-withdraw-hint = You can withdraw this permission at any time from your account.
consent-choose = Choose Allow or Deny.

scope-openid = Sign you in with your account
scope-profile = See your name and basic profile (picture, language, time zone)
scope-email = See your email address
scope-address = See your postal address
scope-phone = See your phone number
scope-offline-access = Keep access when you are not using it
scope-roles = See your roles and permissions
scope-groups = See which groups you belong to
scope-other = Use the permission “{ $name }”

# The device page (/device): connecting a TV, console or command-line tool by its code.
device-title = Connect a device
device-intro = Enter the code shown on your device (a TV, a console or a command-line tool).
device-code-label = Code
device-continue = Continue
device-code-invalid = This code is not valid or has expired. Check it on your device and try again.
device-confirm-heading = Connect { $client } on your device?
device-confirm-code = Code shown on the device:
device-confirm-warning = Continue only if you started this yourself on a device that shows this code. Never enter a code someone sent you.
device-approved-title = Device connected
device-approved = { $client } is connected. You can return to your device.
device-denied-title = Access denied
device-denied = { $client } was not given access. You can return to your device.
device-needs-second-factor = { $client } requires sign-in with a second factor. Sign out, sign in again with your second factor, then enter the code again.
