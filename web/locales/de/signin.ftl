# Anmelden: Passwort, Code per E-Mail, zweiter Schritt, Abmelden.

sign-in-title = Anmelden
sign-in-title-client = Bei { $client } anmelden
sign-in-heading-client = Melden Sie sich an, um mit { $client } fortzufahren
sign-in-remember = In diesem Browser angemeldet bleiben
sign-in-submit = Anmelden
sign-in-passkey = Mit einem Passkey anmelden
sign-in-email-code = Anmeldecode per E-Mail senden
sign-in-forgot-password = Passwort vergessen?
sign-in-register = Konto erstellen
sign-in-resend-verification = Keine Bestätigungs-E-Mail erhalten?

email-sign-in-title = Per E-Mail anmelden
email-sign-in-intro = Wir senden Ihnen einen Code und einen Link; mit beiden können Sie sich anmelden.
email-sign-in-submit = Code per E-Mail senden
email-code-title = Geben Sie den Code aus der E-Mail ein
email-code-intro = Falls zu { $email } ein Konto besteht, haben wir dorthin einen 6-stelligen Code und einen Link gesendet, 10 Minuten lang gültig.

mfa-title = Bestätigung in zwei Schritten
mfa-sms-sent = Wir haben Ihnen einen Code per SMS gesendet. Er ist 10 Minuten lang gültig.
mfa-sms-send = Code per SMS senden
mfa-sms-send-again = Neuen Code per SMS senden
mfa-trust = { $days ->
    [one] In diesem Browser { $days } Tag lang nicht mehr fragen
   *[other] In diesem Browser { $days } Tage lang nicht mehr fragen
}
mfa-passkey-submit = Ihren Passkey verwenden
mfa-recovery-label = Wiederherstellungscode
mfa-recovery-hint = Jeder Wiederherstellungscode funktioniert nur einmal.
mfa-sms-label = Code aus der SMS
mfa-totp-label = Code aus Ihrer Authenticator-App
mfa-switch-totp = Ihre Authenticator-App verwenden
mfa-switch-sms = Code per SMS erhalten
mfa-switch-passkey = Einen Passkey verwenden
mfa-switch-recovery = Einen Wiederherstellungscode verwenden

totp-setup-title = Authenticator-App einrichten
totp-setup-required = Für diese Anmeldung ist die Bestätigung in zwei Schritten erforderlich.
totp-setup-required-next = Richten Sie eine Authenticator-App ein, um fortzufahren.
totp-setup-scan = Scannen Sie diesen Code mit Ihrer Authenticator-App (zum Beispiel FreeOTP, Aegis, Google Authenticator oder 1Password).
totp-setup-qr-label = QR-Code des Einrichtungsschlüssels
totp-setup-key = Oder geben Sie diesen Schlüssel in der App ein:
totp-setup-code-label = Der 6-stellige Code, den die App anzeigt
totp-setup-submit = Einschalten

recovery-codes-title = Ihre Wiederherstellungscodes
recovery-codes-intro = Falls Sie Ihre Authenticator-App verlieren, können Sie sich mit jedem dieser Codes einmal anmelden. Bewahren Sie sie jetzt an einem sicheren Ort auf: Sie werden nicht noch einmal angezeigt. Früher erstellte Codes gelten nicht mehr.
recovery-codes-continue = Ich habe sie gespeichert: weiter

phone-code-title = Telefonnummer bestätigen
phone-code-intro = Wir haben einen Code per SMS an { $phone } gesendet. Er ist 10 Minuten lang gültig.

logout-title = Abmelden?
logout-question = Möchten Sie sich auf diesem Gerät von Ihrem Konto abmelden?
logout-submit = Abmelden
logged-out-title = Abgemeldet
logged-out-heading = Sie sind abgemeldet
logged-out-close = Sie können dieses Fenster schließen.
logged-out-applications = Sie werden von den verwendeten Anwendungen abgemeldet …
logged-out-frame-title = Abmeldung von einer Anwendung
logout-cancel = Abbrechen und angemeldet bleiben
logout-asked-by = { $client } möchte Sie abmelden.
logout-cancel-back = Abbrechen und zurück zu { $client }
logged-out-sign-in-again = Erneut anmelden

# Signing in with another identity provider.
sign-in-or = Oder mit einem anderen Konto anmelden:
sign-in-with = Mit { $provider } anmelden
upstream-continue-title = Sie werden angemeldet …
upstream-link-title = Ihr { $provider }-Konto verknüpfen
upstream-link-intro = Hier gibt es bereits ein Konto mit der Adresse { $email }.
upstream-link-why-unverified = { $provider } hat nicht bestätigt, dass diese Adresse Ihnen gehört.
upstream-link-why-untrusted = Eine Adresse von { $provider } allein gilt nicht als Nachweis.
upstream-link-why-local = Die Adresse dieses Kontos ist noch nicht bestätigt.
upstream-link-prove = Geben Sie das Passwort dieses Kontos ein, um es mit Ihrem { $provider }-Konto zu verknüpfen. Danach können Sie sich auf beide Arten anmelden.
upstream-link-submit = Verknüpfen und anmelden
upstream-link-cancel = Abbrechen und zurück zur Anmeldung
upstream-link-wrong-password = Dieses Passwort ist nicht richtig.
