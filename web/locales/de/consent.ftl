# Die Zustimmungsseite und die verständliche Beschreibung jeder Berechtigung.

consent-title = { $client } erlauben?
consent-heading = { $client } möchte
consent-signed-in-as = Angemeldet als
consent-allow = Erlauben
consent-deny = Ablehnen
consent-privacy-policy = Datenschutzerklärung von { $client }
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
