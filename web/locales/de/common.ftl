# Wörter, die jede Seitenfamilie verwendet.

field-email = E-Mail-Adresse
field-password = Passwort
field-new-password = Neues Passwort
field-name = Name
field-optional = (optional)
field-code = Code
password-hint = Mindestens { $min } Zeichen. Einige voneinander unabhängige Wörter ergeben ein starkes Passwort.
action-confirm = Bestätigen
action-verify = Bestätigen
action-cancel = Abbrechen
action-continue = Weiter
action-send-link = Link senden
link-back-to-sign-in = Zurück zur Anmeldung
link-back-to-account = Zurück zu Ihrem Konto
link-privacy-policy = Datenschutzerklärung
link-terms-of-service = Nutzungsbedingungen
client-logo-alt = Logo von { $client }
form-post-title = Weiterleitung …
captcha-pow-hint = Dieses Formular prüft Ihren Browser, bevor es gesendet wird (JavaScript ist erforderlich).
duration-seconds = { $count ->
    [one] { $count } Sekunde
   *[other] { $count } Sekunden
}
duration-minutes = { $count ->
    [one] { $count } Minute
   *[other] { $count } Minuten
}
captcha-pow-checking = Ihr Browser wird geprüft …
captcha-pow-done = Fertig
captcha-pow-waiting = Ihr Browser wird geprüft … das Formular wird danach gesendet.
passkey-waiting = Warten auf Ihren Passkey …
passkey-failed = Der Passkey hat nicht funktioniert:
# Die nächste Aktion einer Abschlussseite.
next-sign-in = Anmelden
next-account = Zu Ihrem Konto
next-back-to-app = Zurück zu { $client }
next-sign-in-to-app = Bei { $client } anmelden
