"""Forms of the public report, the workers' anonymous channel, the receipt-code page, the
officers' triage and the firm's answer."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from registry.complaints.services import MAX_ATTACHMENT_MB, MAX_TEXT
from registry.complaints.workflow import CATEGORY_LABELS, CLOSE_OUTCOMES, OUTCOME_LABELS

REQUIRED = _l("Campo obbligatorio.")
TOO_LONG = _l("Il testo è troppo lungo (al massimo %(max)d caratteri).")
LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M")


class LocalDateTimeField(StringField):
    """A date and time typed in Italy (`datetime-local`, or dd/mm/yyyy hh:mm); `.moment`
    holds the parsed value, naive."""

    moment: dt.datetime | None = None

    def pre_validate(self, form) -> None:
        self.moment = None
        raw = (self.data or "").strip()
        if not raw:
            raise ValidationError(_l("Indica data e ora della chiamata."))
        for pattern in LOCAL_FORMATS:
            try:
                self.moment = dt.datetime.strptime(raw[:19], pattern)
                return
            except ValueError:
                continue
        raise ValidationError(_l("Data e ora non valide: usa il formato gg/mm/aaaa hh:mm."))


class Honeypot:
    """A field people never see (hidden by CSS and from screen readers): a bot fills it."""

    website = StringField(_l("Lascia vuoto questo campo"), validators=[Optional()])


class PublicReportForm(FlaskForm, Honeypot):
    called_at = LocalDateTimeField(_l("Data e ora della chiamata"),
                                   render_kw={"type": "datetime-local"})
    calling_number = StringField(_l("Numero che ha chiamato"),
                                 validators=[DataRequired(REQUIRED), Length(max=40)],
                                 render_kw={"inputmode": "tel", "autocomplete": "off"})
    text = TextAreaField(_l("Che cosa è successo"),
                         validators=[DataRequired(_l("Descrivi che cosa è successo.")),
                                     Length(max=MAX_TEXT, message=TOO_LONG)])
    contact_email = EmailField(_l("La tua email (facoltativa, per sapere l'esito)"),
                               validators=[Optional(), Length(max=254),
                                           Email(_l("Indirizzo email non valido."))])
    attachment = FileField(_l("Allegato (facoltativo)"),
                           render_kw={"data-max-mb": MAX_ATTACHMENT_MB})
    submit = SubmitField(_l("Invia la segnalazione"))


class WorkerReportForm(FlaskForm, Honeypot):
    text = TextAreaField(_l("Che cosa vuoi segnalare"),
                         validators=[DataRequired(_l("Descrivi che cosa è successo.")),
                                     Length(max=MAX_TEXT, message=TOO_LONG)])
    attachment = FileField(_l("Allegato (facoltativo)"),
                           render_kw={"data-max-mb": MAX_ATTACHMENT_MB})
    submit = SubmitField(_l("Invia in forma anonima"))


class FollowForm(FlaskForm):
    code = StringField(_l("Codice di ricevuta"),
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    # Checked by the service (a form error here would answer differently for a good code).
    text = TextAreaField(_l("Messaggio per il responsabile"))
    submit = SubmitField(_l("Apri la segnalazione"))


class TriageForm(FlaskForm):
    """Every officer step posts this form; `action` names the step, the service checks the
    fields that step needs."""

    action = HiddenField()
    text = TextAreaField(_l("Testo"), validators=[Optional(),
                                                  Length(max=MAX_TEXT, message=TOO_LONG)])
    category = SelectField(_l("Categoria"), validate_choice=False, choices=[
        (str(c), label) for c, label in CATEGORY_LABELS.items()])
    outcome = SelectField(_l("Esito"), validate_choice=False, choices=[
        (str(o), OUTCOME_LABELS[o]) for o in CLOSE_OUTCOMES])
    firm_id = IntegerField(_l("Azienda (numero nel registro)"), validators=[Optional()])
    certificate_number = StringField(_l("Numero del certificato"),
                                     validators=[Optional(), Length(max=20)])


class FirmAnswerForm(FlaskForm):
    text = TextAreaField(_l("La risposta dell'azienda"),
                         validators=[DataRequired(REQUIRED),
                                     Length(max=MAX_TEXT, message=TOO_LONG)])
    submit = SubmitField(_l("Invia la risposta"))
