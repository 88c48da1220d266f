"""Where an SLO's budget went in a period, as the reports show it: bad events per day by cause
(fct_budget_attribution), the incidents and deploys that spent the most, and the annotations on
its time (fct_annotations), numbered for the chart markers. Read from the marts, nothing computed
here but sums and order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

TOP = 5                  # incidents and deploys listed per SLO
MOST_ANNOTATIONS = 40    # beyond this a chart is unreadable: the rest are counted, not drawn


@dataclass
class Attribution:
    by_day: dict[dt.date, dict[str, float]] = field(default_factory=dict)
    incidents: list[dict] = field(default_factory=list)
    deploys: list[dict] = field(default_factory=list)
    annotations: list[dict] = field(default_factory=list)  # each with its chart `number`
    more_annotations: int = 0

    def totals(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for causes in self.by_day.values():
            for cause, bad in causes.items():
                out[cause] = out.get(cause, 0.0) + bad
        return out

    def markers(self) -> list[tuple[int, dt.datetime]]:
        return [(a["number"], a["from_ts"]) for a in self.annotations]


def rows(con, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def has_mart(con, table: str) -> bool:
    """Whether `marts.<table>` is there: an audit snapshot freezes only the marts of record."""
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = 'marts' "
                            "and table_name = ?", [table]).fetchone()[0])


def attribution(con, slo: str, service: str, start: dt.date, end: dt.date) -> Attribution:
    """The SLO's attribution over the days [start, end); from an audit snapshot, the daily causes
    only (incidents, deploys and annotations are operational marts, not frozen)."""
    out = Attribution()
    for day, cause, bad in con.execute("""
            select day, cause_kind, sum(bad_events) from marts.fct_budget_attribution
            where slo_name = ? and day >= ? and day < ? group by day, cause_kind order by day""",
                                       [slo, start, end]).fetchall():
        out.by_day.setdefault(day, {})[cause] = float(bad)
    if not has_mart(con, "fct_incident_impact"):
        return out
    out.incidents = rows(con, """
        select incident_id, title, severity, started_at, resolved_at, bad_events, budget_share, detected_by,
               minutes_to_detect, minutes_to_mitigate, minutes_to_resolve, alerts_fired, missed
        from marts.fct_incident_impact
        where slo_name = ? and started_at < cast(? as timestamp)
          and coalesce(resolved_at, started_at) >= cast(? as timestamp)
        order by bad_events desc, started_at, incident_id limit ?""", [slo, end, start, TOP])
    out.deploys = rows(con, """
        select d.deploy_id, d.version, d.deployed_at, d.is_rollback, d.who, d.sli_before, d.sli_after,
               d.canary_delta, d.verdict, coalesce(a.bad_events, 0) as bad_events
        from marts.fct_deploy_impact d
        left join (select cause_id, sum(bad_events) as bad_events from marts.fct_budget_attribution
                   where slo_name = ? and cause_kind = 'deploy' and day >= ? and day < ?
                   group by cause_id) a on a.cause_id = d.deploy_id
        where d.slo_name = ? and d.deployed_at >= cast(? as timestamp) and d.deployed_at < cast(? as timestamp)
        order by bad_events desc, d.deployed_at, d.deploy_id limit ?""", [slo, start, end, slo, start, end, TOP])
    found = rows(con, """
        select annotation_source, from_ts, to_ts, note, who from marts.fct_annotations
        where (slo_name = ? or (slo_name is null and service = ?))
          and from_ts < cast(? as timestamp) and coalesce(to_ts, from_ts) >= cast(? as timestamp)
        order by annotation_source = 'alert', annotation_source = 'gap', from_ts, note""", [slo, service, end, start])
    out.annotations = [{**a, "number": i + 1} for i, a in enumerate(found[:MOST_ANNOTATIONS])]
    out.more_annotations = max(0, len(found) - MOST_ANNOTATIONS)
    return out
