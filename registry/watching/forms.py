"""Forms of the watching feature."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import EmailField, IntegerField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from registry.watching.workflow import DIGEST_LABELS, Digest

REQUIRED = _l("Campo obbligatorio.")


class FollowForm(FlaskForm):
    email = EmailField(_l("La tua email"), validators=[DataRequired(REQUIRED), Length(max=254)])
    submit = SubmitField(_l("Segui questa azienda"))


class UnsubscribeForm(FlaskForm):
    submit = SubmitField(_l("Non voglio più ricevere messaggi"))


class AddSupplierForm(FlaskForm):
    firm_id = IntegerField(_l("Azienda"), validators=[DataRequired(REQUIRED)])
    submit = SubmitField(_l("Aggiungi"))


class ImportForm(FlaskForm):
    file = FileField(_l("File CSV o XLSX con le partite IVA nella prima colonna"),
                     render_kw={"data-max-mb": 2})  # clients.MAX_IMPORT_BYTES
    submit = SubmitField(_l("Importa"))


class DigestForm(FlaskForm):
    digest = RadioField(_l("Email sui cambiamenti dei fornitori"),
                        choices=[(str(d), _l(DIGEST_LABELS[d])) for d in Digest],
                        validators=[DataRequired(REQUIRED)])
    submit = SubmitField(_l("Salva la preferenza"))


class EndpointForm(FlaskForm):
    url = StringField(_l("Indirizzo dell'endpoint (https://…)"),
                      validators=[DataRequired(REQUIRED), Length(max=500)])
    description = StringField(_l("Descrizione (facoltativa)"), validators=[Length(max=200)])
    submit = SubmitField(_l("Registra l'endpoint"))
