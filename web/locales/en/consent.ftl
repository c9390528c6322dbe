# The consent page, and the plain wording of each permission (also used where granted
# permissions are listed).

consent-title = Allow { $client }?
consent-heading = { $client } would like to
consent-signed-in-as = Signed in as
consent-allow = Allow
consent-deny = Deny
consent-privacy-policy = Privacy policy of { $client }
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
