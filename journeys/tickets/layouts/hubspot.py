"""HubSpot: CRM → Tickets → Export (CSV / XLSX), headers = the labels of HubSpot's ticket properties.

Export layout: ``Ticket ID, Ticket name, Ticket description, Pipeline, Ticket status, Create date, Close
date, Last activity date, Ticket owner, HubSpot team, Priority, Source, Category, Time to first agent
reply, Time to close, Associated Contact, Associated Company`` plus custom properties by label. A portal
user whose language is German, Spanish, French or Portuguese exports the translated labels
(:data:`LOCALISED`): HubSpot's own translated pages on the default ticket properties confirm
``Erstellungsdatum`` / ``Datum des Schließens`` (de) and ``Data de criação`` / ``Data de fechamento``
(pt); the rest are the UI's usual wording, not confirmed against a real translated export.

Traps:
- ``Time to first agent reply`` / ``Time to close`` are durations: raw **milliseconds** in an unformatted
  export (``5400000``), ``HH:MM:SS`` with hours past 24 in a formatted one — decided from the first rows;
  the close date fills a missing duration;
- ``Create date`` / ``Close date`` are naive, in the **portal's time zone** (set ``--timezone``), and
  day-first in European UIs (``04.03.2024 09:00``, ``04/03/2024 09:00``);
- ``Ticket status`` is the pipeline stage label (New, Waiting on contact, Waiting on us, Closed); the API's
  ``hs_pipeline_stage`` holds stage *ids* instead (``1``, ``4``): label them with a profile;
- ``Time to first agent reply`` only counts email replies from the inbox/ticket: a ticket answered by
  phone or chat has none;
- HubSpot's ticket export has no satisfaction score (feedback surveys are a separate object) and no
  bot/human flag: csat and handled_by stay empty;
- ``Ticket ID`` is also Freshdesk's header: the HubSpot-only labels decide.
"""

from __future__ import annotations

import pyarrow as pa

from journeys.tickets.layouts.base import Layout, candidate, sample_values, weights
from journeys.tickets.layouts.localised import table

LOCALISED = table({
    "ticket id": ("ticket-id", "id del ticket", "id du ticket", "id do ticket"),
    "ticket name": ("ticketname", "nombre del ticket", "nom du ticket", "nome do ticket"),
    "ticket description": ("ticketbeschreibung", "descripción del ticket", "description du ticket",
                           "descrição do ticket"),
    "ticket status": ("ticketstatus", "estado del ticket", "statut du ticket", "status do ticket"),
    "create date": ("erstellungsdatum", "fecha de creación", "date de création", "data de criação"),
    "close date": ("datum des schließens", "fecha de cierre", "date de fermeture", "data de fechamento"),
    "last activity date": ("datum der letzten aktivität", "fecha de la última actividad",
                           "date de dernière activité", "data da última atividade"),
    "ticket owner": ("ticketinhaber", "propietario del ticket", "propriétaire du ticket", "proprietário do ticket"),
    "hubspot team": ("hubspot-team", "equipo de hubspot", "équipe hubspot", "equipe da hubspot"),
    "priority": ("priorität", "prioridad", "priorité", "prioridade"),
    "source": ("quelle", "origen", "origem"),
    "category": ("kategorie", "categoría", "catégorie", "categoria"),
    "time to first agent reply": ("zeit bis zur ersten antwort des agenten",
                                  "tiempo hasta la primera respuesta del agente",
                                  "délai de première réponse de l'agent", "tempo para a primeira resposta do agente"),
    "time to close": ("zeit bis zum schließen", "tiempo para cerrar", "délai de fermeture", "tempo para fechar"),
    "associated contact": ("zugeordneter kontakt", "contacto asociado", "contact associé", "contato associado"),
    "associated company": ("zugeordnetes unternehmen", "empresa asociada", "entreprise associée"),
})


def _refine(columns: list[str], sources: dict[str, str], used: set[str],
            sample: pa.Table | None) -> dict[str, tuple[str, str]]:
    """Durations written as ``HH:MM:SS`` (a formatted export) instead of milliseconds."""
    out: dict[str, tuple[str, str]] = {}
    for name in ("first_response_minutes", "resolution_minutes"):
        src = sources.get(name)
        if src and any(":" in v for v in sample_values(sample, src)):
            out[name] = (src, "hhmmss_to_minutes")
    return out


LAYOUT = Layout(
    name="hubspot",
    title="HubSpot",
    fields={
        "ticket_id": [candidate("ticket id", "hs object id", "record id")],
        "created_at": [candidate("create date", "createdate")],
        "channel": [candidate("source", "source type")],
        "subject": [candidate("ticket name", "subject")],
        "category": [candidate("category", "hs ticket category")],
        "status": [candidate("ticket status")],
        "customer_id": [candidate("associated contact")],
        "first_response_minutes": [candidate("time to first agent reply", t="millis_to_minutes")],
        "resolution_minutes": [candidate("time to close", t="millis_to_minutes"),
                               candidate("close date", "closed date", t="diff_minutes:{created}", kind="fallback")],
        "group": [candidate("hubspot team")],
        "priority": [candidate("priority", "hs ticket priority")],
    },
    signature=weights(
        strong=("time to first agent reply", "time to close", "create date", "close date", "ticket status",
                "ticket name", "pipeline", "hs pipeline", "hs pipeline stage", "hubspot team", "ticket description",
                "last activity date", "associated contact", "associated company", "hs ticket priority",
                "hs ticket category", "source type", "hs object id", "createdate"),
        weak=("ticket id", "ticket owner", "priority", "source", "category", "subject", "content", "record id")),
    refine=_refine,
    localised=LOCALISED,
)
