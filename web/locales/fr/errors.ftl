# Les pages d’erreur et les messages des formulaires.

error-title-server = Une erreur s’est produite
error-title-request = Cette demande ne peut pas aboutir
error-code = Code d’erreur :
error-form-unreadable = Le formulaire n’a pas pu être lu. Rechargez la page et réessayez.
error-form-expired = Le formulaire a expiré ou a été envoyé depuis un autre site. Revenez en arrière, rechargez la page et réessayez.
error-request-expired = Cette demande de connexion a expiré ou a déjà été utilisée. Revenez à l’application et recommencez.
error-server = Une erreur s’est produite de notre côté. Veuillez réessayer.
error-unavailable = Le service est momentanément indisponible. Veuillez réessayer dans quelques secondes.
error-wrong-credentials = Adresse e-mail ou mot de passe incorrect.
error-too-many-sign-ins = Trop de tentatives de connexion. Réessayez dans { $wait }.
error-too-many-requests-title = Trop de demandes
error-too-many-requests = Trop de demandes. Réessayez dans { $wait }.
error-confirm-email-first = Confirmez d’abord votre adresse e-mail : suivez le lien que nous vous avons envoyé.
error-account-locked = Ce compte est verrouillé après trop d’échecs de connexion. Réessayez plus tard ou contactez l’administrateur.
error-account-locked-title = Compte verrouillé
error-account-locked-for = Ce compte est verrouillé après trop d’échecs de connexion, encore { $minutes ->
    [one] 1 minute
   *[other] { $minutes } minutes
}. Pour vous connecter tout de suite, réinitialisez votre mot de passe avec « Mot de passe oublié ? ».
error-account-unavailable = Ce compte ne peut pas se connecter pour le moment. Contactez l’administrateur.
error-captcha-failed = La vérification du navigateur n’a pas abouti. Attendez la fin de la vérification (JavaScript est nécessaire), puis renvoyez le formulaire.
error-correct-fields = Veuillez corriger les champs signalés ci-dessous.
error-unreadable-value = Certains caractères n’ont pas pu être lus. Saisissez de nouveau la valeur.
error-name-too-long = Utilisez au plus { $max } caractères.
error-name-characters = Utilisez uniquement des lettres, des chiffres, des espaces et de la ponctuation.
error-email-invalid = Saisissez une adresse e-mail comme nom@example.com.
error-email-domain = Les comptes ne peuvent être créés qu’avec une adresse chez { $domains }.
error-code-wrong-mailed = Ce code est incorrect ou a expiré. Consultez le dernier e-mail ou demandez un nouveau code.
error-too-many-codes = Trop de codes ont été essayés. Réessayez dans { $wait }.
error-too-many-wrong-codes-mailed = Trop de codes erronés. Demandez un nouveau code dans quelques minutes.
error-email-link-broken = Le lien est invalide, a déjà été utilisé ou a expiré. Demandez-en un nouveau sur la page de connexion.
error-codes-locked = Ce compte est verrouillé après trop de codes erronés. Réessayez dans { $wait }.
error-code-wrong = Ce code est incorrect ou a expiré. Réessayez.
error-too-many-wrong-codes = Trop de codes erronés. Recommencez la connexion.
error-passkey-wrong = Cette clé d’accès n’a pas pu être vérifiée. Réessayez.
error-passkey-sign-in-failed = Cette clé d’accès n’a pas pu être vérifiée. Revenez en arrière et réessayez, ou connectez-vous avec votre mot de passe.
password-too-short = Utilisez au moins { $min } caractères.
password-too-long = Utilisez au plus { $max } caractères.
password-common = Ce mot de passe fait partie des plus courants. Choisissez-en un autre.
password-weak = Ce mot de passe est trop facile à deviner. Ajoutez quelques mots sans rapport entre eux.
not-found-title = Page introuvable
not-found-text = Il n’y a aucune page à cette adresse. Elle a peut-être été déplacée, ou le lien est mal saisi.
not-found-account = Votre compte
not-found-sign-in = Se connecter

# Signing in with another identity provider.
upstream-error-title = La connexion avec { $provider } n’a pas abouti
upstream-error-title-generic = La connexion avec un autre compte n’a pas abouti
upstream-error-unknown = Ce fournisseur de connexion n’est pas disponible ici. Revenez en arrière et choisissez une autre façon de vous connecter.
upstream-error-unavailable = { $provider } est injoignable ou n’a pas répondu correctement. Réessayez dans quelques minutes ou connectez-vous autrement.
upstream-error-refused = { $provider } ne vous a pas connecté (« { $error } »). Réessayez ou connectez-vous autrement.
upstream-error-state = Cette réponse ne correspond à aucune connexion commencée dans ce navigateur. Recommencez la connexion.
upstream-error-replayed = Cette réponse a déjà été utilisée. Recommencez la connexion.
upstream-error-expired = Cette connexion a pris trop de temps et a expiré. Recommencez la connexion.
upstream-error-token = La réponse de { $provider } n’a pas pu être vérifiée. Recommencez la connexion ; si cela se reproduit, prévenez l’administrateur.
upstream-error-nonce = La réponse de { $provider } appartient à une autre connexion. Recommencez la connexion.
upstream-error-denied = Les nouveaux comptes ne peuvent pas se connecter avec { $provider } ici. Connectez-vous autrement ou contactez l’administrateur.
upstream-error-no-email = { $provider } n’a pas transmis votre adresse e-mail, dont votre compte ici a besoin. Autorisez { $provider } à la transmettre ou connectez-vous autrement.
upstream-error-no-account = Il n’existe ici aucun compte avec l’adresse transmise par { $provider }. Connectez-vous autrement ou contactez l’administrateur.
upstream-error-cannot-prove = Un compte avec l’adresse transmise par { $provider } existe ici, mais il n’a pas de mot de passe pour confirmer qu’il est à vous. Connectez-vous comme d’habitude.
upstream-error-already-linked = Ce compte { $provider } est déjà associé à un compte ici. Reconnectez-vous avec { $provider }.
upstream-link-error-session = Cette réponse de { $provider } n’appartient à aucune association commencée dans cette session du navigateur. Rien n’a été associé. Recommencez depuis la page de votre compte.
upstream-link-error-yours = Votre compte { $provider } est déjà associé à ce compte.
upstream-link-error-taken = Ce compte { $provider } est déjà associé à un autre compte ici ; il ne peut donc pas être associé au vôtre. Rien n’a été modifié.
upstream-back = Retour à la connexion
