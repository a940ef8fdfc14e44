"""Firm forms. WTForms checks types and presence; the domain rules come from `checks.py`
(`check_profile`, `check_site`), so every problem shows on its field in one round trip."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional
from wtforms.widgets import NumberInput

from registry.firms import checks, geography
from registry.firms.models import LegalForm
from registry.firms.workflow import NoticeAuthority
from registry.forms import MultiCheckboxField, show_domain_error

REQUIRED = _l("Campo obbligatorio.")
NOT_A_DATE = _l("Indica una data valida (GG/MM/AAAA).")
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]  # the date input sends ISO; typed text may be Italian

LEGAL_FORM_LABELS = {
    LegalForm.SRL: _l("Società a responsabilità limitata (S.r.l.)"),
    LegalForm.SRLS: _l("Società a responsabilità limitata semplificata (S.r.l.s.)"),
    LegalForm.SPA: _l("Società per azioni (S.p.A.)"),
    LegalForm.SAPA: _l("Società in accomandita per azioni (S.a.p.a.)"),
    LegalForm.SNC: _l("Società in nome collettivo (S.n.c.)"),
    LegalForm.SAS: _l("Società in accomandita semplice (S.a.s.)"),
    LegalForm.COOP: _l("Società cooperativa"),
    LegalForm.CONSORZIO: _l("Consorzio"),
    LegalForm.DITTA_INDIVIDUALE: _l("Ditta individuale"),
    LegalForm.ALTRO: _l("Altra forma giuridica"),
}
SERVICE_TYPE_LABELS = {
    "inbound": _l("Inbound (contatti in entrata)"),
    "outbound": _l("Outbound (contatti in uscita)"),
    "back_office": _l("Back office"),
}
CHANNEL_LABELS = {
    "voice": _l("Voce"),
    "email": _l("Email"),
    "chat": _l("Chat"),
    "social": _l("Social network"),
    "messaging": _l("Messaggistica (SMS, app di messaggistica)"),
}
DEFAULT_CCNL = ("K411", "CCNL Telecomunicazioni")  # the sector's contract (domain.md §4.4)
DEFAULT_ATECO = "82.20.00"  # "Attività dei call center", ATECO 2007 (S37)


def _number(label, **kwargs) -> StringField:
    """A whole number typed in a number input. Parsed by the checks, so that every message
    is ours (WTForms' own Italian for IntegerField has a typo)."""
    return StringField(label, widget=NumberInput(min=0), **kwargs)


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _choose() -> list[tuple[str, str]]:
    return [("", str(_l("— scegli —")))]


def _locale() -> str:
    return str(get_locale() or "it")


def _attach(form: FlaskForm, errors: dict[str, str]) -> None:
    """Put the domain rules' errors on their fields, unless WTForms already found one there."""
    form.form_errors_by_group = {}
    for field, message in errors.items():
        if field in form:
            if not form[field].errors:
                form[field].errors = [*form[field].errors, message]
        else:
            form.form_errors_by_group.setdefault(field, []).append(message)


def show_errors(form: FlaskForm, error) -> None:
    """A ProfileInvalid (many fields) or any DomainError (one field, or a flash)."""
    errors = error.params.get("errors")
    if errors:
        _attach(form, errors)
    else:
        show_domain_error(form, error)


class FirmForm(FlaskForm):
    """The firm profile (domain.md §4.1, §4.4, §4.5)."""

    name = StringField(_l("Ragione sociale"), validators=[DataRequired(REQUIRED),
                                                           Length(max=200)])
    legal_form = SelectField(_l("Forma giuridica"), validators=[DataRequired(REQUIRED)],
                             validate_choice=False)
    vat_number = StringField(_l("Partita IVA"), validators=[DataRequired(REQUIRED)])
    tax_code = StringField(_l("Codice fiscale"), validators=[DataRequired(REQUIRED)])
    rea_province = SelectField(_l("Camera di commercio (provincia del REA)"),
                               validators=[DataRequired(REQUIRED)], validate_choice=False)
    rea_number = StringField(_l("Numero REA"), validators=[DataRequired(REQUIRED)])
    pec = EmailField(_l("PEC (domicilio digitale)"), validators=[
        DataRequired(REQUIRED), Email(_l("Indirizzo PEC non valido.")), Length(max=254)])
    ateco_code = StringField(_l("Codice ATECO dell'attività prevalente"),
                             validators=[DataRequired(REQUIRED)], default=DEFAULT_ATECO)
    incorporated_on = DateField(_l("Data di costituzione"), format=DATE_FORMATS,
                                validators=[InputRequired(NOT_A_DATE)])
    office_street = StringField(_l("Indirizzo della sede legale"),
                                validators=[DataRequired(REQUIRED), Length(max=200)])
    office_postcode = StringField(_l("CAP"), validators=[DataRequired(REQUIRED)])
    office_comune = StringField(_l("Comune"), validators=[DataRequired(REQUIRED),
                                                          Length(max=100)])
    office_province = SelectField(_l("Provincia"), validators=[DataRequired(REQUIRED)],
                                  validate_choice=False)
    legal_rep_name = StringField(_l("Nome e cognome del legale rappresentante"),
                                 validators=[DataRequired(REQUIRED), Length(max=120)])
    legal_rep_tax_code = StringField(_l("Codice fiscale del legale rappresentante"),
                                     validators=[DataRequired(REQUIRED)])
    legal_rep_role = StringField(_l("Carica del legale rappresentante"),
                                 validators=[DataRequired(REQUIRED), Length(max=80)])
    headcount = _number(_l("Persone in organico"), validators=[InputRequired(REQUIRED)])
    fte = StringField(_l("Unità equivalenti a tempo pieno (FTE)"),
                      validators=[DataRequired(REQUIRED)])
    ccnl_code = StringField(_l("Codice CNEL del contratto collettivo applicato"),
                            validators=[DataRequired(REQUIRED)], default=DEFAULT_CCNL[0])
    ccnl_name = StringField(_l("Nome del contratto collettivo"),
                            validators=[DataRequired(REQUIRED), Length(max=200)],
                            default=DEFAULT_CCNL[1])
    roc_number = StringField(_l("Numero di iscrizione al ROC"),
                             validators=[DataRequired(REQUIRED)])
    phone_numbers = TextAreaField(_l("Numeri usati per i servizi di contact center "
                                     "(uno per riga)"), validators=[DataRequired(REQUIRED)])
    traffic_italy_pct = _number(_l("Traffico gestito in Italia (%)"),
                                     validators=[InputRequired(REQUIRED)], default=100)
    traffic_eu_pct = _number(_l("Traffico gestito in altri paesi UE (%)"),
                                  validators=[InputRequired(REQUIRED)], default=0)
    traffic_extra_eu_pct = _number(_l("Traffico gestito fuori dall'UE (%)"),
                                        validators=[InputRequired(REQUIRED)], default=0)
    extra_eu_countries = SelectMultipleField(_l("Paesi fuori dall'UE in cui è gestito il "
                                                "traffico"), validate_choice=False)
    submit = SubmitField(_l("Salva il profilo"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form_errors_by_group: dict[str, list[str]] = {}
        self.legal_form.choices = _choices(_choose() + [(str(k), str(v))
                                                        for k, v in LEGAL_FORM_LABELS.items()])
        self.rea_province.choices = _choices(_choose() + geography.province_choices())
        self.office_province.choices = _choices(_choose() + geography.province_choices())
        self.extra_eu_countries.choices = _choices(geography.country_choices(
            _locale(), extra_eu_only=True))

    def profile_data(self) -> dict:
        """The submitted values, keyed as the Firm's attributes."""
        return {name: field.data for name, field in self._fields.items()
                if name not in ("csrf_token", "submit", "reason", "evidence")}

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        _values, errors = checks.check_profile(self.profile_data())
        _attach(self, errors)
        return ok and not errors


class SiteForm(FlaskForm):
    """An operating site (domain.md §4.3)."""

    address = StringField(_l("Indirizzo"), validators=[DataRequired(REQUIRED),
                                                        Length(max=200)])
    comune = StringField(_l("Comune o città"), validators=[DataRequired(REQUIRED),
                                                           Length(max=100)])
    province = SelectField(_l("Provincia (sedi in Italia)"), validate_choice=False)
    country = SelectField(_l("Paese"), default="IT", validators=[DataRequired(REQUIRED)],
                          validate_choice=False)
    seats = _number(_l("Postazioni"), validators=[InputRequired(REQUIRED)])
    headcount = _number(_l("Persone che lavorano nella sede"),
                             validators=[InputRequired(REQUIRED)])
    service_types = MultiCheckboxField(
        _l("Tipi di servizio"), choices=_choices(SERVICE_TYPE_LABELS.items()),
        validators=[DataRequired(_l("Scegli almeno un tipo di servizio."))],
        validate_choice=False)
    channels = MultiCheckboxField(_l("Canali"), choices=_choices(CHANNEL_LABELS.items()),
                                  validate_choice=False)
    opened_on = DateField(_l("Data di apertura"), format=DATE_FORMATS,
                          validators=[Optional()])
    # Once the firm has applied, a site changes through a request: why, and the proof.
    reason = TextAreaField(_l("Motivo della modifica"), validators=[Length(max=4000)])
    evidence = FileField(_l("Documento che prova la modifica (contratto, comunicazione)"))
    submit = SubmitField(_l("Salva la sede"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form_errors_by_group: dict[str, list[str]] = {}
        self.province.choices = _choices(_choose() + geography.province_choices())
        # Italy first: almost every site is Italian.
        countries = geography.country_choices(_locale())
        self.country.choices = _choices([c for c in countries if c[0] == "IT"]
                                        + [c for c in countries if c[0] != "IT"])

    def site_data(self) -> dict:
        return {name: field.data for name, field in self._fields.items()
                if name not in ("csrf_token", "submit", "reason", "evidence")}

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        _values, errors = checks.check_site(self.site_data())
        _attach(self, errors)
        return ok and not errors


class JoinForm(FlaskForm):
    """Ask the owner of an already registered firm to let you in."""

    vat_number = StringField(_l("Partita IVA dell'azienda"), validators=[DataRequired(REQUIRED)])
    message = TextAreaField(_l("Messaggio per il titolare del profilo (facoltativo)"),
                            validators=[Length(max=2000)])
    submit = SubmitField(_l("Chiedi di entrare"))


class InviteForm(FlaskForm):
    email = EmailField(_l("Email del collega"), validators=[
        DataRequired(REQUIRED), Email(_l("Indirizzo email non valido.")), Length(max=254)])
    submit = SubmitField(_l("Invia l'invito"))


# The identity fields as a person reads them, for the list of what a request changes.
FIELD_LABELS = {
    "name": _l("Ragione sociale"), "legal_form": _l("Forma giuridica"),
    "tax_code": _l("Codice fiscale"), "office_street": _l("Indirizzo della sede legale"),
    "office_postcode": _l("CAP"), "office_comune": _l("Comune"),
    "office_province": _l("Provincia"), "office_region": _l("Regione"),
    "legal_rep_name": _l("Nome e cognome del legale rappresentante"),
    "legal_rep_tax_code": _l("Codice fiscale del legale rappresentante"),
    "legal_rep_role": _l("Carica del legale rappresentante"),
    "traffic_italy_pct": _l("Traffico gestito in Italia (%)"),
    "traffic_eu_pct": _l("Traffico gestito in altri paesi UE (%)"),
    "traffic_extra_eu_pct": _l("Traffico gestito fuori dall'UE (%)"),
    "extra_eu_countries": _l("Paesi extra UE"),
}


class ProfileChangeForm(FirmForm):
    """The profile with the identity data the firm asks to change, the reason and the
    document that proves it; the officer approves or refuses."""

    reason = TextAreaField(_l("Motivo della modifica"),
                           validators=[DataRequired(REQUIRED), Length(max=4000)])
    evidence = FileField(_l("Documento che prova la modifica (atto, visura camerale)"),
                         validators=[FileRequired(_l("Allega il documento."))])
    submit = SubmitField(_l("Invia la richiesta"))


class SiteCloseForm(FlaskForm):
    """Closing a site of a firm that has applied: a request with its reason and proof."""

    reason = TextAreaField(_l("Motivo della chiusura"),
                           validators=[DataRequired(REQUIRED), Length(max=4000)])
    evidence = FileField(_l("Documento che prova la chiusura"),
                         validators=[FileRequired(_l("Allega il documento."))])
    submit = SubmitField(_l("Chiedi la chiusura della sede"))


class ChangeDecisionForm(FlaskForm):
    decision = RadioField(_l("Decisione"), choices=[
        ("approve", _l("Approvare: il profilo cambia e i certificati sono riemessi")),
        ("refuse", _l("Respingere: il profilo resta com'è"))],
        validators=[DataRequired(REQUIRED)])
    reason = TextAreaField(_l("Motivazione"), validators=[DataRequired(REQUIRED),
                                                          Length(max=4000)])
    submit = SubmitField(_l("Registra la decisione"))


class NumberDeclareForm(FlaskForm):
    """A calling number the firm starts using (its own statement, no approval)."""

    number = StringField(_l("Numero di telefono"), validators=[DataRequired(REQUIRED),
                                                               Length(max=40)])
    valid_from = DateField(_l("In uso dal (vuoto: da oggi)"), format=DATE_FORMATS,
                           validators=[Optional()])
    submit = SubmitField(_l("Dichiara il numero"))


class NumberEndForm(FlaskForm):
    """The day the firm stops using one of its numbers."""

    valid_until = DateField(_l("Non più in uso dal (vuoto: da oggi)"), format=DATE_FORMATS,
                            validators=[Optional()])
    submit = SubmitField(_l("Non lo usiamo più"))


class ConfirmForm(FlaskForm):
    """A bare form: the CSRF token for the one-button POSTs (accept, remove, close…)."""


class NoticeForm(FlaskForm):
    """An art. 24-bis notice the firm sent: checked by `firms.notices.record_notice`."""

    authority = RadioField(_l("Destinatario della comunicazione"), validate_choice=False)
    site_id = SelectField(_l("Sede all'estero interessata"), validate_choice=False)
    country = SelectField(_l("Paese extra UE in cui è trasferita l'attività"),
                          validate_choice=False)
    sent_on = DateField(_l("Data di invio"), format=DATE_FORMATS, validators=[Optional()])
    move_on = DateField(_l("Data prevista del trasferimento"), format=DATE_FORMATS,
                        validators=[Optional()])
    numbers = TextAreaField(_l("Solo per il MIMIT: numeri pubblici usati (uno per riga)"),
                            validators=[Length(max=8000)])
    countries = SelectMultipleField(_l("Solo per il MIMIT: paesi da cui si risponde a quei "
                                       "numeri"), validate_choice=False)
    document = FileField(_l("Comunicazione inviata (PDF o altro documento)"))
    submit = SubmitField(_l("Registra la comunicazione"))

    def __init__(self, sites, authority_label, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.authority.choices = _choices([(str(a), authority_label(a))
                                           for a in NoticeAuthority])
        self.site_id.choices = _choices(
            [("", str(_l("Nessuna sede: attività affidata a terzi")))]
            + [(str(s.id), f"{s.address}, {s.comune} ({s.country})") for s in sites])
        countries = geography.country_choices(_locale(), extra_eu_only=True)
        self.country.choices = _choices(_choose() + countries)
        self.countries.choices = _choices(countries)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # WTForms' own words for an impossible date (31/02) are English and vague.
        for date in (self.sent_on, self.move_on):
            if date.errors:
                date.errors = [str(NOT_A_DATE)]
        return ok

    def notice_data(self) -> dict:
        return {name: field.data for name, field in self._fields.items()
                if name not in ("csrf_token", "submit", "document")}


class NoticeWithdrawForm(FlaskForm):
    """Withdrawing a notice recorded wrongly: the record stays, marked withdrawn."""

    reason = TextAreaField(_l("Perché ritiri questa comunicazione"),
                           validators=[DataRequired(REQUIRED), Length(max=4000)])
    submit = SubmitField(_l("Ritira la comunicazione"))
