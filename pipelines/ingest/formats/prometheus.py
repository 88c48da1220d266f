"""Prometheus `query_range` JSON of request counters by `code` (or `status`) label: each step's
increase becomes one record standing for that many requests (sample_rate = 1 / increase); a
counter that goes down was reset, so its increase is its new value. The customer, when
`SLM_CUSTOMER_ATTRIBUTE` names a label the series carries."""

from __future__ import annotations

import json
from typing import Iterator

from .records import failed, record


def prometheus_rows(text: str, service: str | None, customer_label: str | None = None) -> Iterator[dict]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        yield failed(1, text[:2000], f"not valid JSON: {exc.msg}")
        return
    except RecursionError:
        yield failed(1, text[:2000], "not readable JSON: nested too deeply")
        return
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, dict) or data.get("resultType") != "matrix":
        yield failed(1, text[:2000], "a Prometheus query_range answer needs data.resultType = matrix")
        return
    result = data.get("result") or []
    if not isinstance(result, list):
        yield failed(1, text[:2000], "data.result must be a list of series")
        return
    count = 0
    for series in result:
        if not isinstance(series, dict) or not isinstance(series.get("values") or [], list):
            count += 1
            yield failed(count, json.dumps(series)[:2000], "a series must be an object with a list of values")
            continue
        labels = series.get("metric") or {}
        labels = labels if isinstance(labels, dict) else {}
        code = labels.get("code") or labels.get("status")
        svc = labels.get("service") or labels.get("job") or service
        customer = labels.get(customer_label) if customer_label else None
        previous = None
        for sample in series.get("values") or []:
            count += 1
            raw = json.dumps({"metric": labels, "value": sample})[:2000]
            if code is None:
                yield failed(count, raw, "series without a code or status label")
                continue
            try:
                ts, value = sample
                millis = int(float(ts) * 1000)
                current = float(value)
            except (TypeError, ValueError, OverflowError):
                yield failed(count, raw, f"sample: {sample!r} is not a [unix seconds, number] pair")
                continue
            if current != current or current in (float("inf"), float("-inf")):
                yield failed(count, raw, f"value: {value!r} is not a finite number")
                continue
            if previous is None:  # the first sample is the baseline, not an increase
                previous = current
                continue
            increase = current if current < previous else current - previous  # a reset starts from 0
            previous = current
            if increase == 0:
                continue
            if increase < 1:
                yield failed(count, raw, f"increase of {increase} is less than one request (a rate, not a counter?)")
                continue
            # validation bounds the sample rate (a record stands for at most a billion requests)
            yield record(count, raw, timestamp=millis, service=svc, status_code=code,
                          sample_rate=1 / increase, source="prometheus", customer=customer)
