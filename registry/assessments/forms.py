"""Forms of the auditor's workspace and of the admin's assignment of auditors."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from registry.assessments.workflow import FINDING_LABELS, ROLE_LABELS, AuditorRole, FindingKind
from registry.forms import MultiCheckboxField

REQUIRED = _l("Campo obbligatorio.")
SCORE_CHOICES = [("0", "0"), ("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("na", "N/A")]


class AssignForm(FlaskForm):
    auditor_id = SelectField(_l("Valutatore"), coerce=int)
    role = SelectField(_l("Ruolo"), choices=[(str(r), _l(ROLE_LABELS[r])) for r in AuditorRole])
    submit = SubmitField(_l("Assegna"))


class DeclarationForm(FlaskForm):
    confirm = BooleanField(_l(
        "Dichiaro di non avere rapporti con l'azienda (consulenza, lavoro, parentela, interessi "
        "economici) negli ultimi due anni e di valutarla in modo imparziale."),
        validators=[DataRequired(_l("Per aprire il fascicolo devi firmare la dichiarazione."))])
    submit = SubmitField(_l("Firma la dichiarazione"))


class ConflictForm(FlaskForm):
    reason = TextAreaField(_l("Descrivi il conflitto di interessi"),
                           validators=[DataRequired(REQUIRED), Length(max=2000)])
    submit = SubmitField(_l("Dichiara un conflitto e rinuncia all'incarico"))


class ScoreForm(FlaskForm):
    score = RadioField(_l("Punteggio"), choices=SCORE_CHOICES,
                       validators=[DataRequired(_l("Scegli un punteggio da 0 a 4 oppure N/A."))])
    justification = TextAreaField(_l("Giustificazione (obbligatoria per N/A)"),
                                  validators=[Length(max=4000)])
    evidence_reviewed = TextAreaField(_l("Riferimento all'evidenza esaminata (documento, data, "
                                         "sede, campione) — obbligatorio per ogni punteggio"),
                                      validators=[Length(max=4000)])
    records_from = DateField(_l("Registrazioni esaminate dal (per 3 e 4: almeno 12 mesi)"),
                             validators=[Optional()])
    records_to = DateField(_l("Registrazioni esaminate al"), validators=[Optional()])
    notes = TextAreaField(_l("Note"), validators=[Length(max=4000)])
    submit = SubmitField(_l("Salva il punteggio"))


class FindingForm(FlaskForm):
    kind = SelectField(_l("Tipo di rilievo"),
                       choices=[(str(k), _l(FINDING_LABELS[k])) for k in FindingKind])
    text = TextAreaField(_l("Descrizione"), validators=[DataRequired(REQUIRED),
                                                       Length(max=4000)])
    due_on = DateField(_l("Da correggere entro (per le non conformità)"),
                       validators=[Optional()])
    submit = SubmitField(_l("Aggiungi il rilievo"))


class DetailsForm(FlaskForm):
    started_on = DateField(_l("Inizio dell'audit"), validators=[Optional()])
    ended_on = DateField(_l("Fine dell'audit"), validators=[Optional()])
    sites = MultiCheckboxField(_l("Sedi visitate"), coerce=int)
    submit = SubmitField(_l("Salva date e sedi"))


class ChangesForm(FlaskForm):
    items = TextAreaField(_l("Integrazioni richieste all'azienda (una per riga)"),
                          validators=[DataRequired(REQUIRED), Length(max=4000)])
    submit = SubmitField(_l("Rimanda all'azienda"))


class SimpleForm(FlaskForm):
    submit = SubmitField(_l("Conferma"))


class PlanForm(FlaskForm):
    plan = TextAreaField(_l("Azioni correttive: che cosa, chi, entro quando"),
                         validators=[DataRequired(REQUIRED), Length(max=8000)])
    evidence = FileField(_l("Prova della correzione (obbligatoria per le non conformità "
                            "maggiori)"))
    submit = SubmitField(_l("Invia il piano"))


class CloseFindingForm(FlaskForm):
    note = TextAreaField(_l("Verifica svolta (documenti, date, sedi)"),
                         validators=[DataRequired(REQUIRED), Length(max=4000)])
    submit = SubmitField(_l("Chiudi il rilievo"))


def second_scoring_form(codes: list[str], formdata=None) -> FlaskForm:
    """The blind second scoring: a score (0-4 or N/A) and a note per sampled criterion,
    fields `score_<n>` and `notes_<n>` in the order of `codes`."""

    class SecondScoringForm(FlaskForm):
        submit = SubmitField(_l("Invia la doppia valutazione"))

    for index, code in enumerate(codes):
        setattr(SecondScoringForm, f"score_{index}", RadioField(
            _l("Punteggio per %(c)s", c=code), choices=SCORE_CHOICES,
            validators=[DataRequired(_l("Scegli un punteggio da 0 a 4 oppure N/A."))]))
        setattr(SecondScoringForm, f"notes_{index}", TextAreaField(
            _l("Note per %(c)s", c=code), validators=[Length(max=4000)]))
    return SecondScoringForm(formdata=formdata) if formdata is not None \
        else SecondScoringForm()
