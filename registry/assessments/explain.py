"""Sentences for the scoring engine's reasons, in the user's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from registry.certificates.labels import level_label

MESSAGES = {
    "knockout_failed": _l("Criterio obbligatorio %(criterion)s: punteggio %(score)s, minimo "
                          "richiesto %(minimum)s — non certificabile."),
    "major_nonconformity": _l("Non conformità maggiore aperta su %(criterion)s (punteggio 0): "
                              "nessuna decisione finché non è corretta."),
    "minor_nonconformity": _l("Non conformità minore su %(criterion)s: piano di azioni "
                              "correttive entro 30 giorni."),
    "area_below_minimum": _l("Area %(area)s sotto il minimo (%(pct)s%% < %(minimum)s%%)."),
    "level_reached": _l("Livello raggiunto: %(level)s."),
    "level_missed": _l("Livello %(level)s non raggiunto: %(because)s."),
    "overall_below_minimum": _l("Punteggio complessivo %(overall)s%% sotto la soglia del "
                                "livello %(level)s (%(minimum)s%%)."),
    "area_not_applicable": _l("Area %(area)s interamente non applicabile: esclusa dal "
                              "punteggio complessivo."),
    "nothing_applicable": _l("Nessun criterio applicabile."),
}


THRESHOLDS = {
    "min_overall": _l("punteggio complessivo sotto %(min_overall)s%%"),
    "min_each_area": _l("aree sotto %(min_each_area)s%%: %(areas_below)s"),
    "min_criterion_score": _l("criteri sotto %(min_criterion_score)s: %(criteria_below)s"),
}


def explain(reason) -> str:
    """One line of the engine's explanation; unknown codes fall back to code and figures."""
    params = {k: (", ".join(map(str, v)) if isinstance(v, list | tuple) else v)
              for k, v in dict(reason.params).items()}
    if params.get("level"):
        params["level"] = level_label(str(params["level"]))
    if reason.code == "level_missed":
        raw = dict(reason.params)
        parts = []
        for name in raw.get("because", ()):
            try:
                parts.append(str(THRESHOLDS[name]) % params)
            except (KeyError, TypeError, ValueError):
                parts.append(name)
        params["because"] = "; ".join(parts)
    template = MESSAGES.get(reason.code)
    if template is None:
        return f"{reason.code}: {params}"
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return f"{reason.code}: {params}"
