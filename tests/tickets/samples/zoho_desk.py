"""A Zoho Desk tickets export (Setup → Data Administration → Export → Tickets), written by code.

One row per ticket with Zoho Desk's field labels: ``Ticket Id`` (the long internal record id), ``Request
Id`` (the ticket number agents and reports show), ``Subject``, ``Department``, ``Channel``, ``Status``,
``Priority``, ``Created Time``, ``Closed Time``, ``Happiness Rating`` … plus the ticket metrics
(``First Response Time``, ``Resolution Time``, ``Response Count``, ``Reopen Count``) as the tickets
metrics API names them. With ``lang`` the labels are those of a Spanish / German / French / Portuguese UI.

Traps written on purpose:
- ``Ticket Id`` is an 18-digit record id (kept as text, not an integer); ``Request Id`` is the number;
- times follow the user's date format ``dd MMM yyyy hh:mm a`` (``04 Mar 2024 09:05 PM``), naive, in the
  portal's time zone;
- ``First Response Time`` / ``Resolution Time`` are ``HH:MM hrs`` strings (``27:05 hrs``), empty when the
  event never happened;
- ``Happiness Rating`` is Zoho's three-point scale ``Good`` / ``Okay`` / ``Bad`` (5 / 3 / 1), empty when unrated;
- ``Escalated`` is a status *and* ``Is Escalated`` a flag; tags are comma-separated.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

from tests.tickets.exports import as_rows, write_csv

COLUMNS: tuple[str, ...] = (
    "Ticket Id", "Request Id", "Subject", "Department", "Channel", "Status", "Priority", "Classification",
    "Category", "Ticket Owner", "Team", "Contact Name", "Email", "Account Name", "Created Time",
    "Modified Time", "Closed Time", "Due Date", "First Response Time", "Resolution Time", "Response Count",
    "Reopen Count", "Happiness Rating", "Tags", "Is Escalated", "Is Overdue",
)
# Field labels of Zoho Desk's translated UIs (not confirmed against a translated export: Zoho's help
# pages name the English labels only).
TRANSLATED: dict[str, dict[str, str]] = {
    "es": {"Ticket Id": "Id. de ticket", "Request Id": "Id. de solicitud", "Subject": "Asunto",
           "Department": "Departamento", "Channel": "Canal", "Status": "Estado", "Priority": "Prioridad",
           "Classification": "Clasificación", "Category": "Categoría", "Ticket Owner": "Propietario del ticket",
           "Team": "Equipo", "Contact Name": "Nombre de contacto", "Email": "Correo electrónico",
           "Account Name": "Nombre de cuenta", "Created Time": "Hora de creación",
           "Modified Time": "Hora de modificación", "Closed Time": "Hora de cierre",
           "Due Date": "Fecha de vencimiento", "First Response Time": "Tiempo de primera respuesta",
           "Resolution Time": "Tiempo de resolución", "Happiness Rating": "Calificación de satisfacción",
           "Tags": "Etiquetas"},
    "de": {"Ticket Id": "Ticket-ID", "Request Id": "Anfrage-ID", "Subject": "Betreff", "Department": "Abteilung",
           "Channel": "Kanal", "Status": "Status", "Priority": "Priorität", "Classification": "Klassifizierung",
           "Category": "Kategorie", "Ticket Owner": "Ticketbesitzer", "Team": "Team",
           "Contact Name": "Kontaktname", "Email": "E-Mail", "Account Name": "Kontoname",
           "Created Time": "Erstellungszeit", "Modified Time": "Änderungszeit", "Closed Time": "Schließzeit",
           "Due Date": "Fälligkeitsdatum", "First Response Time": "Erste Antwortzeit",
           "Resolution Time": "Lösungszeit", "Happiness Rating": "Zufriedenheitsbewertung", "Tags": "Tags"},
    "fr": {"Ticket Id": "ID du ticket", "Request Id": "ID de la demande", "Subject": "Objet",
           "Department": "Département", "Channel": "Canal", "Status": "Statut", "Priority": "Priorité",
           "Classification": "Classification", "Category": "Catégorie", "Ticket Owner": "Propriétaire du ticket",
           "Team": "Équipe", "Contact Name": "Nom du contact", "Email": "E-mail", "Account Name": "Nom du compte",
           "Created Time": "Heure de création", "Modified Time": "Heure de modification",
           "Closed Time": "Heure de fermeture", "Due Date": "Date d'échéance",
           "First Response Time": "Temps de première réponse", "Resolution Time": "Temps de résolution",
           "Happiness Rating": "Évaluation de la satisfaction", "Tags": "Balises"},
    "pt": {"Ticket Id": "ID do ticket", "Request Id": "ID da solicitação", "Subject": "Assunto",
           "Department": "Departamento", "Channel": "Canal", "Status": "Status", "Priority": "Prioridade",
           "Classification": "Classificação", "Category": "Categoria", "Ticket Owner": "Proprietário do ticket",
           "Team": "Equipe", "Contact Name": "Nome do contato", "Email": "E-mail", "Account Name": "Nome da conta",
           "Created Time": "Hora de criação", "Modified Time": "Hora de modificação",
           "Closed Time": "Hora de fechamento", "Due Date": "Data de vencimento",
           "First Response Time": "Tempo da primeira resposta", "Resolution Time": "Tempo de resolução",
           "Happiness Rating": "Avaliação de satisfação", "Tags": "Tags"},
}
T0 = datetime(2024, 3, 4, 8, 0)
FMT = "%d %b %Y %I:%M %p"


def header(lang: str = "en") -> list[str]:
    names = TRANSLATED.get(lang, {})
    return [names.get(c, c) for c in COLUMNS]


def _hrs(minutes: int | None) -> str:
    return "" if minutes is None else f"{minutes // 60:02d}:{minutes % 60:02d} hrs"


def rows(n: int = 120, seed: int = 14) -> list[dict[str, str]]:
    """``n`` tickets keyed by the English labels."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        created = T0 + timedelta(minutes=47 * i)
        status = rnd.choice(("Closed", "Closed", "Closed", "Open", "On Hold", "Escalated"))
        first = rnd.randint(2, 2_000) if rnd.random() > 0.1 else None
        resolution = rnd.randint(30, 8_000) if status == "Closed" else None
        if first and resolution and first > resolution:
            first = resolution
        out.append({
            "Ticket Id": str(412_000_000_000_000_000 + 1_000_003 * i), "Request Id": str(1001 + i),
            "Subject": f"Refund for order {7000 + i}", "Department": rnd.choice(("Support", "Sales")),
            "Channel": rnd.choice(("Email", "Email", "Phone", "Web", "Chat", "Twitter")), "Status": status,
            "Priority": rnd.choice(("High", "Medium", "Low", "-None-")),
            "Classification": rnd.choice(("Problem", "Question", "Request")), "Category": "",
            "Ticket Owner": rnd.choice(("Priya Nair", "Jonas Berg")), "Team": "",
            "Contact Name": f"Contact {i}", "Email": f"contact{i}@example.com", "Account Name": "Example SA",
            "Created Time": created.strftime(FMT), "Modified Time": (created + timedelta(days=1)).strftime(FMT),
            "Closed Time": (created + timedelta(minutes=resolution)).strftime(FMT) if resolution else "",
            "Due Date": (created + timedelta(days=2)).strftime(FMT), "First Response Time": _hrs(first),
            "Resolution Time": _hrs(resolution), "Response Count": str(rnd.randint(1, 5)),
            "Reopen Count": str(rnd.choice((0, 0, 0, 1, 2))),
            "Happiness Rating": rnd.choice(("Good", "Good", "Okay", "Bad", "", "")) if resolution else "",
            "Tags": rnd.choice(("refund, priority", "", "vip")), "Is Escalated": str(status == "Escalated").lower(),
            "Is Overdue": rnd.choice(("true", "false")),
        })
    return out


def write(path: Path, n: int = 120, seed: int = 14, lang: str = "en") -> list[dict[str, str]]:
    """Write the export (labels in ``lang``) and return its rows keyed by the English labels."""
    data = rows(n, seed)
    write_csv(path, header(lang), as_rows(COLUMNS, data))
    return data


def write_api(path: Path, n: int = 120, seed: int = 14) -> list[dict[str, str]]:
    """The same tickets as ``GET /api/v1/tickets`` lists them (``{"data": [...]}``: ``ticketNumber``,
    ``createdTime`` / ``closedTime`` as ISO 8601 UTC with milliseconds, ``channel``, ``status``,
    ``isEscalated``); returns the CSV-shaped rows for the expected figures (the list has no metrics)."""
    data = rows(n, seed)

    def iso(text: str) -> str | None:
        return datetime.strptime(text, FMT).strftime("%Y-%m-%dT%H:%M:%S.000Z") if text else None

    path.write_text(json.dumps({"data": [{
        "id": r["Ticket Id"], "ticketNumber": r["Request Id"], "subject": r["Subject"], "channel": r["Channel"],
        "status": r["Status"], "statusType": "Closed" if r["Status"] == "Closed" else "Open",
        "createdTime": iso(r["Created Time"]), "closedTime": iso(r["Closed Time"]),
        "isEscalated": r["Is Escalated"] == "true", "email": r["Email"], "departmentId": "4000000007043"}
        for r in data]}), encoding="utf-8")
    return data
