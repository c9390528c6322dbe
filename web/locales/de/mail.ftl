# Die E-Mails. Jeder Absatz ist eine Meldung, gemeinsam für den Text- und den HTML-Teil.

mail-hello = Guten Tag,
mail-hello-name = Guten Tag { $name },
mail-link-expires-hours = { $hours ->
    [one] Der Link funktioniert einmal und läuft in { $hours } Stunde ab.
   *[other] Der Link funktioniert einmal und läuft in { $hours } Stunden ab.
}

mail-verify-subject = Bestätigen Sie Ihre E-Mail-Adresse
mail-verify-body = bitte bestätigen Sie, dass { $email } Ihre Adresse ist:
mail-verify-button = Meine E-Mail-Adresse bestätigen
mail-verify-ignore = Falls Sie kein Konto erstellt haben, ignorieren Sie diese E-Mail: Ohne den Link geschieht nichts.

mail-already-subject = Jemand wollte mit Ihrer Adresse ein Konto erstellen
mail-already-body = jemand (vielleicht Sie) wollte mit { $email } ein Konto erstellen, doch zu dieser Adresse besteht bereits eines. Es wurde nichts geändert. Melden Sie sich mit Ihrem bisherigen Passwort an; falls Sie es vergessen haben, verwenden Sie „Passwort vergessen?“ auf der Anmeldeseite.

mail-reset-subject = Setzen Sie Ihr Passwort zurück
mail-reset-body = jemand (vielleicht Sie) hat darum gebeten, das Passwort des Kontos { $email } zurückzusetzen. Öffnen Sie diesen Link, um ein neues Passwort zu wählen:
mail-reset-button = Neues Passwort wählen
mail-reset-expires = { $minutes ->
    [one] Der Link funktioniert einmal und läuft in { $minutes } Minute ab. Falls Sie nicht darum gebeten haben, ignorieren Sie diese E-Mail: Ihr Passwort bleibt unverändert.
   *[other] Der Link funktioniert einmal und läuft in { $minutes } Minuten ab. Falls Sie nicht darum gebeten haben, ignorieren Sie diese E-Mail: Ihr Passwort bleibt unverändert.
}

mail-password-changed-subject = Ihr Passwort wurde geändert
mail-password-changed-body = das Passwort Ihres Kontos { $email } wurde geändert. Alle anderen Sitzungen wurden abgemeldet.
mail-password-reset-body = das Passwort Ihres Kontos { $email } wurde zurückgesetzt. Alle anderen Sitzungen wurden abgemeldet.
mail-password-changed-warning = Falls Sie das nicht waren, setzen Sie Ihr Passwort sofort mit „Passwort vergessen?“ auf der Anmeldeseite zurück und wenden Sie sich an die Administration.

mail-change-email-subject = Bestätigen Sie Ihre neue E-Mail-Adresse
mail-change-email-body = bitte bestätigen Sie mit diesem Link, dass { $email } die Adresse Ihres Kontos werden soll:
mail-change-email-button = Meine neue Adresse bestätigen
mail-change-email-ignore = Bis dahin behält Ihr Konto seine bisherige Adresse. Falls Sie nicht darum gebeten haben, ignorieren Sie diese E-Mail.

mail-email-changed-subject = Ihre E-Mail-Adresse wurde geändert
mail-email-changed-body = die Adresse Ihres Kontos wurde von { $email } in { $new_email } geändert. E-Mails zum Konto gehen ab jetzt an die neue Adresse.
mail-email-changed-warning = Falls Sie das nicht waren, wenden Sie sich sofort an die Administration.

mail-invitation-subject = Sie sind eingeladen, ein Konto zu erstellen
mail-invitation-body = Sie sind eingeladen, bei { $site } ein Konto mit der Adresse { $email } zu erstellen. Um die Einladung anzunehmen, öffnen Sie diesen Link und wählen Sie ein Passwort:
mail-invitation-button = Einladung annehmen
mail-invitation-expires = { $days ->
    [one] Die Einladung läuft in { $days } Tag ab. Falls Sie sie nicht erwartet haben, ignorieren Sie diese E-Mail.
   *[other] Die Einladung läuft in { $days } Tagen ab. Falls Sie sie nicht erwartet haben, ignorieren Sie diese E-Mail.
}

mail-deleted-subject = Ihr Konto wurde gelöscht
mail-deleted-body = das Konto { $email } wurde gelöscht, mit seinen persönlichen Daten, Anmeldemethoden, Sitzungen und verbundenen Anwendungen. Das kann nicht rückgängig gemacht werden. Aufzeichnungen über Sicherheitsereignisse bleiben ohne Ihren Namen, Ihre Adresse und Ihre Netzwerkdaten erhalten.
mail-deleted-warning = Falls Sie das nicht waren, wenden Sie sich an die Administration.

mail-new-sign-in-subject = Neue Anmeldung bei Ihrem Konto
mail-new-sign-in-body = mit Ihrem Konto { $email } hat sich soeben jemand in einem Browser oder auf einem Gerät angemeldet, den oder das wir noch nicht kannten:
mail-new-sign-in-when = Wann: { $when }
mail-new-sign-in-device = Gerät: { $device }
mail-new-sign-in-address = Adresse: { $ip }
mail-new-sign-in-advice = Falls Sie das waren, ist nichts zu tun. Andernfalls ändern Sie sofort Ihr Passwort und beenden Sie die Sitzung auf Ihrer Kontoseite.

mail-recovery-used-subject = Ein Wiederherstellungscode wurde verwendet
mail-recovery-used-body = { $count ->
    [one] soeben wurde ein Wiederherstellungscode verwendet, um sich bei Ihrem Konto { $email } anzumelden. Sie haben noch { $count } Wiederherstellungscode; erstellen Sie auf Ihrer Kontoseite neue Codes.
   *[other] soeben wurde ein Wiederherstellungscode verwendet, um sich bei Ihrem Konto { $email } anzumelden. Sie haben noch { $count } Wiederherstellungscodes; erstellen Sie auf Ihrer Kontoseite neue Codes, wenn sie knapp werden.
}
mail-recovery-used-warning = Falls Sie das nicht waren, ändern Sie sofort Ihr Passwort und wenden Sie sich an die Administration.

mail-codes-locked-subject = Ihr Konto ist nach falschen Anmeldecodes gesperrt
mail-codes-locked-body = { $minutes ->
    [one] jemand, der das Passwort Ihres Kontos { $email } kannte oder Zugriff auf dieses Postfach hatte, hat zu oft falsche Anmeldecodes eingegeben. Deshalb ist das Konto { $minutes } Minute lang gesperrt.
   *[other] jemand, der das Passwort Ihres Kontos { $email } kannte oder Zugriff auf dieses Postfach hatte, hat zu oft falsche Anmeldecodes eingegeben. Deshalb ist das Konto { $minutes } Minuten lang gesperrt.
}
mail-codes-locked-warning = Falls Sie das nicht waren, ändern Sie Ihr Passwort, sobald die Sperre endet, und wenden Sie sich an die Administration.

mail-email-sign-in-subject = Ihr Anmeldecode
mail-email-sign-in-body = Ihr Code für die Anmeldung als { $email } lautet
mail-email-sign-in-link = oder öffnen Sie diesen Link, um sich auf diesem Gerät anzumelden:
mail-email-sign-in-button = Auf diesem Gerät anmelden
mail-email-sign-in-expires = { $minutes ->
    [one] Der Code und der Link funktionieren einmal und laufen in { $minutes } Minute ab. Falls Sie sich nicht anmelden wollten, ignorieren Sie diese E-Mail.
   *[other] Der Code und der Link funktionieren einmal und laufen in { $minutes } Minuten ab. Falls Sie sich nicht anmelden wollten, ignorieren Sie diese E-Mail.
}
