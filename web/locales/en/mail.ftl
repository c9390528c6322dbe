# The mails. Each paragraph is one message, shared by the text and the HTML part.

mail-hello = Hello,
mail-hello-name = Hello { $name },
mail-link-expires-hours = { $hours ->
    [one] The link works once and expires in { $hours } hour.
   *[other] The link works once and expires in { $hours } hours.
}

mail-verify-subject = Confirm your email address
mail-verify-body = please confirm that { $email } is your address:
mail-verify-button = Confirm my email address
mail-verify-ignore = If you did not create an account, ignore this mail: nothing happens without the link.

mail-already-subject = Someone tried to create an account with your address
mail-already-body = someone (perhaps you) tried to create an account with { $email }, which already has one. Nothing was changed. To sign in, use your existing password; if you forgot it, use “Forgot password?” on the sign-in page.

mail-reset-subject = Reset your password
mail-reset-body = someone (perhaps you) asked to reset the password of the account { $email }. To choose a new password, open this link:
mail-reset-button = Choose a new password
mail-reset-expires = { $minutes ->
    [one] The link works once and expires in { $minutes } minute. If you did not ask for this, ignore this mail: your password stays as it is.
   *[other] The link works once and expires in { $minutes } minutes. If you did not ask for this, ignore this mail: your password stays as it is.
}

mail-password-changed-subject = Your password was changed
mail-password-changed-body = the password of your account { $email } was changed. Every other session was signed out.
mail-password-reset-body = the password of your account { $email } was reset. Every other session was signed out.
mail-password-changed-warning = If this was not you, reset your password at once with “Forgot password?” on the sign-in page, and contact the administrator.

mail-change-email-subject = Confirm your new email address
mail-change-email-body = please confirm that { $email } should become the address of your account, by opening this link:
mail-change-email-button = Confirm my new address
mail-change-email-ignore = Until then your account keeps its current address. If you did not ask for this, ignore this mail.

mail-email-changed-subject = Your email address was changed
mail-email-changed-body = the address of your account changed from { $email } to { $new_email }. Mail about the account now goes to the new address.
mail-email-changed-warning = If this was not you, contact the administrator at once.

mail-invitation-subject = You are invited to create an account
mail-invitation-body = you are invited to create an account at { $site } with the address { $email }. To accept, open this link and choose a password:
mail-invitation-button = Accept the invitation
mail-invitation-expires = { $days ->
    [one] The invitation expires in { $days } day. If you did not expect it, ignore this mail.
   *[other] The invitation expires in { $days } days. If you did not expect it, ignore this mail.
}

mail-deleted-subject = Your account was deleted
mail-deleted-body = the account { $email } was deleted, with its personal data, sign-in methods, sessions and connected apps. This cannot be undone. Records of security events remain without your name, address or network details.
mail-deleted-warning = If this was not you, contact the administrator.

mail-new-sign-in-subject = New sign-in to your account
mail-new-sign-in-body = your account { $email } was just used to sign in from a browser or device we had not seen:
mail-new-sign-in-when = When: { $when }
mail-new-sign-in-device = Device: { $device }
mail-new-sign-in-address = Address: { $ip }
mail-new-sign-in-advice = If this was you, nothing needs to be done. If not, change your password at once and end the session on your account page.

mail-recovery-used-subject = A recovery code was used
mail-recovery-used-body = { $count ->
    [one] a recovery code was just used to sign in to your account { $email }. You have { $count } recovery code left; make a new set on your account page.
   *[other] a recovery code was just used to sign in to your account { $email }. You have { $count } recovery codes left; make a new set on your account page when you run low.
}
mail-recovery-used-warning = If this was not you, change your password at once and contact the administrator.

mail-codes-locked-subject = Your account is locked after wrong sign-in codes
mail-codes-locked-body = { $minutes ->
    [one] someone who knew the password of your account { $email }, or had access to this mailbox, entered too many wrong sign-in codes, so the account is locked for { $minutes } minute.
   *[other] someone who knew the password of your account { $email }, or had access to this mailbox, entered too many wrong sign-in codes, so the account is locked for { $minutes } minutes.
}
mail-codes-locked-warning = If this was not you, change your password as soon as the lock ends, and contact the administrator.

mail-email-sign-in-subject = Your sign-in code
mail-email-sign-in-body = your code to sign in as { $email } is
mail-email-sign-in-link = or open this link to sign in on this device:
mail-email-sign-in-button = Sign in on this device
mail-email-sign-in-expires = { $minutes ->
    [one] The code and the link work once and expire in { $minutes } minute. If you did not ask to sign in, ignore this mail.
   *[other] The code and the link work once and expire in { $minutes } minutes. If you did not ask to sign in, ignore this mail.
}
