"""Forms of the officer's decision, the firm's appeal and the admin's assignment of appeals."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from registry.decisions.workflow import AppealOutcome, DecisionOutcome

REQUIRED = _l("Campo obbligatorio.")


class DecisionForm(FlaskForm):
    outcome = RadioField(_l("Esito"), choices=[(str(DecisionOutcome.CERTIFY), _l("Certificare")),
                                               (str(DecisionOutcome.REFUSE), _l("Respingere"))],
                         validators=[DataRequired(REQUIRED)])
    level = SelectField(_l("Livello"), choices=[], validate_choice=False)
    reason = TextAreaField(_l("Motivazione (obbligatoria per respingere o per un livello "
                              "inferiore)"), validators=[Length(max=4000)])
    submit = SubmitField(_l("Registra la decisione"))


class AppealForm(FlaskForm):
    text = TextAreaField(_l("Motivi del ricorso"), validators=[DataRequired(REQUIRED),
                                                              Length(max=8000)])
    submit = SubmitField(_l("Presenta ricorso"))


class AppealAssignForm(FlaskForm):
    officer_id = SelectField(_l("Responsabile"), coerce=int)
    submit = SubmitField(_l("Assegna il ricorso"))


class AppealDecisionForm(FlaskForm):
    outcome = RadioField(_l("Esito del ricorso"), choices=[
        (str(AppealOutcome.UPHELD), _l("Respingere il ricorso (il diniego resta)")),
        (str(AppealOutcome.OVERTURNED),
         _l("Accogliere il ricorso (certificare al livello calcolato)"))],
        validators=[DataRequired(REQUIRED)])
    reason = TextAreaField(_l("Motivazione"), validators=[DataRequired(REQUIRED),
                                                          Length(max=4000)])
    submit = SubmitField(_l("Decidi il ricorso"))
