"""How many human and LLM labels each round asks for, and which queries go to humans."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

__all__ = ["HumanBatchSchedule", "HumanLLMSplit", "apportion"]


def apportion(total: int, weights) -> np.ndarray:
    """Split the integer ``total`` in proportion to ``weights`` (largest-remainder rounding):
    the parts are integers that sum to ``total`` exactly."""
    weights = np.asarray(weights, dtype=float)
    if total == 0 or weights.sum() == 0:
        return np.zeros(len(weights), dtype=int)
    raw = total * weights / weights.sum()
    parts = np.floor(raw).astype(int)
    remainder = int(total - parts.sum())
    order = np.argsort(-(raw - parts), kind="stable")  # ties: earlier rounds first
    parts[order[:remainder]] += 1
    return parts


def _check_count(name, value, low=0):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}; got {value!r}.")
    return int(value)


class HumanBatchSchedule(BaseEstimator):
    """Per-round batch sizes: a geometrically decaying human batch and a growing LLM batch.

    With human budget ``N_h``, LLM budget ``N_l``, ``R`` rounds and decay ``gamma``:

    * human batch of round ``r = 1..R``:
      ``b_h(r) = N_h * gamma**(r-1) * (1 - gamma) / (1 - gamma**R)``
      (``N_h / R`` for ``gamma = 1``), so early rounds get more humans and the LLM's
      retrieval pool of human-labelled examples is large early on;
    * LLM batch: ``llm="linear"`` gives ``b_l(r) = N_l * r / (R (R + 1) / 2)`` (growing),
      ``"constant"`` gives ``N_l / R``, and ``"complement"`` keeps every round's total at
      ``(N_h + N_l) / R``, so ``b_l(r) = (N_h + N_l) / R - b_h(r)``.

    Both are rounded by largest remainders so that they sum to ``N_h`` and ``N_l`` exactly.

    Parameters
    ----------
    decay : float, default=0.5
        ``gamma`` in (0, 1]; 1 gives a constant human batch (the "constant split" ablation).
    llm : {"linear", "constant", "complement"}, default="linear"

    References
    ----------
    Zhang, Li, Das & Kumar (2023), IMFL, arXiv:2310.20153 ("variable batch size": more human
    annotation early; the formula is this package's reconstruction, the paper's exact one was
    not available).

    Examples
    --------
    >>> from sklearn_llmrect.selection import HumanBatchSchedule
    >>> HumanBatchSchedule(decay=0.5).batch_sizes(200, 800, 5).tolist()
    [[103, 53], [52, 107], [26, 160], [13, 213], [6, 267]]
    """

    def __init__(self, decay=0.5, llm="linear"):
        self.decay = decay
        self.llm = llm

    def batch_sizes(self, n_human, n_llm, n_rounds) -> np.ndarray:
        """Return an int array of shape (n_rounds, 2): human and LLM batch of each round."""
        n_human = _check_count("n_human", n_human)
        n_llm = _check_count("n_llm", n_llm)
        n_rounds = _check_count("n_rounds", n_rounds, low=1)
        decay = self.decay
        if isinstance(decay, bool) or not isinstance(decay, numbers.Real) or not 0 < decay <= 1:
            raise ValueError(f"decay must be a number in (0, 1]; got {decay!r}.")
        rounds = np.arange(1, n_rounds + 1)
        human = apportion(n_human, float(decay) ** (rounds - 1))
        if self.llm == "linear":
            llm = apportion(n_llm, rounds)
        elif self.llm == "constant":
            llm = apportion(n_llm, np.ones(n_rounds))
        elif self.llm == "complement":
            totals = apportion(n_human + n_llm, np.ones(n_rounds))
            llm = totals - human
            if (llm < 0).any():
                raise ValueError(
                    f"llm='complement': the human batch of round {int(np.argmin(llm)) + 1} "
                    f"exceeds the round total ({(n_human + n_llm) / n_rounds:g}); use a larger "
                    "decay, more LLM labels or llm='linear'."
                )
        else:
            raise ValueError(f"llm must be 'linear', 'constant' or 'complement'; got {self.llm!r}.")
        return np.column_stack([human, llm])


class HumanLLMSplit(BaseEstimator):
    """Send the hardest of a round's queries to humans and the rest to the LLM.

    Given the round's queried rows, their difficulty ``d`` (the current model's uncertainty)
    and the human batch ``b_h``, ``strategy="hardest"`` gives the ``b_h`` rows with the
    largest ``d`` to humans (ties broken at random) and the others to the LLM: the
    high-fidelity source covers what the model and, presumably, the LLM find hardest.
    ``"random"`` splits at random (an ablation).

    Parameters
    ----------
    strategy : {"hardest", "random"}, default="hardest"
    random_state : int, RandomState or None, default=None

    References
    ----------
    Zhang et al. (2023), IMFL, arXiv:2310.20153 (EEQ splits the queries between humans and
    the LLM).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.selection import HumanLLMSplit
    >>> human, llm = HumanLLMSplit().split([10, 11, 12, 13], [0.1, 0.9, 0.5, 0.2], n_human=2)
    >>> human.tolist(), llm.tolist()
    ([11, 12], [10, 13])
    """

    def __init__(self, strategy="hardest", *, random_state=None):
        self.strategy = strategy
        self.random_state = random_state

    def split(self, indices, difficulty, n_human):
        """Return ``(human_indices, llm_indices)``.

        Parameters
        ----------
        indices : array-like of int
            The round's queried rows.
        difficulty : array-like of float, same length
            Larger is harder; NaN counts as 0.
        n_human : int
            How many go to humans (at most ``len(indices)``).
        """
        indices = np.asarray(indices, dtype=np.intp)
        difficulty = np.nan_to_num(np.asarray(difficulty, dtype=float), nan=0.0)
        if difficulty.shape != indices.shape:
            raise ValueError(
                f"difficulty has shape {difficulty.shape} but indices has {indices.shape}."
            )
        n_human = _check_count("n_human", n_human)
        if n_human > len(indices):
            raise ValueError(f"n_human={n_human} is more than the {len(indices)} queried rows.")
        rng = check_random_state(self.random_state)
        if self.strategy == "hardest":
            order = np.lexsort((rng.permutation(len(indices)), -difficulty))
        elif self.strategy == "random":
            order = rng.permutation(len(indices))
        else:
            raise ValueError(f"strategy must be 'hardest' or 'random'; got {self.strategy!r}.")
        return indices[np.sort(order[:n_human])], indices[np.sort(order[n_human:])]
