# Las palabras que usan todas las familias de páginas.

field-email = Correo electrónico
field-password = Contraseña
field-new-password = Nueva contraseña
field-name = Nombre
field-optional = (opcional)
field-code = Código
password-hint = Al menos { $min } caracteres. Varias palabras sin relación entre sí forman una contraseña segura.
action-confirm = Confirmar
action-verify = Verificar
action-cancel = Cancelar
action-continue = Continuar
action-send-link = Enviar el enlace
link-back-to-sign-in = Volver al inicio de sesión
link-back-to-account = Volver a su cuenta
link-privacy-policy = Política de privacidad
link-terms-of-service = Condiciones del servicio
client-logo-alt = Logotipo de { $client }
form-post-title = Continuando…
captcha-pow-hint = Este formulario comprueba su navegador antes de enviarse (se necesita JavaScript).
duration-seconds = { $count ->
    [one] { $count } segundo
   *[other] { $count } segundos
}
duration-minutes = { $count ->
    [one] { $count } minuto
   *[other] { $count } minutos
}
captcha-pow-checking = Comprobando su navegador…
captcha-pow-done = Listo
captcha-pow-waiting = Comprobando su navegador… el formulario se enviará al terminar.
passkey-waiting = Esperando su llave de acceso…
passkey-failed = La llave de acceso no ha funcionado:
# La siguiente acción de una página final.
next-sign-in = Iniciar sesión
next-account = Ir a su cuenta
next-back-to-app = Volver a { $client }
next-sign-in-to-app = Iniciar sesión en { $client }
