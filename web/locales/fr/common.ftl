# Les mots que toutes les familles de pages utilisent.

field-email = Adresse e-mail
field-password = Mot de passe
field-new-password = Nouveau mot de passe
field-name = Nom
field-optional = (facultatif)
field-code = Code
password-hint = Au moins { $min } caractères. Quelques mots sans rapport entre eux font un mot de passe solide.
action-confirm = Confirmer
action-verify = Valider
action-cancel = Annuler
action-continue = Continuer
action-send-link = Envoyer le lien
link-back-to-sign-in = Retour à la connexion
link-back-to-account = Retour à votre compte
link-privacy-policy = Politique de confidentialité
link-terms-of-service = Conditions d’utilisation
client-logo-alt = Logo de { $client }
form-post-title = Redirection…
captcha-pow-hint = Ce formulaire vérifie votre navigateur avant l’envoi (JavaScript est nécessaire).
duration-seconds = { $count ->
    [one] { $count } seconde
   *[other] { $count } secondes
}
duration-minutes = { $count ->
    [one] { $count } minute
   *[other] { $count } minutes
}
captcha-pow-checking = Vérification de votre navigateur…
captcha-pow-done = Terminé
captcha-pow-waiting = Vérification de votre navigateur… le formulaire sera envoyé ensuite.
passkey-waiting = En attente de votre clé d’accès…
passkey-failed = La clé d’accès n’a pas fonctionné :
# L’action suivante d’une page de fin.
next-sign-in = Se connecter
next-account = Aller à votre compte
next-back-to-app = Retour à { $client }
next-sign-in-to-app = Se connecter à { $client }
