"""A HubSpot tickets export (CRM → Tickets → Export), written by code (never real customer data).

Headers are the labels of HubSpot's default ticket properties ("Ticket ID", "Ticket name", "Pipeline",
"Ticket status", "Create date", "Close date", "Source", "Priority", "Ticket owner", "Time to first agent
reply", "Time to close" …). An export from a portal whose user language is German, Spanish, French or
Portuguese carries the translated labels (``lang``).

Traps written on purpose:
- ``Time to first agent reply`` / ``Time to close`` are durations: raw milliseconds (``5400000``) or, when
  the export formats them, ``HH:MM:SS`` with hours past 24 (``49:30:00``) — ``durations="ms"|"hms"``;
- ``Create date`` / ``Close date`` are naive, in the portal's time zone, ``YYYY-MM-DD HH:MM`` (English) or
  ``DD.MM.YYYY HH:MM`` (German) / ``DD/MM/YYYY HH:MM`` (Spanish, French, Portuguese);
- ``Ticket status`` is the pipeline stage label (New, Waiting on contact, Waiting on us, Closed);
- open tickets have no close date and no time to close; a ticket closed without an email reply has no
  time to first agent reply.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

from tests.tickets.exports import as_rows, write_csv

COLUMNS: tuple[str, ...] = (
    "Ticket ID", "Ticket name", "Ticket description", "Pipeline", "Ticket status", "Create date", "Close date",
    "Last activity date", "Ticket owner", "HubSpot team", "Priority", "Source", "Category",
    "Time to first agent reply", "Time to close", "Associated Contact", "Associated Company",
)
# The property labels in HubSpot's translated UIs (from HubSpot's own localised knowledge-base pages on
# the default ticket properties where they name them; the rest are the UI's usual wording).
TRANSLATED: dict[str, dict[str, str]] = {
    "de": {"Ticket ID": "Ticket-ID", "Ticket name": "Ticketname", "Ticket description": "Ticketbeschreibung",
           "Pipeline": "Pipeline", "Ticket status": "Ticketstatus", "Create date": "Erstellungsdatum",
           "Close date": "Datum des Schließens", "Last activity date": "Datum der letzten Aktivität",
           "Ticket owner": "Ticketinhaber", "HubSpot team": "HubSpot-Team", "Priority": "Priorität",
           "Source": "Quelle", "Category": "Kategorie",
           "Time to first agent reply": "Zeit bis zur ersten Antwort des Agenten",
           "Time to close": "Zeit bis zum Schließen", "Associated Contact": "Zugeordneter Kontakt",
           "Associated Company": "Zugeordnetes Unternehmen"},
    "es": {"Ticket ID": "ID del ticket", "Ticket name": "Nombre del ticket",
           "Ticket description": "Descripción del ticket", "Pipeline": "Pipeline",
           "Ticket status": "Estado del ticket", "Create date": "Fecha de creación", "Close date": "Fecha de cierre",
           "Last activity date": "Fecha de la última actividad", "Ticket owner": "Propietario del ticket",
           "HubSpot team": "Equipo de HubSpot", "Priority": "Prioridad", "Source": "Origen",
           "Category": "Categoría", "Time to first agent reply": "Tiempo hasta la primera respuesta del agente",
           "Time to close": "Tiempo para cerrar", "Associated Contact": "Contacto asociado",
           "Associated Company": "Empresa asociada"},
    "fr": {"Ticket ID": "ID du ticket", "Ticket name": "Nom du ticket",
           "Ticket description": "Description du ticket", "Pipeline": "Pipeline",
           "Ticket status": "Statut du ticket", "Create date": "Date de création",
           "Close date": "Date de fermeture", "Last activity date": "Date de dernière activité",
           "Ticket owner": "Propriétaire du ticket", "HubSpot team": "Équipe HubSpot", "Priority": "Priorité",
           "Source": "Source", "Category": "Catégorie",
           "Time to first agent reply": "Délai de première réponse de l'agent",
           "Time to close": "Délai de fermeture", "Associated Contact": "Contact associé",
           "Associated Company": "Entreprise associée"},
    "pt": {"Ticket ID": "ID do ticket", "Ticket name": "Nome do ticket",
           "Ticket description": "Descrição do ticket", "Pipeline": "Pipeline",
           "Ticket status": "Status do ticket", "Create date": "Data de criação",
           "Close date": "Data de fechamento", "Last activity date": "Data da última atividade",
           "Ticket owner": "Proprietário do ticket", "HubSpot team": "Equipe da HubSpot", "Priority": "Prioridade",
           "Source": "Origem", "Category": "Categoria",
           "Time to first agent reply": "Tempo para a primeira resposta do agente",
           "Time to close": "Tempo para fechar", "Associated Contact": "Contato associado",
           "Associated Company": "Empresa associada"},
}
DATE_FORMAT = {"en": "%Y-%m-%d %H:%M", "de": "%d.%m.%Y %H:%M", "es": "%d/%m/%Y %H:%M", "fr": "%d/%m/%Y %H:%M",
               "pt": "%d/%m/%Y %H:%M"}
T0 = datetime(2024, 3, 1, 7, 0)


def header(lang: str = "en") -> list[str]:
    """The export's header in ``lang``."""
    names = TRANSLATED.get(lang, {})
    return [names.get(c, c) for c in COLUMNS]


def duration(seconds: int | None, durations: str) -> str:
    """Seconds as the export writes them: milliseconds, or ``HH:MM:SS`` with hours past 24."""
    if seconds is None:
        return ""
    if durations == "ms":
        return str(seconds * 1000)
    h, rest = divmod(seconds, 3600)
    return f"{h:02d}:{rest // 60:02d}:{rest % 60:02d}"


def rows(n: int = 120, seed: int = 14, lang: str = "en", durations: str = "ms") -> list[dict[str, str]]:
    """``n`` tickets keyed by the English labels (see :func:`write` for the file)."""
    rnd = random.Random(seed)
    fmt = DATE_FORMAT[lang]
    out = []
    for i in range(n):
        created = T0 + timedelta(minutes=53 * i)
        status = rnd.choice(("Closed", "Closed", "Closed", "New", "Waiting on contact", "Waiting on us"))
        first = rnd.randint(120, 3 * 86_400) if rnd.random() > 0.15 else None
        close = rnd.randint(3_600, 9 * 86_400) if status == "Closed" else None
        if first and close and first > close:
            first = close
        out.append({
            "Ticket ID": str(1_500_000_000 + 31 * i), "Ticket name": f"Invoice {i} is wrong",
            "Ticket description": "Line 2 was charged twice", "Pipeline": "Support Pipeline",
            "Ticket status": status, "Create date": created.strftime(fmt),
            "Close date": (created + timedelta(seconds=close)).strftime(fmt) if close else "",
            "Last activity date": (created + timedelta(hours=2)).strftime(fmt),
            "Ticket owner": rnd.choice(("Lena Vogel", "Tomás Ruiz", "")),
            "HubSpot team": rnd.choice(("Tier 1", "Tier 2")),
            "Priority": rnd.choice(("Low", "Medium", "High", "Urgent")),
            "Source": rnd.choice(("Email", "Email", "Chat", "Form", "Phone")),
            "Category": rnd.choice(("Billing issue", "Product issue", "")),
            "Time to first agent reply": duration(first, durations), "Time to close": duration(close, durations),
            "Associated Contact": f"Contact {i} (contact{i}@example.com)", "Associated Company": "Example GmbH",
        })
    return out


def write(path: Path, n: int = 120, seed: int = 14, lang: str = "en", durations: str = "ms") -> list[dict[str, str]]:
    """Write the export (headers in ``lang``) and return its rows keyed by the English labels."""
    data = rows(n, seed, lang, durations)
    write_csv(path, header(lang), as_rows(COLUMNS, data), encoding="utf-8-sig" if lang != "en" else "utf-8")
    return data
