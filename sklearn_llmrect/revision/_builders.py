"""How :class:`ErrorAudit` builds its categories: per teacher label, bin, cluster or taxonomy."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .._validation import numeric_labels, take_rows
from ._categories import build_category, check_judgements, check_taxonomy
from ._text_notes import example_text, label_note, numeric_note

__all__ = ["CategoryBuilders"]


class CategoryBuilders:
    """Mixin of :class:`ErrorAudit`: errors, membership columns and notes of each category."""

    @staticmethod
    def _kind(name: str) -> str:
        if name == "no answer":
            return "no_answer"
        if name.startswith("teacher="):
            return "teacher_label"
        if name.startswith("teacher in "):
            return "teacher_bin"
        if name.startswith("cluster "):
            return "cluster"
        return "taxonomy"

    def _classes(self, teacher, human, audited, missing):
        known = [v for v in teacher[~missing].tolist()] + human[audited].tolist()
        self.classes_ = np.array(sorted(set(known), key=str), dtype=object)
        errors = np.zeros(len(teacher), dtype=bool)
        errors[audited] = missing[audited] | (teacher[audited] != human[audited])
        values = sorted(set(teacher[~missing].tolist()), key=str)
        columns = [(~missing) & (teacher == v) for v in values]
        names = [f"teacher={v}" for v in values]
        if missing.any():
            columns.append(missing)
            names.append("no answer")
        self._label_values = dict(zip(names, values, strict=False))
        return errors, np.column_stack(columns) if columns else np.zeros((len(teacher), 0)), names

    def _confusions(self, name, human, audited, inside, level):
        value = self._label_values[name]
        audit_in = inside & audited
        truths = human[audit_in]
        out = []
        for truth in sorted(set(truths.tolist()) - {value}, key=str):
            row = build_category(
                f"{name}, human={truth}",
                "confusion",
                False,
                truths == truth,
                inside.sum(),
                level,
                self.method,
            )
            out.append(row)
        return out

    def _numeric(self, teacher, human, audited, missing):
        values = numeric_labels(teacher, "teacher_labels", allow_missing=True)
        truth = numeric_labels(human[audited], "human_labels")
        residuals = np.full(len(teacher), np.nan)
        residuals[audited] = values[audited] - truth
        tolerance = self.tolerance
        if tolerance == "auto":
            tolerance = 0.5 * float(np.std(truth, ddof=1)) if len(truth) > 1 else 0.0
        self.tolerance_ = float(tolerance)
        errors = np.zeros(len(teacher), dtype=bool)
        errors[audited] = missing[audited] | (np.abs(residuals[audited]) > self.tolerance_)
        finite = values[~missing]
        edges = np.unique(np.quantile(finite, np.linspace(0, 1, int(self.n_bins) + 1)))
        if len(edges) < 2:
            edges = np.array([finite.min(), finite.max()]) if len(finite) else np.array([0, 0.0])
        self.bin_edges_ = edges
        columns, names = self._bin_columns(values, missing)
        if missing.any():
            columns.append(missing)
            names.append("no answer")
        return errors, np.column_stack(columns), names, residuals

    def _bin_columns(self, values, missing):
        edges = self.bin_edges_
        index = np.clip(np.searchsorted(edges[1:-1], values, side="right"), 0, len(edges) - 2)
        columns, names = [], []
        for b in range(len(edges) - 1):
            right = "]" if b == len(edges) - 2 else ")"
            names.append(f"teacher in [{edges[b]:.3g}, {edges[b + 1]:.3g}{right}")
            columns.append((~missing) & (index == b))
        return columns, names

    def _clusters(self, X, n_clusters):
        from sklearn.cluster import KMeans

        from ..models.embeddings import resolve_embedder

        if X is None:
            raise ValueError("n_clusters > 0 needs X (the rows to embed and cluster); X is None.")
        vectors = resolve_embedder(self.embedder)(X)
        k = min(n_clusters, len(vectors))
        self.kmeans_ = KMeans(k, n_init=4, random_state=self.random_state).fit(vectors)
        labels = self.kmeans_.labels_
        return np.column_stack([labels == c for c in range(k)]), vectors

    def _text(self, X, teacher, human, audited):
        taxonomy = check_taxonomy(self.taxonomy)
        if X is None:
            raise ValueError("task='text' needs X (the inputs the judge reads); X is None.")
        references = np.where(audited, human, None)
        judged = check_judgements(self.judge(X, teacher, references), len(teacher), taxonomy)
        names = list(taxonomy)
        members = np.array([[name in row for name in names] for row in judged], dtype=bool)
        errors = np.zeros(len(teacher), dtype=bool)
        errors[audited] = members[audited].any(axis=1)
        return errors, members.reshape(len(teacher), len(names)), names

    def _annotate_row(self, row, X, inside, cells, vectors):
        kind = row.kind
        example = ""
        if kind == "cluster" and X is not None:
            centre = self.kmeans_.cluster_centers_[int(row.name.split()[-1])]
            rows = np.flatnonzero(inside)
            nearest = rows[np.argmin(((vectors[rows] - centre) ** 2).sum(axis=1))]
            example = example_text(take_rows(X, [nearest]))
        if self.task_ == "regression":
            note = numeric_note(row, self.tolerance_)
        elif self.task_ == "text":
            description = check_taxonomy(self.taxonomy)[row.name]
            note = f"Check for and fix this error: {row.name}: {description}."
        else:
            note = label_note(row, self._label_values.get(row.name), cells)
        return replace(row, instruction=note, example=example)
