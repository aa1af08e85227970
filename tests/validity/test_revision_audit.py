"""Seeded coverage check: the audit's error-rate intervals cover the true rates at nominal level.

A population of 3,000 teacher labels with three teacher-label categories whose true error
rates differ (5%, 20%, 45%); 400 replications each draw a uniform random audit of 200 rows,
fit :class:`ErrorAudit` and check whether each category's interval covers the category's
true error rate over the whole teacher-labelled set, and whether the interval of the
estimated count covers the true number of wrong labels. The truth is the finite population's
rate, which is what a user of the audit wants (sampling without replacement only makes the
binomial interval conservative).
"""

import numpy as np
import pytest

from sklearn_llmrect.revision import ErrorAudit

N, N_AUDIT, REPS = 3000, 200, 400


@pytest.fixture(scope="module")
def population():
    rng = np.random.default_rng(20251103)
    teacher = rng.choice(np.array(["a", "b", "c"]), size=N, p=[0.5, 0.3, 0.2])
    error_prob = {"a": 0.05, "b": 0.2, "c": 0.45}
    wrong = rng.random(N) < np.vectorize(error_prob.get)(teacher)
    others = {"a": ["b", "c"], "b": ["a", "c"], "c": ["a", "b"]}
    truth = np.array(
        [others[t][rng.integers(2)] if w else t for t, w in zip(teacher, wrong, strict=True)]
    )
    return teacher, truth


@pytest.mark.parametrize("method, slack", [("wilson", 0.025), ("clopper-pearson", 0.015)])
def test_audit_interval_covers_the_true_error_rate(population, method, slack):
    teacher, truth = population
    rng = np.random.default_rng(7)
    names = ["teacher=a", "teacher=b", "teacher=c"]
    true_rate = {n: np.mean(truth[teacher == n[-1]] != n[-1]) for n in names}
    true_count = {n: np.sum(truth[teacher == n[-1]] != n[-1]) for n in names}
    rate_hits = {n: 0 for n in names}
    count_hits = {n: 0 for n in names}
    overall_hits = 0
    for _ in range(REPS):
        human = np.full(N, "-1", dtype=object)
        rows = rng.choice(N, N_AUDIT, replace=False)
        human[rows] = truth[rows]
        audit = ErrorAudit(method=method).fit(None, teacher, human)
        for n in names:
            row = audit.category(n)
            rate_hits[n] += row.ci_low <= true_rate[n] <= row.ci_high
            count_hits[n] += row.estimated_errors_low <= true_count[n] <= row.estimated_errors_high
        row = audit.category("all")
        overall_hits += row.ci_low <= np.mean(truth != teacher) <= row.ci_high
    # Monte Carlo standard error of a 95% coverage over 400 replications is about 0.011; the
    # slack allows that plus Wilson's known small dips below nominal.
    for n in names:
        assert rate_hits[n] / REPS >= 0.95 - slack, (n, rate_hits[n] / REPS)
        assert count_hits[n] / REPS >= 0.95 - slack, (n, count_hits[n] / REPS)
    assert overall_hits / REPS >= 0.95 - slack
    # and not trivially wide: the average interval is informative
    assert audit.category("teacher=c").ci_high - audit.category("teacher=c").ci_low < 0.4
