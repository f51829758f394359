"""Exports from the help desks' Spanish, German, French and Portuguese UIs map without a saved profile:
a Spanish-UI Jira Service Management export through the real importer, and each big layout's headers in
each language recognised and mapped as their English names."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from journeys.tickets.column_mapping import propose_mapping
from tests.tickets.samples import jira
from tests.tickets.samples.figures import figures, imported, per_ticket


def parse_es(value: str) -> datetime | None:
    """The test's own reading of ``23/sep/26 10:12 am`` (Spanish month names)."""
    if not value:
        return None
    day, month, rest = value.split("/", 2)
    english = datetime(2000, jira.MONTHS_ES.index(month) + 1, 1).strftime("%b")
    return datetime.strptime(f"{day}/{english}/{rest.upper()}", "%d/%b/%y %I:%M %p")


def test_spanish_jsm_export_maps_and_gives_its_figures(tmp_path):
    path = tmp_path / "jira_es.csv"
    issues = jira.write(path, n=160, seed=9, spanish=True)
    report, got = imported(path, tmp_path)
    assert report.layout == "jira" and report.rows_kept == 160 and report.rows_rejected == 0
    assert not report.coerced
    created = [parse_es(str(i["Created"])) for i in issues]
    resolved = [parse_es(str(i["Resolved"])) for i in issues]
    want = pd.DataFrame({
        "ticket_id": [i["Issue key"] for i in issues], "status": [i["Status"] for i in issues], "channel": None,
        "first_response_minutes": float("nan"),
        "resolution_minutes": [(r - c).total_seconds() / 60 if r else float("nan")
                               for c, r in zip(created, resolved, strict=True)],
        "csat": [float(i["Custom field (Satisfaction)"]) if i["Custom field (Satisfaction)"] else float("nan")
                 for i in issues]})
    assert figures(got) == figures(want)
    assert per_ticket(got, "resolution_minutes") == per_ticket(want, "resolution_minutes")
    assert got["created_at"].min().year == 2025 and got["subject"].notna().all()
    assert {"billing", "portal"} <= {t for tags in got["tags"] for t in tags}  # Etiquetas + Componentes
    assert set(got["category"]) == {"Get IT help", "Request a refund", "Report a bug"}


# (layout, headers in one UI language, canonical fields that must be filled from them)
CASES = [
    ("jira", "de", ["Vorgangsschlüssel", "Zusammenfassung", "Status", "Erstellt", "Erledigt", "Priorität"],
     {"ticket_id": "Vorgangsschlüssel", "created_at": "Erstellt", "resolution_minutes": "Erledigt"}),
    ("jira", "fr", ["Clé de ticket", "Résumé", "Statut", "Création", "Résolu", "Type de ticket"],
     {"ticket_id": "Clé de ticket", "subject": "Résumé", "status": "Statut", "category": "Type de ticket"}),
    ("jira", "pt", ["Chave do item", "Resumo", "Status", "Criado", "Resolvido", "Relator"],
     {"ticket_id": "Chave do item", "customer_id": "Relator", "resolution_minutes": "Resolvido"}),
    ("servicenow", "es", ["Número", "Abierto", "Estado del incidente", "Grupo de asignación", "Tipo de contacto",
                          "Duración", "Número de reasignaciones", "Número de reaperturas"],
     {"ticket_id": "Número", "created_at": "Abierto", "status": "Estado del incidente",
      "resolution_minutes": "Duración", "escalated": "Número de reasignaciones"}),
    ("servicenow", "de", ["Nummer", "Eröffnet", "Störungsstatus", "Zuweisungsgruppe", "Kurzbeschreibung", "Dauer"],
     {"ticket_id": "Nummer", "group": "Zuweisungsgruppe", "subject": "Kurzbeschreibung"}),
    ("servicenow", "pt", ["Número", "Aberto", "Estado do incidente", "Grupo de atribuição", "Chamador",
                          "Contagem de reaberturas"],
     {"created_at": "Aberto", "customer_id": "Chamador", "reopens": "Contagem de reaberturas"}),
    ("freshdesk", "fr", ["ID du ticket", "Sujet", "Statut", "Heure de création", "Heure de résolution",
                         "Heure de réponse initiale", "Résultats de l'enquête", "Interactions de l'agent"],
     {"ticket_id": "ID du ticket", "created_at": "Heure de création", "csat": "Résultats de l'enquête",
      "first_response_minutes": "Heure de réponse initiale"}),
    ("freshdesk", "es", ["ID del ticket", "Asunto", "Estado", "Hora de creación", "Hora de resolución",
                         "Tiempo de primera respuesta (en horas)", "Resultados de la encuesta"],
     {"ticket_id": "ID del ticket", "first_response_minutes": "Tiempo de primera respuesta (en horas)"}),
    ("zendesk", "de", ["ID", "Betreff", "Status", "Erstellt am", "Gelöst am", "Zufriedenheitsbewertung",
                       "Gruppenstationen", "Erste Antwortzeit in Minuten"],
     {"created_at": "Erstellt am", "csat": "Zufriedenheitsbewertung", "escalated": "Gruppenstationen",
      "first_response_minutes": "Erste Antwortzeit in Minuten"}),
    ("zendesk", "pt", ["ID", "Assunto", "Status", "Criado em", "Resolvido em", "Pontuação de satisfação",
                       "Reaberturas", "Estações de grupo"],
     {"created_at": "Criado em", "reopens": "Reaberturas", "csat": "Pontuação de satisfação"}),
]


@pytest.mark.parametrize("layout,lang,headers,wanted", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_localised_headers_are_recognised_and_mapped(layout, lang, headers, wanted):
    m = propose_mapping(headers)
    assert m.layout == layout
    for field, source in wanted.items():
        assert m.field(field).source == source, (field, m.field(field).describe())
