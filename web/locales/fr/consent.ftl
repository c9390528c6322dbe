# La page de consentement et la description simple de chaque autorisation.

consent-title = Autoriser { $client } ?
consent-heading = { $client } souhaite
consent-signed-in-as = Connecté en tant que
consent-allow = Autoriser
consent-deny = Refuser
consent-privacy-policy = Politique de confidentialité de { $client }
consent-terms-of-service = Conditions d’utilisation de { $client }
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

# La page des appareils (/device) : connecter une télévision, une console ou un outil en ligne de commande par son code.
device-title = Connecter un appareil
device-intro = Saisissez le code affiché sur votre appareil (une télévision, une console ou un outil en ligne de commande).
device-code-label = Code
device-continue = Continuer
device-code-invalid = Ce code n’est pas valide ou a expiré. Vérifiez-le sur votre appareil et réessayez.
device-confirm-heading = Connecter { $client } sur votre appareil ?
device-confirm-code = Code affiché sur l’appareil :
device-confirm-warning = Continuez seulement si vous avez lancé cette opération vous-même sur un appareil qui affiche ce code. Ne saisissez jamais un code que quelqu’un vous a envoyé.
device-approved-title = Appareil connecté
device-approved = { $client } est connecté. Vous pouvez retourner à votre appareil.
device-denied-title = Accès refusé
device-denied = { $client } n’a pas reçu l’accès. Vous pouvez retourner à votre appareil.
device-needs-second-factor = { $client } exige une connexion avec un second facteur. Déconnectez-vous, reconnectez-vous avec votre second facteur, puis saisissez de nouveau le code.
