# Las páginas de error y los mensajes de los formularios.

error-title-server = Algo ha salido mal
error-title-request = No se puede completar esta solicitud
error-code = Código de error:
error-form-unreadable = No se ha podido leer el formulario. Vuelva a cargar la página e inténtelo de nuevo.
error-form-expired = El formulario ha caducado o se envió desde otro sitio. Vuelva atrás, cargue de nuevo la página e inténtelo otra vez.
error-request-expired = Esta solicitud de inicio de sesión ha caducado o ya se ha utilizado. Vuelva a la aplicación y empiece de nuevo.
error-server = Algo ha salido mal por nuestra parte. Inténtelo de nuevo.
error-unavailable = El servicio no está disponible por un momento. Inténtelo de nuevo en unos segundos.
error-wrong-credentials = El correo electrónico o la contraseña no son correctos.
error-too-many-sign-ins = Demasiados intentos de inicio de sesión. Inténtelo de nuevo dentro de { $wait }.
error-too-many-requests-title = Demasiadas solicitudes
error-too-many-requests = Demasiadas solicitudes. Inténtelo de nuevo dentro de { $wait }.
error-confirm-email-first = Confirme primero su dirección de correo electrónico: siga el enlace que le enviamos.
error-account-locked = Esta cuenta está bloqueada tras demasiados intentos fallidos de inicio de sesión. Inténtelo más tarde o póngase en contacto con el administrador.
error-account-locked-title = Cuenta bloqueada
error-account-locked-for = Esta cuenta está bloqueada tras demasiados intentos fallidos de inicio de sesión durante { $minutes ->
    [one] 1 minuto más
   *[other] { $minutes } minutos más
}. Para iniciar sesión ahora, restablezca su contraseña con «¿Ha olvidado su contraseña?».
error-account-unavailable = Esta cuenta no puede iniciar sesión en este momento. Póngase en contacto con el administrador.
error-captcha-failed = La comprobación del navegador no se ha superado. Espere a que termine la comprobación (necesita JavaScript) y vuelva a enviar el formulario.
error-correct-fields = Corrija los campos marcados a continuación.
error-unreadable-value = No se han podido leer algunos caracteres. Vuelva a escribir el valor.
error-name-too-long = Use como máximo { $max } caracteres.
error-name-characters = Use solo letras, cifras, espacios y signos de puntuación.
error-email-invalid = Introduzca una dirección de correo electrónico como nombre@example.com.
error-email-domain = Solo se pueden crear cuentas con una dirección de { $domains }.
error-code-wrong-mailed = Ese código no es correcto o ha caducado. Revise el correo más reciente o pida un código nuevo.
error-too-many-codes = Se han probado demasiados códigos. Inténtelo de nuevo dentro de { $wait }.
error-too-many-wrong-codes-mailed = Demasiados códigos incorrectos. Pida un código nuevo dentro de unos minutos.
error-email-link-broken = El enlace no es válido, ya se ha utilizado o ha caducado. Pida uno nuevo en la página de inicio de sesión.
error-codes-locked = Esta cuenta está bloqueada tras demasiados códigos incorrectos. Inténtelo de nuevo dentro de { $wait }.
error-code-wrong = Ese código no es correcto o ha caducado. Inténtelo de nuevo.
error-too-many-wrong-codes = Demasiados códigos incorrectos. Vuelva a iniciar sesión desde el principio.
error-passkey-wrong = No se ha podido verificar esa llave de acceso. Inténtelo de nuevo.
error-passkey-sign-in-failed = No se ha podido verificar esa llave de acceso. Vuelva atrás e inténtelo de nuevo, o inicie sesión con su contraseña.
password-too-short = Use al menos { $min } caracteres.
password-too-long = Use como máximo { $max } caracteres.
password-common = Esta contraseña es una de las más comunes. Elija otra.
password-weak = Esta contraseña es demasiado fácil de adivinar. Añada algunas palabras más sin relación entre sí.
not-found-title = Página no encontrada
not-found-text = No hay ninguna página en esta dirección. Puede que se haya movido o que el enlace esté mal escrito.
not-found-account = Su cuenta
not-found-sign-in = Iniciar sesión

# Signing in with another identity provider.
upstream-error-title = No se pudo iniciar sesión con { $provider }
upstream-error-title-generic = No se pudo iniciar sesión con otra cuenta
upstream-error-unknown = Este proveedor de inicio de sesión no está disponible aquí. Vuelve atrás y elige otra forma de iniciar sesión.
upstream-error-unavailable = No se pudo contactar con { $provider } o no respondió correctamente. Inténtalo de nuevo en unos minutos o inicia sesión de otra forma.
upstream-error-refused = { $provider } no inició tu sesión («{ $error }»). Inténtalo de nuevo o inicia sesión de otra forma.
upstream-error-state = Esta respuesta no pertenece a ningún inicio de sesión empezado en este navegador. Vuelve a iniciar sesión.
upstream-error-replayed = Esta respuesta ya se usó. Vuelve a iniciar sesión.
upstream-error-expired = Este inicio de sesión tardó demasiado y caducó. Vuelve a iniciar sesión.
upstream-error-token = No se pudo verificar la respuesta de { $provider }. Vuelve a iniciar sesión; si vuelve a ocurrir, avisa al administrador.
upstream-error-nonce = La respuesta de { $provider } pertenece a otro inicio de sesión. Vuelve a iniciar sesión.
upstream-error-denied = Las cuentas nuevas no pueden iniciar sesión con { $provider } aquí. Inicia sesión de otra forma o consulta al administrador.
upstream-error-no-email = { $provider } no compartió tu dirección de correo, que tu cuenta aquí necesita. Permite que { $provider } la comparta o inicia sesión de otra forma.
upstream-error-no-account = No hay ninguna cuenta aquí con la dirección que dio { $provider }. Inicia sesión de otra forma o consulta al administrador.
upstream-error-cannot-prove = Existe aquí una cuenta con la dirección que dio { $provider }, pero no tiene contraseña para confirmar que es tuya. Inicia sesión como lo haces normalmente.
upstream-error-already-linked = Esta cuenta de { $provider } ya está vinculada a una cuenta de aquí. Vuelve a iniciar sesión con { $provider }.
upstream-link-error-session = Esta respuesta de { $provider } no pertenece a una vinculación iniciada en esta sesión del navegador. No se ha vinculado nada. Vuelve a empezar desde la página de tu cuenta.
upstream-link-error-yours = Tu cuenta de { $provider } ya está vinculada a esta cuenta.
upstream-link-error-taken = Esta cuenta de { $provider } ya está vinculada a otra cuenta de aquí, así que no puede vincularse a la tuya. No se ha cambiado nada.
upstream-back = Volver al inicio de sesión
