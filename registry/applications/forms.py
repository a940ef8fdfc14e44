"""Forms of the firm's side of an application."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from registry.applications.workflow import KIND_LABELS, STARTED_BY_FIRM, ApplicationKind

REQUIRED = _l("Campo obbligatorio.")


class StartForm(FlaskForm):
    kind = SelectField(_l("Tipo di domanda"), choices=[
        (str(kind), _l(KIND_LABELS[kind])) for kind in ApplicationKind if kind in STARTED_BY_FIRM])
    submit = SubmitField(_l("Avvia la domanda"))


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Autodichiarazione dell'azienda"), validators=[Length(max=5000)])
    submit = SubmitField(_l("Salva la nota"))


class EvidenceForm(FlaskForm):
    title = StringField(_l("Titolo del documento"), validators=[DataRequired(REQUIRED),
                                                               Length(max=200)])
    effective_on = DateField(_l("Data di efficacia"), validators=[DataRequired(
        _l("Indica una data valida (gg/mm/aaaa)."))])
    expires_on = DateField(_l("Scadenza (facoltativa)"), validators=[Optional()])
    file = FileField(_l("File (PDF, PNG, JPEG, ODT, ODS, DOCX, XLSX)"),
                     validators=[FileRequired(_l("Scegli un file."))])
    submit = SubmitField(_l("Carica il documento"))


class VersionForm(FlaskForm):
    effective_on = DateField(_l("Data di efficacia"), validators=[DataRequired(
        _l("Indica una data valida (gg/mm/aaaa)."))])
    expires_on = DateField(_l("Scadenza (facoltativa)"), validators=[Optional()])
    file = FileField(_l("Nuovo file"), validators=[FileRequired(_l("Scegli un file."))])
    submit = SubmitField(_l("Carica la nuova versione"))


class LinkForm(FlaskForm):
    document_id = SelectField(_l("Documento già caricato"), coerce=int)
    submit = SubmitField(_l("Collega il documento"))


class SubmitForm(FlaskForm):
    declaration = BooleanField(_l(
        "Il legale rappresentante dichiara, ai sensi del DPR 445/2000, che le informazioni e i "
        "documenti forniti sono veritieri e completi."))
    submit = SubmitField(_l("Invia la domanda"))


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Conferma"))
