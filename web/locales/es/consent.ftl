# La página de consentimiento y la descripción sencilla de cada permiso.

consent-title = ¿Permitir el acceso a { $client }?
consent-heading = { $client } desea
consent-signed-in-as = Sesión iniciada como
consent-allow = Permitir
consent-deny = Denegar
consent-privacy-policy = Política de privacidad de { $client }
consent-terms-of-service = Condiciones del servicio de { $client }
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

# La página de dispositivos (/device): conectar un televisor, una consola o una herramienta de línea de comandos con su código.
device-title = Conectar un dispositivo
device-intro = Introduzca el código que muestra su dispositivo (un televisor, una consola o una herramienta de línea de comandos).
device-code-label = Código
device-continue = Continuar
device-code-invalid = Este código no es válido o ha caducado. Compruébelo en su dispositivo e inténtelo de nuevo.
device-confirm-heading = ¿Conectar { $client } en su dispositivo?
device-confirm-code = Código que muestra el dispositivo:
device-confirm-warning = Continúe solo si lo ha iniciado usted en un dispositivo que muestra este código. No introduzca nunca un código que alguien le haya enviado.
device-approved-title = Dispositivo conectado
device-approved = { $client } está conectado. Puede volver a su dispositivo.
device-denied-title = Acceso denegado
device-denied = { $client } no ha recibido acceso. Puede volver a su dispositivo.
device-needs-second-factor = { $client } exige iniciar sesión con un segundo factor. Cierre la sesión, vuelva a iniciarla con su segundo factor e introduzca de nuevo el código.
