# La página de consentimiento y la descripción sencilla de cada permiso.

consent-title = ¿Permitir el acceso a { $client }?
consent-heading = { $client } desea
consent-signed-in-as = Sesión iniciada como
consent-allow = Permitir
consent-deny = Denegar
consent-privacy-policy = Política de privacidad de { $client }
consent-withdraw-hint = Puede retirar este permiso en cualquier momento desde su cuenta.
consent-choose = Elija «Permitir» o «Denegar».

scope-openid = Iniciar su sesión con su cuenta
scope-profile = Ver su nombre y su perfil básico (foto, idioma, zona horaria)
scope-email = Ver su dirección de correo electrónico
scope-address = Ver su dirección postal
scope-phone = Ver su número de teléfono
scope-offline-access = Mantener el acceso cuando usted no la esté usando
scope-roles = Ver sus roles y permisos
scope-groups = Ver a qué grupos pertenece
scope-other = Usar el permiso «{ $name }»
