"""scikit-learn models that declare expensive fits, as the LLM estimators do.

``allocation="auto"`` pilots such an estimator with the ramp-up (the paper's procedure for
fine-tuning) instead of a learning curve; these stand-ins run that path in milliseconds.
"""

from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor


class ExpensiveRidge(Ridge):
    _expensive_fit = True


class ExpensiveLogisticRegression(LogisticRegression):
    _expensive_fit = True


class ExpensiveKNeighborsRegressor(KNeighborsRegressor):
    _expensive_fit = True


class ExpensiveKNeighborsClassifier(KNeighborsClassifier):
    _expensive_fit = True
