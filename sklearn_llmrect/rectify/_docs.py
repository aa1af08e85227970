"""Docstring fragments shared by :class:`RectifiedRegressor` and :class:`RectifiedClassifier`."""

DOC_PARAMETERS = """
    Parameters
    ----------
    estimator : estimator, default=None
        The model to fine-tune (cloned), any scikit-learn {kind}; default
        :class:`~sklearn_llmrect.models.estimators.{default}` (imported only in ``fit``). With
        ``allocation=0`` it must already be fitted (or be a
        :class:`sklearn.frozen.FrozenEstimator`) and is used as it is.
    allocation : "auto", float or int, default="auto"
        How the labels used are split between fine-tuning and rectification. ``"auto"`` runs the
        ramp-up pilot (:func:`~sklearn_llmrect.rectify.rampup.ramp_up`), which holds out a
        validation set (charged to the budget, used for nothing else), fits the scaling law and
        stops at the optimal fine-tuning size; the remaining labels rectify. A float in (0, 1) is
        the fraction of the labels used that fine-tune, an int their count; the rows are drawn by
        a seeded permutation and the rest rectify. ``0`` means "do not fine-tune". Ignored with
        ``method="cross"``.
    method : {{"ppi++", "ppi", "cross"}}, default="ppi++"
        ``"ppi++"``: power-tuned prediction-powered inference (``lambda`` in [0, 1]); ``"ppi"``:
        ``lambda = 1``; ``"cross"``: cross-prediction-powered inference, where ``n_folds`` models
        are each fine-tuned on all labels but one fold, which they rectify.
    n_folds : int, default=5
        Number of folds K for ``method="cross"``.
    budget : int, default=None
        Use only a seeded random subset of this many labelled rows (``None``: all), to answer
        "what would ``budget`` labels have given me". The other labelled rows are not used.
    confidence_level : float, default=0.95
        Nominal coverage of the confidence interval(s), in (0, 1).
    population : {{"superpopulation", "pool"}}, default="superpopulation"
        Whose {what} is estimated. ``"superpopulation"``: the distribution's the rows are drawn
        from (every row i.i.d., as in ppi_py). ``"pool"``: those of the rows of ``X`` themselves,
        the labelled ones a uniform sample of them without replacement; the interval is then
        the finite-population one (difference estimator, correction ``1 - n/P``), the labels
        outside the rectification set (fine-tuning, validation) count exactly, and with a
        ``budget`` the labelled rows not used are pool rows whose labels are not read. Only
        with ``estimand="mean"``.
    memory : None, str, path-like, FitCache or joblib.Memory, default=None
        Cache every model fitted (the ramp-up stages, the final model, the fold models) and
        its predictions in this folder (:class:`~sklearn_llmrect.caching.FitCache`), keyed by
        the estimator's parameters and the data, as :class:`sklearn.pipeline.Pipeline` caches
        transformers. A run stopped part-way then resumes: a refit with the same parameters
        and data loads what was done. None: no caching.
    random_state : int, RandomState instance or None, default=None
        Seeds the budget subset, the split (or the ramp-up order) and the folds.
    verbose : int, default=0
        Progress bar of the ramp-up pilot when > 0.
"""

DOC_ATTRIBUTES = """
    estimator_ : estimator
        The fine-tuned model (for ``method="cross"``, the average of the fold models). When
        the ramp-up finds that fine-tuning does not pay (``ramp_up_.fine_tuning_pays`` is
        False), the estimate is the classical mean of every label outside the validation set
        (``n_finetune_ = 0``, ``lambda_ = 0``) and this is the last stage's model, for
        ``predict`` only.
    estimators_ : list of estimators
        Only with ``method="cross"``: the K fold models.
    result_ : {result}
        The full result, with ``summary()``.
    scaling_law_ : ScalingLaw or None
        The law fitted by the ramp-up pilot (``allocation="auto"``), else None.
    ramp_up_ : RampUpResult or None
        What the ramp-up pilot measured (``allocation="auto"``), else None.
    n_labeled_ : int
        Labelled rows in ``y``.
    n_labeled_used_ : int
        Labels used (``budget``, or all); ``n_finetune_ + n_validation_ + n_rectify_`` equals it
        (with ``method="cross"``, ``n_rectify_`` does and ``n_finetune_`` is 0).
    n_finetune_, n_validation_, n_rectify_, n_unlabeled_ : int
        Labels that fine-tuned the model, scored the ramp-up stages and rectified the
        predictions; unlabelled rows.
    finetune_indices_, validation_indices_, rectify_indices_ : ndarray of int
        The same rows, as positions in the ``X`` given to ``fit``.
    labeled_indices_used_ : ndarray of int
        Positions of the labels used.
    rectify_predictions_ : ndarray or None
        Predictions of ``estimator_`` on the rectification rows (``method="cross"``: the
        out-of-fold predictions), so ``y[rectify_indices_] - rectify_predictions_`` are the
        held-out residuals; None when there was no unlabelled row.
    unlabeled_predictions_ : ndarray or None
        Its predictions on the unlabelled rows, in their order in ``X`` (``method="cross"``:
        averaged over the fold models).
"""

DOC_REFERENCES = """
    References
    ----------
    .. [1] L. Wang, Z. Ye, J. Zhao, "Efficient inference using large language models with
       limited human data: fine-tuning then rectification", arXiv:2511.19486, 2025
       (fine-tune-then-rectify, the scaling-law allocation and the ramp-up pilot).
    .. [2] A. N. Angelopoulos, S. Bates, C. Fannjiang, M. I. Jordan, T. Zrnic,
       "Prediction-powered inference", Science 382(6671), 2023.
    .. [3] A. N. Angelopoulos, J. C. Duchi, T. Zrnic, "PPI++: Efficient prediction-powered
       inference", arXiv:2311.01453, 2023.
    .. [4] T. Zrnic, E. J. Candes, "Cross-prediction-powered inference", Proceedings of the
       National Academy of Sciences 121(15), 2024.
"""

DOC_ESTIMAND = """    estimand : {{{choices}}}, default="mean"
        What is estimated. {mean}
        A regression (``"ols"``, ``"logistic"`` or ``"poisson"``, as offered above): the
        coefficients of the regression of the label on ``covariates`` (least squares, logistic
        with the log-odds link, Poisson with the log link), rectified with the model's
        predictions by the PPI / PPI++ regressions (:func:`~sklearn_llmrect.inference.ppi_ols`,
        ...) or, after cross-fitting, the cross-PPI ones
        (:func:`~sklearn_llmrect.inference.crossfit_ppi_ols`, ...). The model still predicts the
        label (from the text: the covariates are removed from what it sees, see
        ``covariates_to_estimator``); the estimate is the population regression of the human
        label on the covariates, valid whatever the model. {regression}
    quantile : float, default=0.5
        Level of the quantile, strictly between 0 and 1, for ``estimand="quantile"``
        (:class:`RectifiedRegressor` only).
    covariates : list of str, default=None
        Columns of the DataFrame ``X`` that hold the regression covariates (a regression
        estimand needs them; the other estimands take none). Numeric columns are used as they
        are; categorical ones (object, string, category or bool dtype) are one-hot encoded with
        the first level dropped, as ``OneHotEncoder(drop="first")`` does (levels sorted; a
        pandas ``category`` column keeps the order of its categories, so its first category is
        the reference). Coefficients are named ``"intercept"``, ``"<column>"`` and
        ``"<column>_<level>"``. Every row, labelled or not, needs its covariates.
    covariates_to_estimator : bool, default=False
        Also give the covariate columns to ``estimator``. By default it sees the other columns
        of ``X`` only (the text: the default surrogate embeds text). The interval narrows as
        far as the predictions track the label itself, the part the covariates explain
        included, so an estimator that can use both (e.g. a pipeline with a
        ``ColumnTransformer``) may gain from ``True``; validity holds either way.
    fit_intercept : bool, default=True
        Put an ``"intercept"`` column of ones first in the regression's design.
"""

DOC_ESTIMAND_ATTRIBUTES = """
    Attributes
    ----------
    estimate_ : {mean_type} or ndarray of shape (n_coefficients,)
        {mean_estimate}; with a regression estimand the coefficient of each column of the design
        (names in ``coefficient_names_``); with ``estimand="quantile"`` the quantile (a float).
    stderr_ : {mean_type} or ndarray of shape (n_coefficients,)
        Standard error(s) of ``estimate_`` (for a quantile, the interval's half-width over the
        normal quantile).
    confidence_interval_ : {ci_type} or ndarray of shape (n_coefficients, 2)
        {ci}; with a regression estimand one row ``(lower, upper)`` per coefficient (not
        simultaneous); with ``estimand="quantile"`` a tuple ``(lower, upper)``.
    lambda_ : {lambda_type}
        Power-tuning parameter ({lambda_note}; one value for a regression or a quantile), 1 for
        PPI and cross-PPI.
    effective_sample_size_ : {mean_type} or ndarray of shape (n_coefficients,)
        Labels the classical estimator (the same regression or quantile from the labels alone)
        would need for the same standard error, per estimate.
    coefficient_names_ : tuple of str
        With a regression estimand: the names of the coefficients (``"intercept"``, the numeric
        covariates, ``"<column>_<level>"``); with ``estimand="quantile"``: ``("q=<level>",)``.
    covariate_encoder_ : CovariateEncoder
        With a regression estimand: the fitted encoder of the covariates
        (``covariate_encoder_.transform(X)`` is the design of the rows of ``X``).
"""
