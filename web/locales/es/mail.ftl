# Los correos. Cada párrafo es un mensaje, común a la parte de texto y a la HTML.

mail-hello = Hola:
mail-hello-name = Hola, { $name }:
mail-link-expires-hours = { $hours ->
    [one] El enlace solo sirve una vez y caduca dentro de { $hours } hora.
   *[other] El enlace solo sirve una vez y caduca dentro de { $hours } horas.
}

mail-verify-subject = Confirme su dirección de correo electrónico
mail-verify-body = Confirme que { $email } es su dirección:
mail-verify-button = Confirmar mi dirección de correo electrónico
mail-verify-ignore = Si usted no ha creado una cuenta, ignore este correo: sin el enlace no ocurre nada.

mail-already-subject = Alguien intentó crear una cuenta con su dirección
mail-already-body = Alguien (quizá usted) intentó crear una cuenta con { $email }, que ya tiene una. No se ha cambiado nada. Para iniciar sesión, use su contraseña actual; si la ha olvidado, use «¿Ha olvidado su contraseña?» en la página de inicio de sesión.

mail-reset-subject = Restablezca su contraseña
mail-reset-body = Alguien (quizá usted) ha pedido restablecer la contraseña de la cuenta { $email }. Para elegir una contraseña nueva, abra este enlace:
mail-reset-button = Elegir una contraseña nueva
mail-reset-expires = { $minutes ->
    [one] El enlace solo sirve una vez y caduca dentro de { $minutes } minuto. Si usted no lo ha pedido, ignore este correo: su contraseña no cambia.
   *[other] El enlace solo sirve una vez y caduca dentro de { $minutes } minutos. Si usted no lo ha pedido, ignore este correo: su contraseña no cambia.
}

mail-password-changed-subject = Se ha cambiado su contraseña
mail-password-changed-body = Se ha cambiado la contraseña de su cuenta { $email }. Se han cerrado todas las demás sesiones.
mail-password-reset-body = Se ha restablecido la contraseña de su cuenta { $email }. Se han cerrado todas las demás sesiones.
mail-password-changed-warning = Si no ha sido usted, restablezca su contraseña de inmediato con «¿Ha olvidado su contraseña?» en la página de inicio de sesión y póngase en contacto con el administrador.

mail-change-email-subject = Confirme su nueva dirección de correo electrónico
mail-change-email-body = Confirme que { $email } debe pasar a ser la dirección de su cuenta abriendo este enlace:
mail-change-email-button = Confirmar mi nueva dirección
mail-change-email-ignore = Hasta entonces, su cuenta conserva su dirección actual. Si usted no lo ha pedido, ignore este correo.

mail-email-changed-subject = Se ha cambiado su dirección de correo electrónico
mail-email-changed-body = La dirección de su cuenta ha cambiado de { $email } a { $new_email }. Los correos sobre la cuenta se envían ahora a la nueva dirección.
mail-email-changed-warning = Si no ha sido usted, póngase en contacto con el administrador de inmediato.

mail-invitation-subject = Le invitamos a crear una cuenta
mail-invitation-body = Le invitamos a crear una cuenta en { $site } con la dirección { $email }. Para aceptar, abra este enlace y elija una contraseña:
mail-invitation-button = Aceptar la invitación
mail-invitation-expires = { $days ->
    [one] La invitación caduca dentro de { $days } día. Si no la esperaba, ignore este correo.
   *[other] La invitación caduca dentro de { $days } días. Si no la esperaba, ignore este correo.
}

mail-deleted-subject = Se ha eliminado su cuenta
mail-deleted-body = Se ha eliminado la cuenta { $email }, con sus datos personales, métodos de inicio de sesión, sesiones y aplicaciones conectadas. Esta acción no se puede deshacer. Los registros de eventos de seguridad se conservan sin su nombre, su dirección ni sus datos de red.
mail-deleted-warning = Si no ha sido usted, póngase en contacto con el administrador.

mail-new-sign-in-subject = Nuevo inicio de sesión en su cuenta
mail-new-sign-in-body = Se acaba de usar su cuenta { $email } para iniciar sesión desde un navegador o dispositivo que no conocíamos:
mail-new-sign-in-when = Cuándo: { $when }
mail-new-sign-in-device = Dispositivo: { $device }
mail-new-sign-in-address = Dirección: { $ip }
mail-new-sign-in-advice = Si ha sido usted, no tiene que hacer nada. Si no, cambie su contraseña de inmediato y cierre la sesión desde la página de su cuenta.

mail-recovery-used-subject = Se ha usado un código de recuperación
mail-recovery-used-body = { $count ->
    [one] Se acaba de usar un código de recuperación para iniciar sesión en su cuenta { $email }. Le queda { $count } código de recuperación; cree un juego nuevo en la página de su cuenta.
   *[other] Se acaba de usar un código de recuperación para iniciar sesión en su cuenta { $email }. Le quedan { $count } códigos de recuperación; cree un juego nuevo en la página de su cuenta cuando le queden pocos.
}
mail-recovery-used-warning = Si no ha sido usted, cambie su contraseña de inmediato y póngase en contacto con el administrador.

mail-codes-locked-subject = Su cuenta está bloqueada tras códigos de inicio de sesión incorrectos
mail-codes-locked-body = { $minutes ->
    [one] Alguien que conocía la contraseña de su cuenta { $email }, o que tenía acceso a este buzón, introdujo demasiados códigos de inicio de sesión incorrectos, por lo que la cuenta está bloqueada durante { $minutes } minuto.
   *[other] Alguien que conocía la contraseña de su cuenta { $email }, o que tenía acceso a este buzón, introdujo demasiados códigos de inicio de sesión incorrectos, por lo que la cuenta está bloqueada durante { $minutes } minutos.
}
mail-codes-locked-warning = Si no ha sido usted, cambie su contraseña en cuanto termine el bloqueo y póngase en contacto con el administrador.

mail-email-sign-in-subject = Su código de inicio de sesión
mail-email-sign-in-body = Su código para iniciar sesión como { $email } es
mail-email-sign-in-link = o abra este enlace para iniciar sesión en este dispositivo:
mail-email-sign-in-button = Iniciar sesión en este dispositivo
mail-email-sign-in-expires = { $minutes ->
    [one] El código y el enlace solo sirven una vez y caducan dentro de { $minutes } minuto. Si usted no ha pedido iniciar sesión, ignore este correo.
   *[other] El código y el enlace solo sirven una vez y caducan dentro de { $minutes } minutos. Si usted no ha pedido iniciar sesión, ignore este correo.
}
