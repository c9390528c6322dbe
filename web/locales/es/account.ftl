# La consola de la cuenta: sus secciones, formularios, mensajes y fechas.

account-heading = Su cuenta
account-page-title = { $section } · Su cuenta
account-signed-in-as = Sesión iniciada como
account-sign-out = Cerrar sesión
account-menu = Menú
account-nav-label = Secciones de la cuenta
account-problems = { $count ->
    [one] Corrija lo siguiente:
   *[other] Corrija estos { $count } puntos:
}
account-not-found-title = Esta página no existe
account-not-found = Las secciones de su cuenta aparecen en la página de su cuenta.

## Secciones

account-section-profile = Perfil
account-section-email = Dirección de correo
account-section-password = Contraseña
account-section-two-step = Verificación en dos pasos
account-section-passkeys = Llaves de acceso
account-section-linked = Inicios de sesión vinculados
account-section-apps = Aplicaciones conectadas
account-section-sessions = Sesiones
account-section-data = Sus datos
account-section-delete = Eliminar la cuenta

## Resultado de una acción

account-done-profile = Su perfil está guardado.
account-done-password = Su contraseña ha cambiado. Se cerraron sus demás sesiones.
account-done-email = Enviamos un enlace de confirmación a la nueva dirección. Su dirección cambia cuando lo abra.
account-done-app = La aplicación está desconectada: ya no puede usar su cuenta.
account-done-session = La sesión está cerrada.
account-done-sessions = Todas las demás sesiones están cerradas.
account-done-mfa = La verificación en dos pasos está activada: al iniciar sesión se pedirá un código de su aplicación.
account-done-mfa-removed = La verificación en dos pasos está desactivada y sus códigos de recuperación ya no sirven.
account-done-codes-saved = Sus códigos de recuperación están guardados. Cada uno sirve una vez.
account-done-browsers = Todos los navegadores volverán a pedir el código en el próximo inicio de sesión.
account-done-phone = Su número de teléfono está verificado.
account-done-mfa-sms = Al iniciar sesión se pedirá un código enviado por SMS.
account-done-mfa-sms-removed = Los códigos por SMS están desactivados.
account-done-passkey = La llave de acceso está añadida: inicie sesión con ella o úsela como segundo paso.
account-done-passkey-removed = La llave de acceso está eliminada.

## Perfil

account-profile-name = Nombre
account-profile-given-name = Nombre de pila
account-profile-family-name = Apellidos
account-profile-picture = URL de la foto
account-profile-picture-hint = Una dirección https:// de una imagen.
account-profile-locale = Idioma
account-profile-locale-hint = Una etiqueta de idioma como es, es-MX o en-GB.
account-profile-zoneinfo = Zona horaria
account-profile-zoneinfo-hint = Un nombre de zona como Europe/Madrid o America/Mexico_City.
account-profile-phone = Teléfono
account-profile-phone-hint = En formato internacional, por ejemplo +34 912 345 678.
account-profile-save = Guardar el perfil
account-profile-error-picture = URL de la foto: use una dirección https:// de una imagen.
account-profile-error-locale = Idioma: use una etiqueta de idioma como es, es-MX o en-GB.
account-profile-error-zoneinfo = Zona horaria: use un nombre de zona como Europe/Madrid (la lista los propone).
account-profile-error-phone = Teléfono: use el formato internacional, por ejemplo +34 912 345 678.
account-phone-heading = Número de teléfono
account-phone-verified = (verificado)
account-phone-not-verified = (sin verificar)
account-phone-verify = Verificar por SMS
account-phone-none = Aún no hay número de teléfono: añada uno arriba.

## Dirección de correo

account-email-current = Su dirección:
account-email-confirmed = (confirmada)
account-email-not-confirmed = (aún sin confirmar)
account-email-new = Nueva dirección
account-email-hint = Enviamos un enlace a la nueva dirección; su dirección cambia cuando lo abra.
account-email-submit = Cambiar la dirección
account-email-error-invalid = Introduzca una dirección de correo como nombre@example.com.
account-email-error-same = Esta ya es su dirección.

## Contraseña

account-current-password = Contraseña actual
account-confirm-by-sign-in = Tu cuenta no tiene contraseña: un inicio de sesión de los últimos 10 minutos lo confirma. Si el tuyo es anterior, primero se te pedirá que vuelvas a iniciar sesión.
account-password-wrong = La contraseña actual no es correcta.
account-password-new = Nueva contraseña
account-password-hint = Al menos { $min } caracteres. Se cerrarán sus demás sesiones.
account-password-submit = Cambiar la contraseña

## Verificación en dos pasos

account-mfa-app-heading = Aplicación de autenticación
account-mfa-on = Activada: al iniciar sesión se pide un código de su aplicación de autenticación.
account-mfa-codes-left = Códigos de recuperación restantes: { $count }.
account-mfa-new-codes = Crear nuevos códigos de recuperación
account-mfa-trusted = Navegadores que no piden el código: { $count }.
account-mfa-forget-browsers = Volver a pedir el código en todos los navegadores
account-mfa-off-password = Contraseña (para desactivar la verificación en dos pasos)
account-mfa-turn-off = Desactivar
account-mfa-off = Desactivada. Con una aplicación de autenticación, al iniciar sesión también se pide un código que cambia cada 30 segundos.
account-mfa-set-up = Configurar una aplicación de autenticación
account-sms-heading = Códigos por SMS
account-sms-on = Activados: al iniciar sesión se puede pedir un código enviado a su teléfono.
account-sms-off-password = Contraseña (para desactivar los códigos por SMS)
account-sms-turn-off = Desactivar los códigos por SMS
account-sms-use = Usar códigos por SMS
account-sms-needs-phone = Desactivados. Primero añada y verifique un número de teléfono en su perfil.
account-sms-profile-link = Ir a su perfil
account-mfa-passkeys-hint = Las llaves de acceso también cuentan como segundo paso.
account-password-label = Contraseña
account-wrong-password = La contraseña no es correcta.

## Llaves de acceso

account-passkeys-intro = Una llave de acceso inicia su sesión con el bloqueo de pantalla de su dispositivo o una llave de seguridad, sin contraseña.
account-passkeys-none = Aún no tiene ninguna llave de acceso.
account-passkeys-added = Añadida el { $date }
account-passkeys-last-used = último uso { $date }
account-passkeys-remove = Eliminar
account-passkeys-remove-label = Eliminar { $name }
account-passkeys-name = Nombre de la nueva llave de acceso
account-passkeys-name-placeholder = p. ej. Portátil del trabajo
account-passkeys-add = Añadir una llave de acceso
account-passkeys-unavailable = Las llaves de acceso no están disponibles en este servidor.

## Inicios de sesión vinculados

account-linked-none = Ninguno por ahora. Cuando inicie sesión con otro proveedor (como la cuenta de su empresa), aparecerá aquí.
account-linked-intro = Estas cuentas de otros proveedores inician sesión en esta cuenta:
account-linked-added = Vinculado { $date }
account-linked-last-used = último uso { $date }
account-done-linked = La cuenta está vinculada: ya puedes iniciar sesión con ella.
account-done-unlinked = El vínculo está eliminado: esa cuenta ya no inicia tu sesión aquí.
account-linked-unlink = Desvincular
account-linked-unlink-label = Desvincular { $provider }
account-linked-add-title = Vincular otra cuenta
account-linked-add-intro = Inicia sesión en uno de estos proveedores para vincular tu cuenta allí con esta. Después podrás iniciar sesión de las dos formas.
account-linked-link = Vincular
account-linked-link-label = Vincular tu cuenta de { $provider }
account-linked-last-way = Este vínculo no se puede eliminar: es tu única forma de iniciar sesión. Primero establece una contraseña, añade una llave de acceso o vincula otra cuenta.
account-linked-not-found = Este vínculo ya no existe. La lista de abajo está actualizada.

## Aplicaciones conectadas

account-apps-none = Ninguna aplicación tiene acceso a su cuenta.
account-apps-can = { $app } puede:
account-apps-allowed = Autorizada el { $date }
account-apps-disconnect = Desconectar
account-apps-disconnect-label = Desconectar { $app }
account-apps-hint = Al desconectar una aplicación, retira lo que autorizó y cierra su sesión: la próxima vez volverá a preguntarle.

## Sesiones

account-sessions-this = Este navegador
account-sessions-signed-in = Inicio de sesión el { $date }
account-sessions-last-active = última actividad { $when }
account-sessions-near = cerca de { $place }
account-sessions-end = Cerrar esta sesión
account-sessions-end-others = Cerrar todas las demás sesiones
account-sessions-end-all = Cerrar sesión en todas partes
account-sessions-zone = Las horas se muestran en la zona { $zone }.
account-sessions-set-zone = Elija su zona horaria en su perfil

## Sus datos

account-data-intro = Descargue todo lo que se guarda sobre usted: su perfil, sesiones, aplicaciones conectadas y eventos de seguridad, en un archivo JSON.
account-data-download = Descargar mis datos

## Eliminar la cuenta

account-delete-intro = Esto borra su perfil, sus métodos de inicio de sesión y sus sesiones, y desconecta todas las aplicaciones. No se puede deshacer.
account-delete-download-first = Si lo desea, descargue antes sus datos.
account-delete-submit = Eliminar mi cuenta

## Códigos de recuperación y la clave de la aplicación de autenticación

account-codes-download = Descargar como archivo de texto
account-codes-copy = Copiar los códigos
account-codes-copied = Copiados.
account-codes-saved = He guardado estos códigos
account-codes-back = Volver a su cuenta
account-codes-file-title = Códigos de recuperación de { $email } en { $site }
account-codes-file-hint = Cada código inicia su sesión una vez si pierde su aplicación de autenticación.
account-totp-listed-as = La aplicación la muestra con el nombre

## Fechas: «hace 2 horas», «30 nov 2026, 18:42»

date-just-now = ahora mismo
date-minutes-ago = { $count ->
    [one] hace { $count } minuto
   *[other] hace { $count } minutos
}
date-hours-ago = { $count ->
    [one] hace { $count } hora
   *[other] hace { $count } horas
}
date-days-ago = { $count ->
    [one] hace { $count } día
   *[other] hace { $count } días
}
date-months = ene feb mar abr may jun jul ago sept oct nov dic
date-absolute = { $day } { $month } { $year }, { $time }

# Errors of the phone, text-message and passkey sections.
account-sms-unavailable = Los mensajes de texto no están disponibles aquí.
account-sms-phone-first = Primero guarde en su perfil un número de teléfono en formato internacional (p. ej., +34 612 34 56 78).
account-phone-code-wrong = Ese código no es correcto o ha caducado.
account-sms-verify-phone-first = Primero verifique su número de teléfono.
account-passkeys-name-invalid = Dé a la llave de acceso un nombre de hasta 200 letras, dígitos y espacios.
account-passkeys-unreadable = No se ha podido leer la llave de acceso. Inténtelo de nuevo.
account-passkeys-unverified = No se ha podido verificar la llave de acceso. Inténtelo de nuevo.
account-codes-not-saved = Marque «He guardado estos códigos» cuando los haya guardado en un lugar seguro: no se volverán a mostrar.
account-deleted-title = Su cuenta se ha eliminado
account-deleted = Sus datos personales, métodos de inicio de sesión y sesiones se han borrado, y todas las aplicaciones se han desconectado.
account-reentry-signed-out-title = Ha cerrado la sesión
account-reentry-signed-out = La contraseña se ha introducido mal demasiadas veces. Vuelva a iniciar sesión para continuar.
mfa-setup-code-wrong = Ese código no es correcto. Introduzca los 6 dígitos que muestra ahora su aplicación.
