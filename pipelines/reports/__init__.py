"""Reports for people: the SLA report, the run summary, the deploy gate. They read marts
read-only and never import Dagster."""
