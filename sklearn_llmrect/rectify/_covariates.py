"""The covariate design matrix of a rectified regression: DataFrame columns -> float matrix.

Numeric columns are used as they are; categorical ones (object, string, category or bool dtype)
are one-hot encoded with the first level dropped, as
``sklearn.preprocessing.OneHotEncoder(drop="first")`` does (levels sorted; for a pandas
``category`` column, the order of its categories, so that the reference level can be chosen);
an ``"intercept"`` column of ones comes first unless ``fit_intercept=False``. The levels are
learnt from every row given to ``fit`` (labelled and unlabelled), so both parts of the data get
the same columns.

No torch; pandas is imported only when a DataFrame is given.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

__all__ = ["CovariateEncoder", "check_identified", "estimator_input"]

INTERCEPT = "intercept"


def _is_frame(X) -> bool:
    return hasattr(X, "columns") and hasattr(X, "iloc")


def _is_categorical(series) -> bool:
    import pandas as pd

    dtype = series.dtype
    return bool(
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
    )


def check_columns(X, columns, argument: str = "covariates") -> None:
    """``X`` is a DataFrame holding every column in ``columns``."""
    if not _is_frame(X):
        raise ValueError(
            f"{argument}={list(columns)!r} names DataFrame columns, but X is a "
            f"{type(X).__name__}; pass X as a pandas DataFrame that holds the texts and the "
            "covariate columns."
        )
    missing = [c for c in columns if c not in X.columns]
    if missing:
        raise ValueError(
            f"{argument} names column(s) {missing} that X does not have; X has columns "
            f"{[str(c) for c in X.columns]}."
        )


class CovariateEncoder(TransformerMixin, BaseEstimator):
    """Design matrix of regression covariates: numeric columns as they are, categorical ones
    one-hot with the first level dropped, and an intercept column.

    Parameters
    ----------
    columns : list of str
        DataFrame columns that hold the covariates, in the order of the coefficients.
    fit_intercept : bool, default=True
        Put a column of ones named ``"intercept"`` first.

    Attributes
    ----------
    levels_ : dict
        Column -> tuple of its levels (the first is the dropped reference), or None for a
        numeric column.
    feature_names_out_ : tuple of str
        Name of each column of the design: ``"intercept"``, numeric column names, and
        ``"<column>_<level>"`` for each level but the first of a categorical column.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_llmrect.rectify._covariates import CovariateEncoder
    >>> frame = pd.DataFrame({"price": [1.0, 2.0, 3.0], "category": ["a", "b", "c"]})
    >>> encoder = CovariateEncoder(["price", "category"]).fit(frame)
    >>> encoder.get_feature_names_out().tolist()
    ['intercept', 'price', 'category_b', 'category_c']
    >>> encoder.transform(frame).tolist()
    [[1.0, 1.0, 0.0, 0.0], [1.0, 2.0, 1.0, 0.0], [1.0, 3.0, 0.0, 1.0]]
    """

    def __init__(self, columns=(), *, fit_intercept=True):
        self.columns = columns
        self.fit_intercept = fit_intercept

    def fit(self, X, y=None):
        """Learn the levels of the categorical columns and check every column.

        Parameters
        ----------
        X : pandas.DataFrame
            Holds ``columns`` (other columns are ignored).
        y : ignored

        Returns
        -------
        self
        """
        import pandas as pd

        columns = list(self.columns)
        check_columns(X, columns)
        self.levels_ = {}
        names = [INTERCEPT] if self.fit_intercept else []
        for column in columns:
            series = X[column]
            _check_missing(series, column)
            if _is_categorical(series):
                if isinstance(series.dtype, pd.CategoricalDtype):
                    seen = set(series.unique())
                    levels = tuple(c for c in series.cat.categories if c in seen)
                else:
                    levels = _sorted_levels(series, column)
                if len(levels) < 2:
                    raise ValueError(
                        f"covariate column {column!r} has a single level {levels[0]!r} in X: "
                        "there is nothing to compare it with; drop it from covariates."
                    )
                self.levels_[column] = levels
                names += [f"{column}_{level}" for level in levels[1:]]
            elif pd.api.types.is_numeric_dtype(series.dtype):
                values = series.to_numpy(dtype=float)
                if not np.isfinite(values).all():
                    raise ValueError(
                        f"covariate column {column!r} holds infinite values; drop or fill them."
                    )
                if self.fit_intercept and np.ptp(values) == 0:
                    raise ValueError(
                        f"covariate column {column!r} is constant (every row is {values[0]:g}): "
                        "it duplicates the intercept, so its coefficient is not identified; "
                        "drop it from covariates."
                    )
                self.levels_[column] = None
                names.append(str(column))
            else:
                raise ValueError(
                    f"covariate column {column!r} has dtype {series.dtype}; covariates must be "
                    "numeric, or categorical (object, string, category or bool dtype)."
                )
        if not names:
            raise ValueError("covariates must name at least one column (or fit_intercept=True).")
        self.feature_names_out_ = tuple(names)
        return self

    def transform(self, X) -> np.ndarray:
        """The design matrix of the rows of ``X``.

        Parameters
        ----------
        X : pandas.DataFrame
            Holds the fitted ``columns``; categorical columns only the levels seen in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples, len(feature_names_out_))
        """
        check_is_fitted(self, "levels_")
        check_columns(X, list(self.levels_))
        blocks = [np.ones((len(X), 1))] if self.fit_intercept else []
        for column, levels in self.levels_.items():
            series = X[column]
            _check_missing(series, column)
            if levels is None:
                blocks.append(series.to_numpy(dtype=float)[:, None])
                continue
            values = series.to_numpy(dtype=object)
            unknown = set(values.tolist()) - set(levels)
            if unknown:
                raise ValueError(
                    f"covariate column {column!r} holds level(s) {sorted(map(str, unknown))} "
                    f"not seen in fit (known: {list(levels)})."
                )
            blocks.append(np.column_stack([values == level for level in levels[1:]]))
        return np.hstack(blocks).astype(float)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the design's columns (see ``feature_names_out_``)."""
        check_is_fitted(self, "feature_names_out_")
        return np.asarray(self.feature_names_out_, dtype=object)


def _check_missing(series, column) -> None:
    missing = int(series.isna().sum())
    if missing:
        raise ValueError(
            f"covariate column {column!r} has {missing} missing value(s); drop or fill them "
            "(every row, labelled or not, needs its covariates)."
        )


def _sorted_levels(series, column) -> tuple:
    values = series.unique().tolist()
    try:
        return tuple(sorted(values))
    except TypeError:
        kinds = sorted({type(v).__name__ for v in values})
        raise ValueError(
            f"covariate column {column!r} mixes value types ({kinds}); use one type per "
            "column, e.g. all strings."
        ) from None


def estimator_input(X, covariates, keep: bool):
    """What the estimator sees: ``X`` without the covariate columns, unless ``keep``."""
    if not covariates or keep:
        return X
    check_columns(X, covariates)
    rest = X.drop(columns=list(covariates))
    if rest.shape[1] == 0:
        raise ValueError(
            f"X has no column left for the estimator once the covariates {list(covariates)} are "
            "removed; add the text column(s), or pass covariates_to_estimator=True."
        )
    return rest


def check_identified(W: np.ndarray, names, n_rows_label: str) -> None:
    """The design of the labelled rows has full column rank, or a clear error names the cause."""
    if W.shape[0] <= W.shape[1]:
        raise ValueError(
            f"{W.shape[0]} {n_rows_label} for {W.shape[1]} coefficients ({list(names)}): a "
            "regression needs more labelled rows than coefficients; use more labels or fewer "
            "covariates."
        )
    if np.linalg.matrix_rank(W) == W.shape[1]:
        return
    constant = [
        name
        for name, column in zip(names, W.T, strict=True)
        if name != INTERCEPT and np.ptp(column) == 0
    ]
    detail = (
        f"column(s) {constant} take a single value there (a category level without a label?)"
        if constant
        else "some columns are linear combinations of others"
    )
    raise ValueError(
        f"the covariates are collinear among the {W.shape[0]} {n_rows_label}: {detail}; the "
        "coefficients are not identified. Merge rare levels, drop redundant covariates or use "
        "more labels."
    )
