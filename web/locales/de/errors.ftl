# Fehlerseiten und die Meldungen der Formulare.

error-title-server = Etwas ist schiefgelaufen
error-title-request = Diese Anfrage kann nicht ausgeführt werden
error-code = Fehlercode:
error-form-unreadable = Das Formular konnte nicht gelesen werden. Laden Sie die Seite neu und versuchen Sie es noch einmal.
error-form-expired = Das Formular ist abgelaufen oder wurde von einer anderen Website gesendet. Gehen Sie zurück, laden Sie die Seite neu und versuchen Sie es noch einmal.
error-request-expired = Diese Anmeldeanfrage ist abgelaufen oder wurde bereits verwendet. Kehren Sie zur Anwendung zurück und beginnen Sie erneut.
error-server = Bei uns ist etwas schiefgelaufen. Bitte versuchen Sie es noch einmal.
error-unavailable = Der Dienst ist kurz nicht erreichbar. Bitte versuchen Sie es in einigen Sekunden noch einmal.
error-wrong-credentials = E-Mail-Adresse oder Passwort ist falsch.
error-too-many-sign-ins = Zu viele Anmeldeversuche. Versuchen Sie es in { $wait } noch einmal.
error-too-many-requests-title = Zu viele Anfragen
error-too-many-requests = Zu viele Anfragen. Versuchen Sie es in { $wait } noch einmal.
error-confirm-email-first = Bestätigen Sie zuerst Ihre E-Mail-Adresse: Folgen Sie dem Link, den wir Ihnen gesendet haben.
error-account-locked = Dieses Konto ist nach zu vielen fehlgeschlagenen Anmeldungen gesperrt. Versuchen Sie es später noch einmal oder wenden Sie sich an die Administration.
error-account-locked-title = Konto gesperrt
error-account-locked-for = Dieses Konto ist nach zu vielen fehlgeschlagenen Anmeldungen noch { $minutes ->
    [one] 1 Minute
   *[other] { $minutes } Minuten
} gesperrt. Um sich sofort anzumelden, setzen Sie Ihr Passwort über „Passwort vergessen?“ zurück.
error-account-unavailable = Mit diesem Konto ist derzeit keine Anmeldung möglich. Wenden Sie sich an die Administration.
error-captcha-failed = Die Browserprüfung war nicht erfolgreich. Warten Sie, bis die Prüfung abgeschlossen ist (dafür ist JavaScript erforderlich), und senden Sie das Formular dann erneut.
error-correct-fields = Bitte korrigieren Sie die unten markierten Felder.
error-unreadable-value = Einige Zeichen konnten nicht gelesen werden. Geben Sie den Wert noch einmal ein.
error-name-too-long = Verwenden Sie höchstens { $max } Zeichen.
error-name-characters = Verwenden Sie nur Buchstaben, Ziffern, Leerzeichen und Satzzeichen.
error-email-invalid = Geben Sie eine E-Mail-Adresse wie name@example.com ein.
error-email-domain = Konten können nur mit einer Adresse bei { $domains } erstellt werden.
error-code-wrong-mailed = Dieser Code ist nicht richtig oder abgelaufen. Prüfen Sie die neueste E-Mail oder fordern Sie einen neuen Code an.
error-too-many-codes = Es wurden zu viele Codes versucht. Versuchen Sie es in { $wait } noch einmal.
error-too-many-wrong-codes-mailed = Zu viele falsche Codes. Fordern Sie in einigen Minuten einen neuen Code an.
error-email-link-broken = Der Link ist ungültig, wurde bereits verwendet oder ist abgelaufen. Fordern Sie auf der Anmeldeseite einen neuen an.
error-codes-locked = Dieses Konto ist nach zu vielen falschen Codes gesperrt. Versuchen Sie es in { $wait } noch einmal.
error-code-wrong = Dieser Code ist nicht richtig oder abgelaufen. Versuchen Sie es noch einmal.
error-too-many-wrong-codes = Zu viele falsche Codes. Beginnen Sie die Anmeldung von vorn.
error-passkey-wrong = Dieser Passkey konnte nicht überprüft werden. Versuchen Sie es noch einmal.
error-passkey-sign-in-failed = Dieser Passkey konnte nicht überprüft werden. Gehen Sie zurück und versuchen Sie es noch einmal, oder melden Sie sich mit Ihrem Passwort an.
password-too-short = Verwenden Sie mindestens { $min } Zeichen.
password-too-long = Verwenden Sie höchstens { $max } Zeichen.
password-common = Dieses Passwort gehört zu den häufigsten. Wählen Sie ein anderes.
password-weak = Dieses Passwort ist zu leicht zu erraten. Fügen Sie einige weitere voneinander unabhängige Wörter hinzu.
not-found-title = Seite nicht gefunden
not-found-text = Unter dieser Adresse gibt es keine Seite. Sie wurde vielleicht verschoben, oder der Link ist fehlerhaft.
not-found-account = Ihr Konto
not-found-sign-in = Anmelden

# Signing in with another identity provider.
upstream-error-title = Die Anmeldung mit { $provider } hat nicht geklappt
upstream-error-title-generic = Die Anmeldung mit einem anderen Konto hat nicht geklappt
upstream-error-unknown = Dieser Anmeldedienst ist hier nicht verfügbar. Gehen Sie zurück und wählen Sie eine andere Art der Anmeldung.
upstream-error-unavailable = { $provider } war nicht erreichbar oder hat nicht richtig geantwortet. Versuchen Sie es in ein paar Minuten erneut oder melden Sie sich anders an.
upstream-error-refused = { $provider } hat Sie nicht angemeldet („{ $error }“). Versuchen Sie es erneut oder melden Sie sich anders an.
upstream-error-state = Diese Antwort gehört zu keiner Anmeldung, die in diesem Browser begonnen wurde. Beginnen Sie die Anmeldung neu.
upstream-error-replayed = Diese Antwort wurde bereits verwendet. Beginnen Sie die Anmeldung neu.
upstream-error-expired = Diese Anmeldung hat zu lange gedauert und ist abgelaufen. Beginnen Sie die Anmeldung neu.
upstream-error-token = Die Antwort von { $provider } konnte nicht geprüft werden. Beginnen Sie die Anmeldung neu; wenn es wieder passiert, wenden Sie sich an die Administration.
upstream-error-nonce = Die Antwort von { $provider } gehört zu einer anderen Anmeldung. Beginnen Sie die Anmeldung neu.
upstream-error-denied = Neue Konten können sich hier nicht mit { $provider } anmelden. Melden Sie sich anders an oder wenden Sie sich an die Administration.
upstream-error-no-email = { $provider } hat Ihre E-Mail-Adresse nicht mitgeteilt, die Ihr Konto hier braucht. Erlauben Sie { $provider }, sie mitzuteilen, oder melden Sie sich anders an.
upstream-error-no-account = Hier gibt es kein Konto mit der Adresse, die { $provider } mitgeteilt hat. Melden Sie sich anders an oder wenden Sie sich an die Administration.
upstream-error-cannot-prove = Hier gibt es ein Konto mit der Adresse, die { $provider } mitgeteilt hat, aber ohne Passwort, mit dem Sie es bestätigen könnten. Melden Sie sich so an wie sonst auch.
upstream-error-already-linked = Dieses { $provider }-Konto ist bereits mit einem Konto hier verknüpft. Melden Sie sich erneut mit { $provider } an.
upstream-link-error-session = Diese Antwort von { $provider } gehört zu keiner Verknüpfung, die in dieser Browsersitzung begonnen wurde. Es wurde nichts verknüpft. Beginnen Sie erneut auf Ihrer Kontoseite.
upstream-link-error-yours = Ihr { $provider }-Konto ist bereits mit diesem Konto verknüpft.
upstream-link-error-taken = Dieses { $provider }-Konto ist bereits mit einem anderen Konto hier verknüpft und kann daher nicht mit Ihrem verknüpft werden. Es wurde nichts geändert.
upstream-back = Zurück zur Anmeldung
