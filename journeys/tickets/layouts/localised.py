"""Export headers in the help desks' Spanish, German, French and Portuguese UIs, onto their English names.

Each table maps an English header (normalised, as the vendor module's candidates name it) to the
headers the same export carries when the exporting user's UI language is es / de / fr / pt. A layout
reads a localised header exactly as its English one (``columns.propose_mapping``), so a Spanish-UI
Jira Service Management export maps without a saved profile.

Where these come from:
- *Seen in real exports* (public repositories that parse them; not vendor documentation): Jira in Spanish
  — ``Clave de incidencia``, ``ID de la incidencia``, ``Resumen``, ``Estado``, ``Creada``,
  ``Actualizada``, ``Persona asignada``, ``Tipo de Incidencia``, ``Prioridad``, ``Descripción`` — and
  its dates ``23/sep/26 10:12 am``; Jira in German — ``Vorgangsschlüssel``.
- *Best effort* (the vendors' UI translations as we know them, not confirmed from their documentation):
  everything else here. A header we do not know still maps by hand and is saved with the profile.
"""

from __future__ import annotations


def table(rows: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """``{english: (localised, …)}`` → ``{localised (lower case): english}``."""
    return {loc.lower(): en for en, locs in rows.items() for loc in locs}


JIRA = table({
    "issue key": ("clave de incidencia", "clave", "vorgangsschlüssel", "schlüssel", "clé de ticket",
                  "clé du ticket", "clé", "chave do item", "chave da issue", "chave"),
    "issue id": ("id de la incidencia", "vorgangs-id", "id du ticket", "id do item", "id da issue"),
    "summary": ("resumen", "zusammenfassung", "résumé", "resumo"),
    "status": ("estado", "status", "statut", "situação"),
    "created": ("creada", "creado", "erstellt", "création", "créé", "criado", "criada"),
    "updated": ("actualizada", "actualizado", "aktualisiert", "mise à jour", "mis à jour", "atualizado",
                "atualizada"),
    "resolved": ("resuelta", "resuelto", "fecha de resolución", "erledigt", "gelöst", "résolu", "résolue",
                 "resolvido", "resolvida"),
    "resolution": ("resolución", "lösung", "résolution", "resolução"),
    "priority": ("prioridad", "priorität", "priorité", "prioridade"),
    "issue type": ("tipo de incidencia", "vorgangstyp", "type de ticket", "tipo de item", "tipo de issue"),
    "assignee": ("persona asignada", "responsable", "bearbeiter", "responsable du ticket", "responsável"),
    "reporter": ("informador", "reporter", "autor", "rapporteur", "relator"),
    "creator": ("creador", "ersteller", "créateur", "criador"),
    "labels": ("etiquetas", "stichwörter", "etiketten", "étiquettes", "etiquettes", "rótulos"),
    "component/s": ("componentes", "komponenten", "composants"),
    "description": ("descripción", "beschreibung", "descrição"),
    "due date": ("fecha de vencimiento", "fälligkeitsdatum", "date d'échéance", "data limite"),
    "project key": ("clave de proyecto", "projektschlüssel", "clé de projet", "chave do projeto"),
    "project name": ("nombre del proyecto", "projektname", "nom du projet", "nome do projeto"),
    "custom field (request type)": ("campo personalizado (tipo de solicitud)", "benutzerdefiniertes feld (anfragetyp)",
                                    "champ personnalisé (type de demande)",
                                    "campo personalizado (tipo de solicitação)"),
    "request type": ("tipo de solicitud", "anfragetyp", "type de demande", "tipo de solicitação"),
    "custom field (satisfaction)": ("campo personalizado (satisfacción)", "benutzerdefiniertes feld (zufriedenheit)",
                                    "champ personnalisé (satisfaction)", "campo personalizado (satisfação)"),
    "satisfaction rating": ("valoración de satisfacción", "calificación de satisfacción", "zufriedenheitsbewertung",
                            "note de satisfaction", "avaliação de satisfação"),
    "time to first response": ("tiempo hasta la primera respuesta", "zeit bis zur ersten antwort",
                               "délai de première réponse", "tempo até a primeira resposta"),
    "time to resolution": ("tiempo de resolución", "tiempo hasta la resolución", "zeit bis zur lösung",
                           "délai de résolution", "tempo até a resolução"),
    "status category": ("categoría de estado", "statuskategorie", "catégorie de statut", "categoria de status"),
})

SERVICENOW = table({
    "number": ("número", "nummer", "numéro"),
    "opened": ("abierto", "eröffnet", "geöffnet", "ouvert", "aberto"),
    "opened at": ("abierto el", "geöffnet am", "ouvert le", "aberto em"),
    "resolved": ("resuelto", "gelöst", "résolu", "resolvido"),
    "closed": ("cerrado", "geschlossen", "fermé", "fechado"),
    "state": ("estado", "status", "état", "estado"),
    "incident state": ("estado del incidente", "störungsstatus", "incident-status", "état de l'incident",
                       "estado do incidente"),
    "short description": ("descripción breve", "kurzbeschreibung", "description courte", "descrição resumida"),
    "contact type": ("tipo de contacto", "kontakttyp", "type de contact", "tipo de contato"),
    "channel": ("canal", "kanal"),
    "assignment group": ("grupo de asignación", "zuweisungsgruppe", "groupe d'affectation", "grupo de atribuição"),
    "caller": ("autor de la llamada", "llamador", "anrufer", "appelant", "chamador"),
    "reassignment count": ("número de reasignaciones", "anzahl neuzuweisungen", "nombre de réaffectations",
                           "contagem de reatribuições"),
    "reopen count": ("número de reaperturas", "anzahl wiedereröffnungen", "nombre de réouvertures",
                     "contagem de reaberturas"),
    "duration": ("duración", "dauer", "durée", "duração"),
    "business duration": ("duración comercial", "geschäftsdauer", "durée ouvrée", "duração comercial"),
    "priority": ("prioridad", "priorität", "priorité", "prioridade"),
    "category": ("categoría", "kategorie", "catégorie", "categoria"),
})

ZENDESK = table({
    "id": ("id", "identificador", "kennung", "identifiant"),
    "subject": ("asunto", "betreff", "sujet", "assunto"),
    "status": ("estado", "status", "statut"),
    "priority": ("prioridad", "priorität", "priorité", "prioridade"),
    "created at": ("creado", "fecha de creación", "erstellt am", "créé le", "criado em"),
    "updated at": ("actualizado", "aktualisiert am", "mis à jour le", "atualizado em"),
    "solved at": ("resuelto", "fecha de resolución", "gelöst am", "résolu le", "resolvido em"),
    "requester id": ("id del solicitante", "anfragender-id", "id du demandeur", "id do solicitante"),
    "requester": ("solicitante", "anfragender", "demandeur"),
    "group": ("grupo", "gruppe", "groupe"),
    "tags": ("etiquetas", "tags", "étiquettes", "marcadores"),
    "via": ("canal", "über", "via"),
    "ticket type": ("tipo de ticket", "tickettyp", "type de ticket"),
    "satisfaction score": ("puntuación de satisfacción", "zufriedenheitsbewertung", "note de satisfaction",
                           "pontuação de satisfação"),
    "reopens": ("reaperturas", "wiedereröffnungen", "réouvertures", "reaberturas"),
    "replies": ("respuestas", "antworten", "réponses", "respostas"),
    "group stations": ("estaciones de grupo", "gruppenstationen", "stations de groupe", "estações de grupo"),
    "first reply time in minutes": ("tiempo de primera respuesta en minutos", "erste antwortzeit in minuten",
                                    "temps de première réponse en minutes", "tempo da primeira resposta em minutos"),
    "full resolution time in minutes": ("tiempo de resolución completa en minutos",
                                        "vollständige lösungszeit in minuten",
                                        "temps de résolution complète en minutes",
                                        "tempo de resolução completa em minutos"),
})

FRESHDESK = table({
    "ticket id": ("id del ticket", "id de ticket", "ticket-id", "id du ticket", "id do ticket"),
    "subject": ("asunto", "betreff", "sujet", "assunto"),
    "status": ("estado", "status", "statut"),
    "priority": ("prioridad", "priorität", "priorité", "prioridade"),
    "source": ("fuente", "origen", "quelle", "source", "origem", "fonte"),
    "type": ("tipo", "typ", "type"),
    "group": ("grupo", "gruppe", "groupe"),
    "agent": ("agente", "agent"),
    "created time": ("hora de creación", "fecha de creación", "erstellungszeit", "erstellt am", "heure de création",
                     "date de création", "hora de criação", "data de criação"),
    "resolved time": ("hora de resolución", "fecha de resolución", "lösungszeit", "gelöst am",
                      "heure de résolution", "hora de resolução", "data de resolução"),
    "closed time": ("hora de cierre", "fecha de cierre", "schließzeit", "geschlossen am", "heure de fermeture",
                    "hora de fechamento", "data de fechamento"),
    "initial response time": ("hora de respuesta inicial", "erste antwortzeit", "heure de réponse initiale",
                              "hora da resposta inicial"),
    "first response time (in hrs)": ("tiempo de primera respuesta (en horas)", "erste antwortzeit (in std.)",
                                     "temps de première réponse (en heures)", "tempo da primeira resposta (em horas)"),
    "resolution time (in hrs)": ("tiempo de resolución (en horas)", "lösungszeit (in std.)",
                                 "temps de résolution (en heures)", "tempo de resolução (em horas)"),
    "agent interactions": ("interacciones del agente", "agenteninteraktionen", "interactions de l'agent",
                           "interações do agente"),
    "customer interactions": ("interacciones del cliente", "kundeninteraktionen", "interactions du client",
                              "interações do cliente"),
    "survey results": ("resultados de la encuesta", "umfrageergebnisse", "résultats de l'enquête",
                       "résultats du sondage", "resultados da pesquisa"),
    "tags": ("etiquetas", "tags", "étiquettes"),
    "contact id": ("id de contacto", "kontakt-id", "id du contact", "id do contato"),
})
