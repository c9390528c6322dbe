# Les e-mails. Chaque paragraphe est un message, commun aux parties texte et HTML.

mail-hello = Bonjour,
mail-hello-name = Bonjour { $name },
mail-link-expires-hours = { $hours ->
    [one] Le lien ne fonctionne qu’une fois et expire dans { $hours } heure.
   *[other] Le lien ne fonctionne qu’une fois et expire dans { $hours } heures.
}

mail-verify-subject = Confirmez votre adresse e-mail
mail-verify-body = Veuillez confirmer que { $email } est bien votre adresse :
mail-verify-button = Confirmer mon adresse e-mail
mail-verify-ignore = Si vous n’avez pas créé de compte, ignorez cet e-mail : rien ne se passe sans le lien.

mail-already-subject = Quelqu’un a essayé de créer un compte avec votre adresse
mail-already-body = Quelqu’un (peut-être vous) a essayé de créer un compte avec { $email }, qui en a déjà un. Rien n’a été modifié. Pour vous connecter, utilisez votre mot de passe actuel ; si vous l’avez oublié, utilisez « Mot de passe oublié ? » sur la page de connexion.

mail-reset-subject = Réinitialisez votre mot de passe
mail-reset-body = Quelqu’un (peut-être vous) a demandé la réinitialisation du mot de passe du compte { $email }. Pour choisir un nouveau mot de passe, ouvrez ce lien :
mail-reset-button = Choisir un nouveau mot de passe
mail-reset-expires = { $minutes ->
    [one] Le lien ne fonctionne qu’une fois et expire dans { $minutes } minute. Si vous n’êtes pas à l’origine de cette demande, ignorez cet e-mail : votre mot de passe reste inchangé.
   *[other] Le lien ne fonctionne qu’une fois et expire dans { $minutes } minutes. Si vous n’êtes pas à l’origine de cette demande, ignorez cet e-mail : votre mot de passe reste inchangé.
}

mail-password-changed-subject = Votre mot de passe a été modifié
mail-password-changed-body = Le mot de passe de votre compte { $email } a été modifié. Toutes les autres sessions ont été déconnectées.
mail-password-reset-body = Le mot de passe de votre compte { $email } a été réinitialisé. Toutes les autres sessions ont été déconnectées.
mail-password-changed-warning = Si ce n’était pas vous, réinitialisez immédiatement votre mot de passe avec « Mot de passe oublié ? » sur la page de connexion, et contactez l’administrateur.

mail-change-email-subject = Confirmez votre nouvelle adresse e-mail
mail-change-email-body = Veuillez confirmer que { $email } doit devenir l’adresse de votre compte, en ouvrant ce lien :
mail-change-email-button = Confirmer ma nouvelle adresse
mail-change-email-ignore = D’ici là, votre compte garde son adresse actuelle. Si vous n’êtes pas à l’origine de cette demande, ignorez cet e-mail.

mail-email-changed-subject = Votre adresse e-mail a été modifiée
mail-email-changed-body = L’adresse de votre compte est passée de { $email } à { $new_email }. Les e-mails concernant le compte sont désormais envoyés à la nouvelle adresse.
mail-email-changed-warning = Si ce n’était pas vous, contactez immédiatement l’administrateur.

mail-invitation-subject = Vous êtes invité à créer un compte
mail-invitation-body = Vous êtes invité à créer un compte sur { $site } avec l’adresse { $email }. Pour accepter, ouvrez ce lien et choisissez un mot de passe :
mail-invitation-button = Accepter l’invitation
mail-invitation-expires = { $days ->
    [one] L’invitation expire dans { $days } jour. Si vous ne l’attendiez pas, ignorez cet e-mail.
   *[other] L’invitation expire dans { $days } jours. Si vous ne l’attendiez pas, ignorez cet e-mail.
}

mail-deleted-subject = Votre compte a été supprimé
mail-deleted-body = Le compte { $email } a été supprimé, avec ses données personnelles, ses méthodes de connexion, ses sessions et ses applications connectées. Cette opération est irréversible. Les traces des événements de sécurité sont conservées, sans votre nom, votre adresse ni vos données réseau.
mail-deleted-warning = Si ce n’était pas vous, contactez l’administrateur.

mail-new-sign-in-subject = Nouvelle connexion à votre compte
mail-new-sign-in-body = Votre compte { $email } vient d’être utilisé pour se connecter depuis un navigateur ou un appareil que nous ne connaissions pas :
mail-new-sign-in-when = Quand : { $when }
mail-new-sign-in-device = Appareil : { $device }
mail-new-sign-in-address = Adresse : { $ip }
mail-new-sign-in-advice = Si c’était vous, vous n’avez rien à faire. Sinon, changez immédiatement votre mot de passe et mettez fin à la session depuis la page de votre compte.

mail-recovery-used-subject = Un code de récupération a été utilisé
mail-recovery-used-body = { $count ->
    [one] Un code de récupération vient d’être utilisé pour vous connecter à votre compte { $email }. Il vous reste { $count } code de récupération ; créez-en une nouvelle série depuis la page de votre compte.
   *[other] Un code de récupération vient d’être utilisé pour vous connecter à votre compte { $email }. Il vous reste { $count } codes de récupération ; créez-en une nouvelle série depuis la page de votre compte lorsqu’il vous en reste peu.
}
mail-recovery-used-warning = Si ce n’était pas vous, changez immédiatement votre mot de passe et contactez l’administrateur.

mail-codes-locked-subject = Votre compte est verrouillé après des codes de connexion erronés
mail-codes-locked-body = { $minutes ->
    [one] Quelqu’un qui connaissait le mot de passe de votre compte { $email }, ou qui avait accès à cette boîte aux lettres, a saisi trop de codes de connexion erronés ; le compte est donc verrouillé pendant { $minutes } minute.
   *[other] Quelqu’un qui connaissait le mot de passe de votre compte { $email }, ou qui avait accès à cette boîte aux lettres, a saisi trop de codes de connexion erronés ; le compte est donc verrouillé pendant { $minutes } minutes.
}
mail-codes-locked-warning = Si ce n’était pas vous, changez votre mot de passe dès la fin du verrouillage et contactez l’administrateur.

mail-email-sign-in-subject = Votre code de connexion
mail-email-sign-in-body = Votre code pour vous connecter en tant que { $email } est
mail-email-sign-in-link = ou ouvrez ce lien pour vous connecter sur cet appareil :
mail-email-sign-in-button = Me connecter sur cet appareil
mail-email-sign-in-expires = { $minutes ->
    [one] Le code et le lien ne fonctionnent qu’une fois et expirent dans { $minutes } minute. Si vous n’avez pas demandé à vous connecter, ignorez cet e-mail.
   *[other] Le code et le lien ne fonctionnent qu’une fois et expirent dans { $minutes } minutes. Si vous n’avez pas demandé à vous connecter, ignorez cet e-mail.
}
