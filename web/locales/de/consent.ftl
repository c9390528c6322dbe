# Die Zustimmungsseite und die verständliche Beschreibung jeder Berechtigung.

consent-title = { $client } erlauben?
consent-heading = { $client } möchte
consent-signed-in-as = Angemeldet als
consent-allow = Erlauben
consent-deny = Ablehnen
consent-privacy-policy = Datenschutzerklärung von { $client }
consent-terms-of-service = Nutzungsbedingungen von { $client }
consent-withdraw-hint = Sie können diese Erlaubnis jederzeit in Ihrem Konto widerrufen.
consent-choose = Wählen Sie „Erlauben“ oder „Ablehnen“.

scope-openid = Sie mit Ihrem Konto anmelden
scope-profile = Ihren Namen und Ihr Basisprofil sehen (Bild, Sprache, Zeitzone)
scope-email = Ihre E-Mail-Adresse sehen
scope-address = Ihre Postanschrift sehen
scope-phone = Ihre Telefonnummer sehen
scope-offline-access = Zugriff behalten, während Sie die Anwendung nicht nutzen
scope-roles = Ihre Rollen und Berechtigungen sehen
scope-groups = Sehen, welchen Gruppen Sie angehören
scope-other = Die Berechtigung „{ $name }“ verwenden

# Die Geräteseite (/device): einen Fernseher, eine Konsole oder ein Kommandozeilenwerkzeug per Code verbinden.
device-title = Gerät verbinden
device-intro = Geben Sie den Code ein, den Ihr Gerät anzeigt (ein Fernseher, eine Konsole oder ein Kommandozeilenwerkzeug).
device-code-label = Code
device-continue = Weiter
device-code-invalid = Dieser Code ist ungültig oder abgelaufen. Prüfen Sie ihn auf Ihrem Gerät und versuchen Sie es erneut.
device-confirm-heading = { $client } auf Ihrem Gerät verbinden?
device-confirm-code = Auf dem Gerät angezeigter Code:
device-confirm-warning = Fahren Sie nur fort, wenn Sie dies selbst auf einem Gerät begonnen haben, das diesen Code anzeigt. Geben Sie nie einen Code ein, den Ihnen jemand geschickt hat.
device-approved-title = Gerät verbunden
device-approved = { $client } ist verbunden. Sie können zu Ihrem Gerät zurückkehren.
device-denied-title = Zugriff abgelehnt
device-denied = { $client } hat keinen Zugriff erhalten. Sie können zu Ihrem Gerät zurückkehren.
device-needs-second-factor = { $client } verlangt eine Anmeldung mit zweitem Faktor. Melden Sie sich ab, melden Sie sich mit Ihrem zweiten Faktor erneut an und geben Sie den Code noch einmal ein.
