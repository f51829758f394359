"""Jira Cloud / Jira Service Management issue export (Filters → Export → CSV, all fields), English or Spanish UI.

Layout from Atlassian's CSV export: ``Summary, Issue key, Issue id, Issue Type, Status, Priority,
Resolution, Assignee, Reporter, Creator, Created, Updated, Resolved, Labels, Labels, Labels, Component/s,
Component/s, Sprint, Custom field (Request Type), Custom field (Satisfaction), Time to first response,
Time to resolution``. Quirks written here:

- dates in Jira's default ``dd/MMM/yy h:mm a`` (``06/Jan/26 9:29 AM``), with Spanish month names and
  lower-case ``am``/``pm`` in the Spanish UI (``23/sep/26 10:12 am``, as real Spanish exports show);
- ``Resolution`` a word ("Done", "Won't Do"), empty while unresolved;
- one column per label / component / sprint, the same header repeated, trailing ones empty;
- JSM SLA columns holding the time *remaining* (``2h 30m``, ``-1h 5m`` once breached);
- satisfaction 1–5 (JSM's stars), empty when not rated.
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

LABELS, COMPONENTS, SPRINTS = 3, 2, 1
EN = ["Summary", "Issue key", "Issue id", "Issue Type", "Status", "Priority", "Resolution", "Assignee", "Reporter",
      "Creator", "Created", "Updated", "Resolved", *["Labels"] * LABELS, *["Component/s"] * COMPONENTS,
      *["Sprint"] * SPRINTS, "Custom field (Request Type)", "Custom field (Satisfaction)",
      "Time to first response", "Time to resolution"]
# the Spanish UI's headers (those seen in real exports, the rest our best knowledge: layouts.localised)
ES = dict(zip(EN, ["Resumen", "Clave de incidencia", "ID de la incidencia", "Tipo de Incidencia", "Estado",
                   "Prioridad", "Resolución", "Persona asignada", "Informador", "Creador", "Creada", "Actualizada",
                   "Resuelta", *["Etiquetas"] * LABELS, *["Componentes"] * COMPONENTS, *["Sprint"] * SPRINTS,
                   "Campo personalizado (Tipo de solicitud)", "Campo personalizado (Satisfacción)",
                   "Tiempo hasta la primera respuesta", "Tiempo de resolución"], strict=True))
MONTHS_ES = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"]


def jira_date(t: datetime, spanish: bool) -> str:
    """``06/Jan/26 9:29 AM`` (English UI) or ``06/ene/26 9:29 am`` (Spanish UI)."""
    month = MONTHS_ES[t.month - 1] if spanish else t.strftime("%b")
    ampm = t.strftime("%p").lower() if spanish else t.strftime("%p")
    return f"{t.day:02d}/{month}/{t:%y} {int(t.strftime('%I'))}:{t:%M} {ampm}"


def sla(minutes: int) -> str:
    sign = "-" if minutes < 0 else ""
    h, m = divmod(abs(minutes), 60)
    return f"{sign}{h}h {m}m" if h else f"{sign}{m}m"


def rows(n: int, seed: int, spanish: bool = False) -> list[list[str]]:
    """``n`` issues as Jira writes them (a header row first; cells as text, in EN column order)."""
    rng = random.Random(seed)
    start = datetime(2025, 12, 1, 8, 0)
    header = [ES[h] for h in EN] if spanish else list(EN)
    out = [header]
    for i in range(n):
        created = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 45))
        done = rng.random() < 0.7
        resolved = created + timedelta(minutes=rng.randrange(20, 60 * 24 * 9)) if done else None
        status = rng.choice(["Done", "Closed", "Resolved"]) if done else rng.choice(["Open", "In Progress",
                                                                                      "Waiting for support"])
        labels = rng.sample(["billing", "vpn", "urgent", "returning"], rng.randrange(0, LABELS + 1))
        comps = rng.sample(["Portal", "Billing API", "Mobile"], rng.randrange(0, COMPONENTS + 1))
        sprint = rng.choice(["", "Sprint 12"])
        pad = lambda xs, k: xs + [""] * (k - len(xs))  # noqa: E731
        out.append([
            rng.choice(["Cannot log in", "Refund, please", "VPN drops"]), f"SUP-{100 + i}", str(20000 + i),
            rng.choice(["Service request", "Incident"]), status, rng.choice(["High", "Medium", "Low"]),
            (rng.choice(["Done", "Won't Do", "Duplicate"]) if done else ""), rng.choice(["Ana", "Bo", ""]),
            f"customer{i % 30}@example.com", f"customer{i % 30}@example.com", jira_date(created, spanish),
            jira_date(resolved or created, spanish), jira_date(resolved, spanish) if resolved else "",
            *pad(labels, LABELS), *pad(comps, COMPONENTS), sprint,
            rng.choice(["Get IT help", "Request a refund", "Report a bug"]),
            (str(rng.randrange(1, 6)) if done and rng.random() < 0.6 else ""),
            sla(rng.randrange(-120, 240)), sla(rng.randrange(-600, 2400)) if done else ""])
    return out


def write(path: Path, n: int = 200, seed: int = 1, spanish: bool = False) -> list[dict[str, object]]:
    """The CSV (UTF-8 with Jira's repeated headers); returns one dict per issue, repeated columns as lists."""
    table = rows(n, seed, spanish)
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(table)
    out: list[dict[str, object]] = []
    for r in table[1:]:
        d: dict[str, object] = {}
        for h, v in zip(EN, r, strict=True):
            if h in {"Labels", "Component/s", "Sprint"}:
                d.setdefault(h, [])
                if v:
                    d[h].append(v)  # type: ignore[union-attr]
            else:
                d[h] = v
        out.append(d)
    return out
