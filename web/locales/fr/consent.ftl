# La page de consentement et la description simple de chaque autorisation.

consent-title = Autoriser { $client } ?
consent-heading = { $client } souhaite
consent-signed-in-as = Connecté en tant que
consent-allow = Autoriser
consent-deny = Refuser
consent-privacy-policy = Politique de confidentialité de { $client }
consent-withdraw-hint = Vous pouvez retirer cette autorisation à tout moment depuis votre compte.
consent-choose = Choisissez « Autoriser » ou « Refuser ».

scope-openid = Vous connecter avec votre compte
scope-profile = Voir votre nom et votre profil de base (photo, langue, fuseau horaire)
scope-email = Voir votre adresse e-mail
scope-address = Voir votre adresse postale
scope-phone = Voir votre numéro de téléphone
scope-offline-access = Garder l’accès lorsque vous ne l’utilisez pas
scope-roles = Voir vos rôles et autorisations
scope-groups = Voir les groupes dont vous faites partie
scope-other = Utiliser l’autorisation « { $name } »
