"""Zoho Desk: Setup → Data Administration → Export → Tickets (CSV), and the REST ticket shape.

Export layout: one row per ticket with the field labels — ``Ticket Id, Request Id, Subject, Department,
Channel, Status, Priority, Classification, Category, Ticket Owner, Team, Contact Name, Email, Account
Name, Created Time, Modified Time, Closed Time, Due Date, Happiness Rating, Tags, Is Escalated, Is
Overdue`` plus the ticket metrics as the metrics API names them (``First Response Time``,
``Resolution Time``, ``Response Count``, ``Reopen Count``). API fields: ``ticketNumber, createdTime,
closedTime, channel, status, statusType, departmentId, isEscalated, isOverDue, threadCount``. A user whose
UI is Spanish / German / French / Portuguese exports translated labels (:data:`LOCALISED`): the UI's
wording, **not confirmed** against a real translated export (Zoho's help names the English ones only).

Traps:
- ``Ticket Id`` is the 18-digit record id; ``Request Id`` (the API's ``ticketNumber``) is the number
  agents and Zoho's reports show, so it is the ticket id (the record id is kept as an extra, as text);
- times follow the *user's* date format, e.g. ``dd MMM yyyy hh:mm a`` (``04 Mar 2024 09:05 PM``), naive,
  in the portal's time zone (set ``--timezone``);
- ``First Response Time`` / ``Resolution Time`` are ``HH:MM hrs`` strings (``27:05 hrs``); an empty
  resolution falls back to ``Closed Time − Created Time``;
- ``Happiness Rating`` is a three-point scale: Good / Okay / Bad → 5 / 3 / 1 (empty: not rated);
- ``Escalated`` is a status *and* ``Is Escalated`` a flag (the flag fills escalated);
- ``Priority`` may read ``-None-`` (kept as written); ``Classification`` fills the category when the
  department has no ``Category`` value;
- ``Ticket Id`` / ``Created Time`` / ``Closed Time`` are Freshdesk headers too: Zoho-only labels and
  pairs (record id *and* request number, created *and* modified time) decide.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from journeys.tickets.layouts.base import Layout, candidate, weights
from journeys.tickets.layouts.localised import table

LOCALISED = table({
    "ticket id": ("id. de ticket", "ticket-id", "id du ticket", "id do ticket"),
    "request id": ("id. de solicitud", "anfrage-id", "id de la demande", "id da solicitação"),
    "subject": ("asunto", "betreff", "objet", "assunto"),
    "department": ("departamento", "abteilung", "département"),
    "channel": ("canal", "kanal"),
    "status": ("estado", "statut"),
    "priority": ("prioridad", "priorität", "priorité", "prioridade"),
    "classification": ("clasificación", "klassifizierung", "classificação"),
    "category": ("categoría", "kategorie", "catégorie", "categoria"),
    "ticket owner": ("propietario del ticket", "ticketbesitzer", "propriétaire du ticket", "proprietário do ticket"),
    "team": ("equipo", "équipe", "equipe"),
    "contact name": ("nombre de contacto", "kontaktname", "nom du contact", "nome do contato"),
    "email": ("correo electrónico", "e-mail"),
    "account name": ("nombre de cuenta", "kontoname", "nom du compte", "nome da conta"),
    "created time": ("hora de creación", "erstellungszeit", "heure de création", "hora de criação"),
    "modified time": ("hora de modificación", "änderungszeit", "heure de modification", "hora de modificação"),
    "closed time": ("hora de cierre", "schließzeit", "heure de fermeture", "hora de fechamento"),
    "due date": ("fecha de vencimiento", "fälligkeitsdatum", "date d'échéance", "data de vencimento"),
    "first response time": ("tiempo de primera respuesta", "erste antwortzeit", "temps de première réponse",
                            "tempo da primeira resposta"),
    "resolution time": ("tiempo de resolución", "lösungszeit", "temps de résolution", "tempo de resolução"),
    "happiness rating": ("calificación de satisfacción", "zufriedenheitsbewertung", "évaluation de la satisfaction",
                         "avaliação de satisfação"),
    "tags": ("etiquetas", "balises"),
})
_PAIRS = (("ticket id", "request id"), ("created time", "modified time"))


def _bonus(columns: Sequence[str]) -> int:
    """Pairs only Zoho Desk writes together (Freshdesk shares "Ticket ID" / "Created time" but writes
    neither partner), each worth one more strong header."""
    normed = {LOCALISED.get(h, h) for h in (re.sub(r"[\s_]+", " ", c.strip().lower()) for c in columns)}
    return sum(1 for pair in _PAIRS if set(pair) <= normed)


LAYOUT = Layout(
    name="zoho_desk",
    title="Zoho Desk",
    fields={
        "ticket_id": [candidate("request id", "ticketnumber", "ticket number"),
                      candidate("ticket id", "id", kind="alt")],
        "created_at": [candidate("created time", "createdtime")],
        "channel": [candidate("channel")],
        "subject": [candidate("subject")],
        "tags": [candidate("tags", t="split_tags_comma")],
        "category": [candidate("category"), candidate("classification", kind="fallback")],
        "status": [candidate("status")],
        "customer_id": [candidate("email", "contactid", "contact id"), candidate("contact name", kind="alt")],
        "csat": [candidate("happiness rating", t="csat")],
        "first_response_minutes": [candidate("first response time", "firstresponsetime", t="hhmmss_to_minutes")],
        "resolution_minutes": [candidate("resolution time", "resolutiontime", t="hhmmss_to_minutes"),
                               candidate("closed time", "closedtime", t="diff_minutes:{created}", kind="fallback")],
        "reopens": [candidate("reopen count", "reopencount", t="int")],
        "escalated": [candidate("is escalated", "isescalated", t="bool")],
        "agent_replies": [candidate("response count", "responsecount", t="int")],
        "group": [candidate("department"), candidate("team", kind="alt")],
        "priority": [candidate("priority")],
    },
    signature=weights(
        strong=("request id", "ticketnumber", "department", "modified time", "modifiedtime", "createdtime",
                "closedtime", "classification", "account name", "contact name", "is overdue", "isoverdue",
                "response count", "reopen count", "departmentid", "statustype", "threadcount"),
        weak=("ticket id", "created time", "closed time", "happiness rating", "channel", "status", "subject",
              "priority", "category", "tags", "email", "is escalated", "first response time", "resolution time",
              "team", "due date", "ticket owner")),
    bonus=_bonus,
    localised=LOCALISED,
)
