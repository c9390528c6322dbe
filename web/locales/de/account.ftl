# Die Kontoverwaltung: Bereiche, Formulare, Meldungen und Datumsangaben.

account-heading = Ihr Konto
account-page-title = { $section } · Ihr Konto
account-signed-in-as = Angemeldet als
account-sign-out = Abmelden
account-menu = Menü
account-nav-label = Bereiche des Kontos
account-problems = { $count ->
    [one] Bitte korrigieren Sie Folgendes:
   *[other] Bitte korrigieren Sie diese { $count } Punkte:
}
account-not-found-title = Diese Seite gibt es nicht
account-not-found = Die Bereiche Ihres Kontos finden Sie auf Ihrer Kontoseite.

## Bereiche

account-section-profile = Profil
account-section-email = E-Mail-Adresse
account-section-password = Passwort
account-section-two-step = Bestätigung in zwei Schritten
account-section-passkeys = Passkeys
account-section-linked = Verknüpfte Anmeldungen
account-section-apps = Verbundene Apps
account-section-sessions = Sitzungen
account-section-data = Ihre Daten
account-section-delete = Konto löschen

## Was eine Aktion bewirkt hat

account-done-profile = Ihr Profil ist gespeichert.
account-done-password = Ihr Passwort ist geändert. Ihre anderen Sitzungen wurden abgemeldet.
account-done-email = Wir haben einen Bestätigungslink an die neue Adresse gesendet. Ihre Adresse ändert sich, sobald Sie ihn öffnen.
account-done-app = Die App ist getrennt: Sie kann Ihr Konto nicht mehr verwenden.
account-done-session = Die Sitzung ist abgemeldet.
account-done-sessions = Alle anderen Sitzungen sind abgemeldet.
account-done-mfa = Die Bestätigung in zwei Schritten ist eingeschaltet: Bei der Anmeldung wird nun ein Code aus Ihrer App abgefragt.
account-done-mfa-removed = Die Bestätigung in zwei Schritten ist ausgeschaltet, und Ihre Wiederherstellungscodes gelten nicht mehr.
account-done-codes-saved = Ihre Wiederherstellungscodes sind gesichert. Jeder Code gilt einmal.
account-done-browsers = Jeder Browser fragt bei der nächsten Anmeldung wieder nach dem Code.
account-done-phone = Ihre Telefonnummer ist bestätigt.
account-done-mfa-sms = Bei der Anmeldung wird nun ein per SMS gesendeter Code abgefragt.
account-done-mfa-sms-removed = Codes per SMS sind ausgeschaltet.
account-done-passkey = Der Passkey ist hinzugefügt: Melden Sie sich damit an, oder verwenden Sie ihn als zweiten Schritt.
account-done-passkey-removed = Der Passkey ist entfernt.

## Profil

account-profile-name = Name
account-profile-given-name = Vorname
account-profile-family-name = Nachname
account-profile-picture = Bild-URL
account-profile-picture-hint = Eine https://-Adresse eines Bildes.
account-profile-locale = Sprache
account-profile-locale-hint = Ein Sprachkürzel wie de, de-CH oder en-GB.
account-profile-zoneinfo = Zeitzone
account-profile-zoneinfo-hint = Ein Zonenname wie Europe/Berlin oder America/New_York.
account-profile-phone = Telefon
account-profile-phone-hint = Im internationalen Format, etwa +49 30 1234567.
account-profile-save = Profil speichern
account-profile-error-picture = Bild-URL: Verwenden Sie eine https://-Adresse eines Bildes.
account-profile-error-locale = Sprache: Verwenden Sie ein Sprachkürzel wie de, de-CH oder en-GB.
account-profile-error-zoneinfo = Zeitzone: Verwenden Sie einen Zonennamen wie Europe/Berlin (die Liste schlägt sie vor).
account-profile-error-phone = Telefon: Verwenden Sie das internationale Format, etwa +49 30 1234567.
account-phone-heading = Telefonnummer
account-phone-verified = (bestätigt)
account-phone-not-verified = (nicht bestätigt)
account-phone-verify = Per SMS bestätigen
account-phone-none = Noch keine Telefonnummer: Tragen Sie oben eine ein.

## E-Mail-Adresse

account-email-current = Ihre Adresse:
account-email-confirmed = (bestätigt)
account-email-not-confirmed = (noch nicht bestätigt)
account-email-new = Neue Adresse
account-email-hint = Wir senden einen Link an die neue Adresse; Ihre Adresse ändert sich, sobald Sie ihn öffnen.
account-email-submit = Adresse ändern
account-email-error-invalid = Geben Sie eine E-Mail-Adresse wie name@example.com ein.
account-email-error-same = Das ist bereits Ihre Adresse.

## Passwort

account-current-password = Aktuelles Passwort
account-confirm-by-sign-in = Ihr Konto hat kein Passwort: Eine Anmeldung in den letzten 10 Minuten bestätigt dies. Ist Ihre älter, werden Sie zuerst gebeten, sich erneut anzumelden.
account-password-wrong = Das aktuelle Passwort ist nicht richtig.
account-password-new = Neues Passwort
account-password-hint = Mindestens { $min } Zeichen. Ihre anderen Sitzungen werden abgemeldet.
account-password-submit = Passwort ändern

## Bestätigung in zwei Schritten

account-mfa-app-heading = Authenticator-App
account-mfa-on = Eingeschaltet: Bei der Anmeldung wird ein Code aus Ihrer Authenticator-App abgefragt.
account-mfa-codes-left = Verbleibende Wiederherstellungscodes: { $count }.
account-mfa-new-codes = Neue Wiederherstellungscodes erstellen
account-mfa-trusted = Browser, die den Code überspringen: { $count }.
account-mfa-forget-browsers = In jedem Browser wieder nach dem Code fragen
account-mfa-off-password = Passwort (um die Bestätigung in zwei Schritten auszuschalten)
account-mfa-turn-off = Ausschalten
account-mfa-off = Ausgeschaltet. Mit einer Authenticator-App wird bei der Anmeldung zusätzlich ein Code abgefragt, der sich alle 30 Sekunden ändert.
account-mfa-set-up = Authenticator-App einrichten
account-sms-heading = Codes per SMS
account-sms-on = Eingeschaltet: Bei der Anmeldung kann ein an Ihr Telefon gesendeter Code abgefragt werden.
account-sms-off-password = Passwort (um Codes per SMS auszuschalten)
account-sms-turn-off = Codes per SMS ausschalten
account-sms-use = Codes per SMS verwenden
account-sms-needs-phone = Ausgeschaltet. Tragen Sie zuerst in Ihrem Profil eine Telefonnummer ein und bestätigen Sie sie.
account-sms-profile-link = Zu Ihrem Profil
account-mfa-passkeys-hint = Auch Passkeys zählen als zweiter Schritt.
account-password-label = Passwort
account-wrong-password = Das Passwort ist nicht richtig.

## Passkeys

account-passkeys-intro = Ein Passkey meldet Sie mit der Bildschirmsperre Ihres Geräts oder einem Sicherheitsschlüssel an, ohne Passwort.
account-passkeys-none = Sie haben noch keinen Passkey.
account-passkeys-added = Hinzugefügt am { $date }
account-passkeys-last-used = zuletzt verwendet { $date }
account-passkeys-remove = Entfernen
account-passkeys-remove-label = { $name } entfernen
account-passkeys-name = Name des neuen Passkeys
account-passkeys-name-placeholder = z. B. Arbeitslaptop
account-passkeys-add = Passkey hinzufügen
account-passkeys-unavailable = Passkeys sind auf diesem Server nicht verfügbar.

## Verknüpfte Anmeldungen

account-linked-none = Noch keine. Wenn Sie sich über einen anderen Anbieter anmelden (etwa mit Ihrem Firmenkonto), wird er hier aufgeführt.
account-linked-intro = Diese Konten bei anderen Anbietern melden Sie bei diesem Konto an:
account-linked-added = Verknüpft { $date }
account-linked-last-used = zuletzt verwendet { $date }
account-done-linked = Das Konto ist verknüpft: Sie können sich jetzt damit anmelden.
account-done-unlinked = Die Verknüpfung ist entfernt: Dieses Konto meldet Sie hier nicht mehr an.
account-linked-unlink = Verknüpfung lösen
account-linked-unlink-label = Verknüpfung mit { $provider } lösen
account-linked-add-title = Weiteres Konto verknüpfen
account-linked-add-intro = Melden Sie sich bei einem dieser Anbieter an, um Ihr Konto dort mit diesem zu verknüpfen. Danach können Sie sich auf beide Arten anmelden.
account-linked-link = Verknüpfen
account-linked-link-label = Ihr { $provider }-Konto verknüpfen
account-linked-last-way = Diese Verknüpfung kann nicht gelöst werden: Sie ist Ihre einzige Möglichkeit, sich anzumelden. Legen Sie zuerst ein Passwort fest, fügen Sie einen Passkey hinzu oder verknüpfen Sie ein weiteres Konto.
account-linked-not-found = Diese Verknüpfung gibt es nicht mehr. Die Liste unten ist aktuell.

## Verbundene Apps

account-apps-none = Keine App hat Zugriff auf Ihr Konto.
account-apps-can = { $app } darf:
account-apps-allowed = Erlaubt am { $date }
account-apps-disconnect = Trennen
account-apps-disconnect-label = { $app } trennen
account-apps-hint = Wenn Sie eine App trennen, widerrufen Sie Ihre Erlaubnis und melden die App ab: Beim nächsten Mal fragt sie erneut.

## Sitzungen

account-sessions-this = Dieser Browser
account-sessions-signed-in = Angemeldet am { $date }
account-sessions-last-active = zuletzt aktiv { $when }
account-sessions-near = in der Nähe von { $place }
account-sessions-end = Diese Sitzung abmelden
account-sessions-end-others = Alle anderen Sitzungen abmelden
account-sessions-end-all = Überall abmelden
account-sessions-zone = Zeiten in der Zeitzone { $zone }.
account-sessions-set-zone = Legen Sie Ihre Zeitzone im Profil fest

## Ihre Daten

account-data-intro = Laden Sie alles herunter, was über Sie gespeichert ist: Ihr Profil, Ihre Sitzungen, verbundene Apps und Sicherheitsereignisse, als JSON-Datei.
account-data-download = Meine Daten herunterladen

## Konto löschen

account-delete-intro = Dies löscht Ihr Profil, Ihre Anmeldemethoden und Sitzungen und trennt alle Apps. Es kann nicht rückgängig gemacht werden.
account-delete-download-first = Sie können vorher Ihre Daten herunterladen.
account-delete-submit = Mein Konto löschen

## Wiederherstellungscodes und der Schlüssel der Authenticator-App

account-codes-download = Als Textdatei herunterladen
account-codes-copy = Codes kopieren
account-codes-copied = Kopiert.
account-codes-saved = Ich habe diese Codes gesichert
account-codes-back = Zurück zu Ihrem Konto
account-codes-file-title = Wiederherstellungscodes für { $email } bei { $site }
account-codes-file-hint = Jeder Code meldet Sie einmal an, falls Sie Ihre Authenticator-App verlieren.
account-totp-listed-as = Die App führt es unter dem Namen

## Datumsangaben: „vor 2 Stunden“, „30. Nov. 2026, 18:42“

date-just-now = gerade eben
date-minutes-ago = { $count ->
    [one] vor { $count } Minute
   *[other] vor { $count } Minuten
}
date-hours-ago = { $count ->
    [one] vor { $count } Stunde
   *[other] vor { $count } Stunden
}
date-days-ago = { $count ->
    [one] vor { $count } Tag
   *[other] vor { $count } Tagen
}
date-months = Jan. Feb. März Apr. Mai Juni Juli Aug. Sept. Okt. Nov. Dez.
date-absolute = { $day }. { $month } { $year }, { $time }

# Errors of the phone, text-message and passkey sections.
account-sms-unavailable = Textnachrichten sind hier nicht verfügbar.
account-sms-phone-first = Speichern Sie zuerst in Ihrem Profil eine Telefonnummer im internationalen Format (z. B. +49 151 23456789).
account-phone-code-wrong = Dieser Code ist falsch oder abgelaufen.
account-sms-verify-phone-first = Bestätigen Sie zuerst Ihre Telefonnummer.
account-passkeys-name-invalid = Geben Sie dem Passkey einen Namen mit höchstens 200 Buchstaben, Ziffern und Leerzeichen.
account-passkeys-unreadable = Der Passkey konnte nicht gelesen werden. Versuchen Sie es noch einmal.
account-passkeys-unverified = Der Passkey konnte nicht geprüft werden. Versuchen Sie es noch einmal.
account-codes-not-saved = Setzen Sie das Häkchen bei „Ich habe diese Codes gesichert“, sobald Sie sie an einem sicheren Ort abgelegt haben: Sie werden nicht noch einmal angezeigt.
account-deleted-title = Ihr Konto ist gelöscht
account-deleted = Ihre persönlichen Daten, Anmeldemethoden und Sitzungen sind gelöscht, und alle Apps wurden getrennt.
account-reentry-signed-out-title = Sie sind abgemeldet
account-reentry-signed-out = Das Passwort wurde zu oft falsch eingegeben. Melden Sie sich erneut an, um fortzufahren.
mfa-setup-code-wrong = Dieser Code stimmt nicht. Geben Sie die 6 Ziffern ein, die Ihre App gerade anzeigt.
