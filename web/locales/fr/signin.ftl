# Connexion : mot de passe, code par e-mail, deuxième étape, déconnexion.

sign-in-title = Connexion
sign-in-title-client = Connexion à { $client }
sign-in-heading-client = Connectez-vous pour continuer vers { $client }
sign-in-remember = Rester connecté sur ce navigateur
sign-in-submit = Se connecter
sign-in-passkey = Se connecter avec une clé d’accès
sign-in-email-code = Recevoir un code de connexion par e-mail
sign-in-forgot-password = Mot de passe oublié ?
sign-in-register = Créer un compte
sign-in-resend-verification = E-mail de confirmation non reçu ?

email-sign-in-title = Connexion par e-mail
email-sign-in-intro = Nous vous envoyons un code et un lien ; l’un ou l’autre vous connecte.
email-sign-in-submit = M’envoyer un code
email-code-title = Saisissez le code reçu par e-mail
email-code-intro = Si { $email } correspond à un compte, nous y avons envoyé un code à 6 chiffres et un lien, valables 10 minutes.

mfa-title = Validation en deux étapes
mfa-sms-sent = Nous avons envoyé un code par SMS à votre téléphone. Il est valable 10 minutes.
mfa-sms-send = M’envoyer un code par SMS
mfa-sms-send-again = M’envoyer un autre code par SMS
mfa-trust = { $days ->
    [one] Ne plus demander sur ce navigateur pendant { $days } jour
   *[other] Ne plus demander sur ce navigateur pendant { $days } jours
}
mfa-passkey-submit = Utiliser votre clé d’accès
mfa-recovery-label = Code de récupération
mfa-recovery-hint = Chaque code de récupération ne fonctionne qu’une fois.
mfa-sms-label = Code reçu par SMS
mfa-totp-label = Code de votre application d’authentification
mfa-switch-totp = Utiliser votre application d’authentification
mfa-switch-sms = Recevoir un code par SMS
mfa-switch-passkey = Utiliser une clé d’accès
mfa-switch-recovery = Utiliser un code de récupération

totp-setup-title = Configurer une application d’authentification
totp-setup-required = Cette connexion exige la validation en deux étapes.
totp-setup-required-next = Configurez une application d’authentification pour continuer.
totp-setup-scan = Scannez ce code avec votre application d’authentification (par exemple FreeOTP, Aegis, Google Authenticator ou 1Password).
totp-setup-qr-label = Code QR de la clé de configuration
totp-setup-key = Ou saisissez cette clé dans l’application :
totp-setup-code-label = Le code à 6 chiffres affiché par l’application
totp-setup-submit = Activer

recovery-codes-title = Vos codes de récupération
recovery-codes-intro = Si vous perdez votre application d’authentification, chacun de ces codes vous permet de vous connecter une fois. Conservez-les maintenant en lieu sûr : ils ne seront plus affichés. Les codes créés auparavant ne fonctionnent plus.
recovery-codes-continue = Je les ai enregistrés : continuer

phone-code-title = Vérifier votre numéro de téléphone
phone-code-intro = Nous avons envoyé un code par SMS au { $phone }. Il est valable 10 minutes.

logout-title = Se déconnecter ?
logout-question = Voulez-vous vous déconnecter de votre compte sur cet appareil ?
logout-submit = Se déconnecter
logged-out-title = Déconnecté
logged-out-heading = Vous êtes déconnecté
logged-out-close = Vous pouvez fermer cette fenêtre.
logged-out-applications = Déconnexion des applications que vous avez utilisées…
logged-out-frame-title = Déconnexion d’une application
logout-cancel = Annuler et rester connecté
logout-asked-by = { $client } demande à vous déconnecter.
logout-cancel-back = Annuler et revenir à { $client }
logged-out-sign-in-again = Se reconnecter

# Signing in with another identity provider.
sign-in-or = Ou connectez-vous avec un autre compte :
sign-in-with = Se connecter avec { $provider }
upstream-continue-title = Connexion en cours…
upstream-link-title = Associer votre compte { $provider }
upstream-link-intro = Un compte avec l’adresse { $email } existe déjà ici.
upstream-link-why-unverified = { $provider } n’a pas confirmé que cette adresse vous appartient.
upstream-link-why-untrusted = Une adresse fournie par { $provider } ne suffit pas à elle seule comme preuve.
upstream-link-why-local = L’adresse de ce compte n’a pas encore été confirmée.
upstream-link-prove = Saisissez le mot de passe de ce compte pour l’associer à votre compte { $provider }. Vous pourrez ensuite vous connecter des deux façons.
upstream-link-submit = Associer et se connecter
upstream-link-cancel = Annuler et revenir à la connexion
upstream-link-wrong-password = Ce mot de passe n’est pas correct.
