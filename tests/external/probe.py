"""Budget and repeat accounting seen from the program side, then a result.

Checks (an AssertionError becomes a failed run naming it):
  - repeats are free: 3 distinct masks asked 3 times in one batch, and again in a
    second batch, leave used == 3;
  - a batch crossing the budget is refused whole (BudgetExceeded) and nothing is counted;
  - a batch that fills the budget exactly is answered; one more new mask is refused,
    a repeat is still answered;
  - design requests are answered without counting, bad ones refused (not fatal).
Returns the mean as a constant (Möbius ∅ term)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from spexbench.external import BudgetExceeded, serve  # noqa: E402


def fit(n, budget, seed, query):
    assert budget >= 8 and n >= 4, (n, budget)
    a, b, c = "0" * n, "1" * n, "1" + "0" * (n - 1)
    v = query([a, b, c, a, b, c, {0}, (1,) + (0,) * (n - 1)])
    assert query.used == 3, query.used
    assert v[0] == v[3] and v[2] == v[6] == v[7], v
    query([c, b, a])
    assert query.used == 3, query.used
    fresh = [format(i, "0%db" % n)[::-1] for i in range(2, 2 + budget)]  # all new, all distinct
    fresh = [m for m in fresh if m not in (a, b, c)]
    try:
        query(fresh[: budget - 2])  # 3 + budget-2 > budget
        raise AssertionError("a batch crossing the budget was answered")
    except BudgetExceeded as e:
        assert e.used == 3 and e.budget == budget, (e.used, e.budget)
    rest = query(fresh[: budget - 3])  # exactly fills the budget
    assert query.used == budget, query.used
    try:
        query([fresh[budget - 3]])
        raise AssertionError("a mask beyond the budget was answered")
    except BudgetExceeded:
        pass
    query([a, fresh[0]])  # repeats only: still free
    assert query.used == budget
    # designs: nothing queried or counted; bad requests are refused, not fatal
    masks, weights = query.design("kernel", count=8, with_weights=True)
    assert len(masks) == 8 and len(weights) == 8, (len(masks), weights)
    assert masks[0] == (0,) * n and masks[1] == (1,) * n, masks[:2]  # ∅ and [n] first
    assert len(query.design("uniform", count=5)) == 5
    assert query.design("uniform", count=5, seed=seed + 1) != query.design("uniform", count=5)
    assert query.design("uniform", count=5, seed=query.seed_hex) == query.design("uniform", count=5)
    for bad in (dict(kind="nope"), dict(kind="kernel", count=1), dict(count=budget + 1)):
        try:
            query.design(**bad)
            raise AssertionError("design %r was not refused" % (bad,))
        except ValueError:
            pass
    assert query.used == budget
    query.info("probe=passed")
    values = v[:3] + rest
    return {(): sum(values) / len(values)}


serve(fit)
