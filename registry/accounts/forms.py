"""Account forms. Labels and messages are translatable and tied to their fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from registry.forms import MultiCheckboxField
from registry.security import Role

REQUIRED = _l("Campo obbligatorio.")
ROLE_LABELS = {
    Role.APPLICANT: _l("Richiedente (azienda)"),
    Role.AUDITOR: _l("Valutatore"),
    Role.OFFICER: _l("Responsabile della certificazione"),
    Role.MINISTRY: _l("Ministero"),
    Role.ADMIN: _l("Amministratore"),
    Role.CLIENT: _l("Cliente (controllo dei fornitori)"),
}


def role_choices():
    return [(str(role), label) for role, label in ROLE_LABELS.items()]


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(REQUIRED),
                                                Email(_l("Indirizzo email non valido."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Accedi"))


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Password attuale"), validators=[DataRequired(REQUIRED)],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("Nuova password"), validators=[DataRequired(REQUIRED)])
    confirm = PasswordField(_l("Ripeti la nuova password"), validators=[
        DataRequired(REQUIRED), EqualTo("password", _l("Le due password non coincidono."))])
    submit = SubmitField(_l("Cambia password"))


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(REQUIRED),
                                                Email(_l("Indirizzo email non valido."))])
    submit = SubmitField(_l("Invia il collegamento"))


class ResendConfirmationForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(REQUIRED),
                                                Email(_l("Indirizzo email non valido."))])
    submit = SubmitField(_l("Invia di nuovo l'email di conferma"))


class ResetForm(FlaskForm):
    password = PasswordField(_l("Nuova password"), validators=[DataRequired(REQUIRED)])
    confirm = PasswordField(_l("Ripeti la nuova password"), validators=[
        DataRequired(REQUIRED), EqualTo("password", _l("Le due password non coincidono."))])
    submit = SubmitField(_l("Imposta la password"))


SIGNUP_KINDS = [(str(Role.APPLICANT), _l("Un'azienda di contact center che chiede la "
                                             "certificazione")),
                (str(Role.CLIENT), _l("Un'azienda cliente che vuole controllare i propri "
                                      "fornitori"))]


class SignupForm(FlaskForm):
    kind = RadioField(_l("Chi sei"), choices=SIGNUP_KINDS, default=str(Role.APPLICANT),
                      validators=[DataRequired(REQUIRED)])
    name = StringField(_l("Nome e cognome"), validators=[DataRequired(REQUIRED), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(REQUIRED),
                                                Email(_l("Indirizzo email non valido."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED)])
    confirm = PasswordField(_l("Ripeti la password"), validators=[
        DataRequired(REQUIRED), EqualTo("password", _l("Le due password non coincidono."))])
    submit = SubmitField(_l("Registrati"))


class UserCreateForm(FlaskForm):
    name = StringField(_l("Nome e cognome"), validators=[DataRequired(REQUIRED), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(REQUIRED),
                                                Email(_l("Indirizzo email non valido."))])
    password = PasswordField(_l("Password iniziale"), validators=[DataRequired(REQUIRED)])
    roles = MultiCheckboxField(_l("Ruoli"), choices=role_choices,
                               validators=[DataRequired(_l("Scegli almeno un ruolo."))])
    submit = SubmitField(_l("Crea utente"))


class UserEditForm(FlaskForm):
    name = StringField(_l("Nome e cognome"), validators=[DataRequired(REQUIRED), Length(max=120)])
    roles = MultiCheckboxField(_l("Ruoli"), choices=role_choices,
                               validators=[DataRequired(_l("Scegli almeno un ruolo."))])
    active = BooleanField(_l("Attivo"))
    submit = SubmitField(_l("Salva"))


class CodeForm(FlaskForm):
    """The second step of a login: the authenticator's code or a recovery code."""

    code = StringField(_l("Codice"), validators=[DataRequired(REQUIRED), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "off",
                                  "spellcheck": "false"})
    submit = SubmitField(_l("Verifica"))


class EnrolForm(FlaskForm):
    code = StringField(_l("Codice a 6 cifre mostrato dall'app"),
                       validators=[DataRequired(REQUIRED), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
    submit = SubmitField(_l("Attiva il secondo fattore"))


class RecoveryCodesForm(FlaskForm):
    code = StringField(_l("Codice attuale dell'app"),
                       validators=[DataRequired(REQUIRED), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
    submit = SubmitField(_l("Genera nuovi codici di recupero"))


class DisableSecondFactorForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Disattiva il secondo fattore"))
