# Iniciar sesión: contraseña, código por correo, segundo paso, cerrar sesión.

sign-in-title = Iniciar sesión
sign-in-title-client = Iniciar sesión en { $client }
sign-in-heading-client = Inicie sesión para continuar en { $client }
sign-in-remember = Mantener la sesión iniciada en este navegador
sign-in-submit = Iniciar sesión
sign-in-passkey = Iniciar sesión con una llave de acceso
sign-in-email-code = Enviarme un código de inicio de sesión por correo
sign-in-forgot-password = ¿Ha olvidado su contraseña?
sign-in-register = Crear una cuenta
sign-in-resend-verification = ¿No ha recibido el correo de confirmación?

email-sign-in-title = Iniciar sesión por correo
email-sign-in-intro = Le enviamos por correo un código y un enlace; cualquiera de los dos le permite iniciar sesión.
email-sign-in-submit = Enviarme un código
email-code-title = Introduzca el código que le enviamos
email-code-intro = Si { $email } tiene una cuenta, le hemos enviado un código de 6 cifras y un enlace, válidos durante 10 minutos.

mfa-title = Verificación en dos pasos
mfa-sms-sent = Le hemos enviado un código por SMS a su teléfono. Es válido durante 10 minutos.
mfa-sms-send = Enviarme un código por SMS
mfa-sms-send-again = Enviarme otro código por SMS
mfa-trust = { $days ->
    [one] No volver a preguntar en este navegador durante { $days } día
   *[other] No volver a preguntar en este navegador durante { $days } días
}
mfa-passkey-submit = Usar su llave de acceso
mfa-recovery-label = Código de recuperación
mfa-recovery-hint = Cada código de recuperación sirve una sola vez.
mfa-sms-label = Código del SMS
mfa-totp-label = Código de su aplicación de autenticación
mfa-switch-totp = Usar su aplicación de autenticación
mfa-switch-sms = Recibir un código por SMS
mfa-switch-passkey = Usar una llave de acceso
mfa-switch-recovery = Usar un código de recuperación

totp-setup-title = Configurar una aplicación de autenticación
totp-setup-required = Este inicio de sesión requiere la verificación en dos pasos.
totp-setup-required-next = Configure una aplicación de autenticación para continuar.
totp-setup-scan = Escanee este código con su aplicación de autenticación (por ejemplo FreeOTP, Aegis, Google Authenticator o 1Password).
totp-setup-qr-label = Código QR de la clave de configuración
totp-setup-key = O escriba esta clave en la aplicación:
totp-setup-code-label = El código de 6 cifras que muestra la aplicación
totp-setup-submit = Activar

recovery-codes-title = Sus códigos de recuperación
recovery-codes-intro = Si pierde su aplicación de autenticación, cada uno de estos códigos le permite iniciar sesión una vez. Guárdelos ahora en un lugar seguro: no se volverán a mostrar. Los códigos creados anteriormente ya no sirven.
recovery-codes-continue = Los he guardado: continuar

phone-code-title = Verificar su número de teléfono
phone-code-intro = Hemos enviado un código por SMS al { $phone }. Es válido durante 10 minutos.

logout-title = ¿Cerrar sesión?
logout-question = ¿Desea cerrar la sesión de su cuenta en este dispositivo?
logout-submit = Cerrar sesión
logged-out-title = Sesión cerrada
logged-out-heading = Ha cerrado la sesión
logged-out-close = Puede cerrar esta ventana.
logged-out-applications = Cerrando la sesión en las aplicaciones que ha usado…
logged-out-frame-title = Cierre de sesión en una aplicación
logout-cancel = Cancelar y mantener la sesión
logout-asked-by = { $client } solicita cerrar su sesión.
logout-cancel-back = Cancelar y volver a { $client }
logged-out-sign-in-again = Iniciar sesión de nuevo

# Signing in with another identity provider.
sign-in-or = O inicia sesión con otra cuenta:
sign-in-with = Iniciar sesión con { $provider }
upstream-continue-title = Iniciando sesión…
upstream-link-title = Vincular tu cuenta de { $provider }
upstream-link-intro = Ya existe aquí una cuenta con la dirección { $email }.
upstream-link-why-unverified = { $provider } no ha confirmado que esta dirección sea tuya.
upstream-link-why-untrusted = Una dirección de { $provider } no basta por sí sola como prueba.
upstream-link-why-local = La dirección de esta cuenta aún no está confirmada.
upstream-link-prove = Introduce la contraseña de esa cuenta para vincularla a tu cuenta de { $provider }. Después podrás iniciar sesión de las dos formas.
upstream-link-submit = Vincular e iniciar sesión
upstream-link-cancel = Cancelar y volver al inicio de sesión
upstream-link-wrong-password = Esa contraseña no es correcta.
