# L’espace compte : ses rubriques, formulaires, messages et dates.

account-heading = Votre compte
account-page-title = { $section } · Votre compte
account-signed-in-as = Connecté en tant que
account-sign-out = Se déconnecter
account-menu = Menu
account-nav-label = Rubriques du compte
account-problems = { $count ->
    [one] Veuillez corriger ce point :
   *[other] Veuillez corriger ces { $count } points :
}
account-not-found-title = Cette page n’existe pas
account-not-found = Les rubriques de votre compte sont listées sur la page de votre compte.

## Rubriques

account-section-profile = Profil
account-section-email = Adresse e-mail
account-section-password = Mot de passe
account-section-two-step = Validation en deux étapes
account-section-passkeys = Clés d’accès
account-section-linked = Connexions associées
account-section-apps = Applications connectées
account-section-sessions = Sessions
account-section-data = Vos données
account-section-delete = Supprimer le compte

## Résultat d’une action

account-done-profile = Votre profil est enregistré.
account-done-password = Votre mot de passe est modifié. Vos autres sessions ont été déconnectées.
account-done-email = Nous avons envoyé un lien de confirmation à la nouvelle adresse. Votre adresse change lorsque vous l’ouvrez.
account-done-app = L’application est déconnectée : elle ne peut plus utiliser votre compte.
account-done-session = La session est déconnectée.
account-done-sessions = Toutes les autres sessions sont déconnectées.
account-done-mfa = La validation en deux étapes est activée : la connexion demande désormais un code de votre application.
account-done-mfa-removed = La validation en deux étapes est désactivée, et vos codes de récupération ne fonctionnent plus.
account-done-codes-saved = Vos codes de récupération sont enregistrés. Chacun ne sert qu’une fois.
account-done-browsers = Chaque navigateur redemandera le code à la prochaine connexion.
account-done-phone = Votre numéro de téléphone est vérifié.
account-done-mfa-sms = La connexion demande désormais un code envoyé par SMS.
account-done-mfa-sms-removed = Les codes par SMS sont désactivés.
account-done-passkey = La clé d’accès est ajoutée : connectez-vous avec elle, ou utilisez-la comme seconde étape.
account-done-passkey-removed = La clé d’accès est supprimée.

## Profil

account-profile-name = Nom
account-profile-given-name = Prénom
account-profile-family-name = Nom de famille
account-profile-picture = URL de la photo
account-profile-picture-hint = Une adresse https:// d’une image.
account-profile-locale = Langue
account-profile-locale-hint = Une étiquette de langue comme fr, fr-CA ou en-GB.
account-profile-zoneinfo = Fuseau horaire
account-profile-zoneinfo-hint = Un nom de fuseau comme Europe/Paris ou America/Montreal.
account-profile-phone = Téléphone
account-profile-phone-hint = Au format international, par exemple +33 1 23 45 67 89.
account-profile-save = Enregistrer le profil
account-profile-error-picture = URL de la photo : utilisez une adresse https:// d’une image.
account-profile-error-locale = Langue : utilisez une étiquette de langue comme fr, fr-CA ou en-GB.
account-profile-error-zoneinfo = Fuseau horaire : utilisez un nom de fuseau comme Europe/Paris (la liste les propose).
account-profile-error-phone = Téléphone : utilisez le format international, par exemple +33 1 23 45 67 89.
account-phone-heading = Numéro de téléphone
account-phone-verified = (vérifié)
account-phone-not-verified = (non vérifié)
account-phone-verify = Vérifier par SMS
account-phone-none = Pas encore de numéro : ajoutez-en un ci-dessus.

## Adresse e-mail

account-email-current = Votre adresse :
account-email-confirmed = (confirmée)
account-email-not-confirmed = (pas encore confirmée)
account-email-new = Nouvelle adresse
account-email-hint = Nous envoyons un lien à la nouvelle adresse ; votre adresse change lorsque vous l’ouvrez.
account-email-submit = Changer d’adresse
account-email-error-invalid = Saisissez une adresse e-mail comme nom@example.com.
account-email-error-same = C’est déjà votre adresse.

## Mot de passe

account-current-password = Mot de passe actuel
account-confirm-by-sign-in = Votre compte n’a pas de mot de passe : une connexion de moins de 10 minutes le confirme. Si la vôtre est plus ancienne, il vous sera d’abord demandé de vous reconnecter.
account-password-wrong = Le mot de passe actuel n’est pas correct.
account-password-new = Nouveau mot de passe
account-password-hint = Au moins { $min } caractères. Vos autres sessions sont déconnectées.
account-password-submit = Changer le mot de passe

## Validation en deux étapes

account-mfa-app-heading = Application d’authentification
account-mfa-on = Activée : la connexion demande un code de votre application d’authentification.
account-mfa-codes-left = Codes de récupération restants : { $count }.
account-mfa-new-codes = Créer de nouveaux codes de récupération
account-mfa-trusted = Navigateurs dispensés du code : { $count }.
account-mfa-forget-browsers = Redemander le code sur tous les navigateurs
account-mfa-off-password = Mot de passe (pour désactiver la validation en deux étapes)
account-mfa-turn-off = Désactiver
account-mfa-off = Désactivée. Avec une application d’authentification, la connexion demande aussi un code qui change toutes les 30 secondes.
account-mfa-set-up = Configurer une application d’authentification
account-sms-heading = Codes par SMS
account-sms-on = Activés : la connexion peut demander un code envoyé sur votre téléphone.
account-sms-off-password = Mot de passe (pour désactiver les codes par SMS)
account-sms-turn-off = Désactiver les codes par SMS
account-sms-use = Utiliser des codes par SMS
account-sms-needs-phone = Désactivés. Ajoutez et vérifiez d’abord un numéro de téléphone dans votre profil.
account-sms-profile-link = Aller à votre profil
account-mfa-passkeys-hint = Les clés d’accès comptent aussi comme seconde étape.
account-password-label = Mot de passe
account-wrong-password = Le mot de passe n’est pas correct.

## Clés d’accès

account-passkeys-intro = Une clé d’accès vous connecte avec le verrouillage d’écran de votre appareil ou une clé de sécurité, sans mot de passe.
account-passkeys-none = Vous n’avez pas encore de clé d’accès.
account-passkeys-added = Ajoutée le { $date }
account-passkeys-last-used = utilisée pour la dernière fois { $date }
account-passkeys-remove = Supprimer
account-passkeys-remove-label = Supprimer { $name }
account-passkeys-name = Nom de la nouvelle clé d’accès
account-passkeys-name-placeholder = p. ex. Ordinateur du bureau
account-passkeys-add = Ajouter une clé d’accès
account-passkeys-unavailable = Les clés d’accès ne sont pas disponibles sur ce serveur.

## Connexions associées

account-linked-none = Aucune pour l’instant. Lorsque vous vous connectez avec un autre fournisseur (par exemple le compte de votre entreprise), il est listé ici.
account-linked-intro = Ces comptes chez d’autres fournisseurs vous connectent à ce compte :
account-linked-added = Associé { $date }
account-linked-last-used = dernière utilisation { $date }
account-done-linked = Le compte est associé : vous pouvez maintenant vous connecter avec.
account-done-unlinked = L’association est supprimée : ce compte ne vous connecte plus ici.
account-linked-unlink = Dissocier
account-linked-unlink-label = Dissocier { $provider }
account-linked-add-title = Associer un autre compte
account-linked-add-intro = Connectez-vous chez l’un de ces fournisseurs pour associer votre compte là-bas à celui-ci. Vous pourrez ensuite vous connecter des deux façons.
account-linked-link = Associer
account-linked-link-label = Associer votre compte { $provider }
account-linked-last-way = Cette association ne peut pas être supprimée : c’est votre seul moyen de vous connecter. Définissez d’abord un mot de passe, ajoutez une clé d’accès ou associez un autre compte.
account-linked-not-found = Cette association n’existe plus. La liste ci-dessous est à jour.

## Applications connectées

account-apps-none = Aucune application n’a accès à votre compte.
account-apps-can = { $app } peut :
account-apps-allowed = Autorisée le { $date }
account-apps-disconnect = Déconnecter
account-apps-disconnect-label = Déconnecter { $app }
account-apps-hint = Déconnecter une application retire ce que vous avez autorisé et la déconnecte : elle vous le redemandera la prochaine fois.

## Sessions

account-sessions-this = Ce navigateur
account-sessions-signed-in = Connexion le { $date }
account-sessions-last-active = dernière activité { $when }
account-sessions-near = près de { $place }
account-sessions-end = Déconnecter cette session
account-sessions-end-others = Déconnecter toutes les autres sessions
account-sessions-end-all = Se déconnecter partout
account-sessions-zone = Les heures sont indiquées dans le fuseau { $zone }.
account-sessions-set-zone = Choisissez votre fuseau horaire dans votre profil

## Vos données

account-data-intro = Téléchargez tout ce qui est enregistré à votre sujet : votre profil, vos sessions, les applications connectées et les événements de sécurité, dans un fichier JSON.
account-data-download = Télécharger mes données

## Supprimer le compte

account-delete-intro = Cela efface votre profil, vos méthodes de connexion et vos sessions, et déconnecte toutes les applications. C’est irréversible.
account-delete-download-first = Vous pouvez d’abord télécharger vos données.
account-delete-submit = Supprimer mon compte

## Codes de récupération et clé de l’application d’authentification

account-codes-download = Télécharger en fichier texte
account-codes-copy = Copier les codes
account-codes-copied = Copiés.
account-codes-saved = J’ai enregistré ces codes
account-codes-back = Retour à votre compte
account-codes-file-title = Codes de récupération de { $email } sur { $site }
account-codes-file-hint = Chaque code vous connecte une fois si vous perdez votre application d’authentification.
account-totp-listed-as = L’application l’affiche sous le nom

## Dates : « il y a 2 heures », « 30 nov. 2026, 18:42 »

date-just-now = à l’instant
date-minutes-ago = { $count ->
    [one] il y a { $count } minute
   *[other] il y a { $count } minutes
}
date-hours-ago = { $count ->
    [one] il y a { $count } heure
   *[other] il y a { $count } heures
}
date-days-ago = { $count ->
    [one] il y a { $count } jour
   *[other] il y a { $count } jours
}
date-months = janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc.
date-absolute = { $day } { $month } { $year }, { $time }

# Errors of the phone, text-message and passkey sections.
account-sms-unavailable = Les SMS ne sont pas disponibles ici.
account-sms-phone-first = Enregistrez d’abord dans votre profil un numéro de téléphone au format international (par ex. +33 6 12 34 56 78).
account-phone-code-wrong = Ce code est erroné ou a expiré.
account-sms-verify-phone-first = Vérifiez d’abord votre numéro de téléphone.
account-passkeys-name-invalid = Nommez la clé d’accès avec au plus 200 lettres, chiffres et espaces.
account-passkeys-unreadable = La clé d’accès n’a pas pu être lue. Réessayez.
account-passkeys-unverified = La clé d’accès n’a pas pu être vérifiée. Réessayez.
account-codes-not-saved = Cochez « J’ai enregistré ces codes » une fois que vous les avez conservés en lieu sûr : ils ne seront plus affichés.
account-deleted-title = Votre compte est supprimé
account-deleted = Vos données personnelles, vos méthodes de connexion et vos sessions sont effacées, et toutes les applications ont été déconnectées.
account-reentry-signed-out-title = Vous êtes déconnecté
account-reentry-signed-out = Le mot de passe a été saisi incorrectement trop de fois. Reconnectez-vous pour continuer.
mfa-setup-code-wrong = Ce code n’est pas correct. Saisissez les 6 chiffres que votre application affiche maintenant.
