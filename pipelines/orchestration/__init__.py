"""The Dagster pieces every domain shares: the daily partitioning and run tags, retry and
freshness policies, and the resource that hands assets their locations."""
